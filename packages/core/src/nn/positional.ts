import { tf } from '../tf';
import { normalInit } from './init';
import { Module } from './module';

/** Row `pos` of the 1-D table written into `out` at `offset`, every `stride` entries per pos. */
function fillSinusoid(out: Float32Array, length: number, dim: number, stride: number, offset: number): void {
  for (let pos = 0; pos < length; pos++) {
    for (let i = 0; i < dim; i += 2) {
      const angle = pos / Math.pow(10000, i / dim);
      out[pos * stride + offset + i] = Math.sin(angle);
      out[pos * stride + offset + i + 1] = Math.cos(angle);
    }
  }
}

/**
 * Fixed sinusoidal encoding [length, dim] (Vaswani et al.):
 * `PE[p, 2i] = sin(p / 10000^(2i/dim))`, `PE[p, 2i+1] = cos(p / 10000^(2i/dim))`. `dim` must be even.
 *
 * @example
 * ```ts
 * const x2 = tf.add(x, sinusoidal1d(x.shape[1], x.shape[2])); // x: [B, L, D]
 * ```
 */
export function sinusoidal1d(length: number, dim: number): tf.Tensor2D {
  if (dim % 2 !== 0) throw new Error(`sinusoidal1d: dim must be even, got ${dim}`);
  const out = new Float32Array(length * dim);
  fillSinusoid(out, length, dim, dim, 0);
  return tf.tensor2d(out, [length, dim]);
}

/**
 * Fixed 2-D sinusoidal encoding [h, w, dim]: channels [0, dim/2) are `sinusoidal1d(h, dim/2)` of
 * the row, channels [dim/2, dim) are `sinusoidal1d(w, dim/2)` of the column. `dim` must be a
 * multiple of 4. Reshape to [h*w, dim] for row-major patch tokens.
 *
 * @example
 * ```ts
 * const pe = sinusoidal2d(7, 7, 64).reshape([49, 64]);
 * ```
 */
export function sinusoidal2d(h: number, w: number, dim: number): tf.Tensor3D {
  if (dim % 4 !== 0) throw new Error(`sinusoidal2d: dim must be a multiple of 4, got ${dim}`);
  const half = dim / 2;
  const rows = new Float32Array(h * half);
  const cols = new Float32Array(w * half);
  fillSinusoid(rows, h, half, half, 0);
  fillSinusoid(cols, w, half, half, 0);
  const out = new Float32Array(h * w * dim);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const base = (r * w + c) * dim;
      out.set(rows.subarray(r * half, (r + 1) * half), base);
      out.set(cols.subarray(c * half, (c + 1) * half), base + half);
    }
  }
  return tf.tensor3d(out, [h, w, dim]);
}

/** Options of the learned positional embeddings. */
export interface PositionalEmbeddingOptions {
  /** Standard deviation of the normal init (default 0.02). */
  std?: number;
}

/**
 * Learned absolute positions `weight` [maxLen, dim], added to a sequence.
 *
 * @example
 * ```ts
 * const pos = new PositionalEmbedding(128, 32);
 * const y = pos.forward(x); // x: [B, L, 32] or [L, 32], L <= 128
 * ```
 */
export class PositionalEmbedding extends Module {
  readonly weight: tf.Variable;

  constructor(
    readonly maxLen: number,
    readonly dim: number,
    { std = 0.02 }: PositionalEmbeddingOptions = {},
  ) {
    super();
    this.weight = this.param('weight', normalInit([maxLen, dim], std));
  }

  /** Adds positions `offset .. offset + L - 1` to x ([..., L, dim]). */
  forward(x: tf.Tensor, offset = 0): tf.Tensor {
    const len = x.shape[x.rank - 2];
    if (x.rank < 2 || x.shape[x.rank - 1] !== this.dim || offset + len > this.maxLen) {
      throw new Error(
        `PositionalEmbedding: input [${x.shape}] at offset ${offset} does not fit [maxLen ${this.maxLen}, dim ${this.dim}]`,
      );
    }
    return tf.tidy(() => tf.add(x, tf.slice(this.weight, [offset, 0], [len, this.dim])));
  }
}

/**
 * Learned 2-D positions `weight` [h, w, dim], added to a grid [..., h, w, dim] or to row-major
 * tokens [..., h*w, dim].
 *
 * @example
 * ```ts
 * const pos = new PositionalEmbedding2d(7, 7, 64);
 * const y = pos.forward(patches); // patches: [B, 49, 64]
 * ```
 */
export class PositionalEmbedding2d extends Module {
  readonly weight: tf.Variable;

  constructor(
    readonly height: number,
    readonly width: number,
    readonly dim: number,
    { std = 0.02 }: PositionalEmbeddingOptions = {},
  ) {
    super();
    this.weight = this.param('weight', normalInit([height, width, dim], std));
  }

  forward(x: tf.Tensor): tf.Tensor {
    const { height: h, width: w, dim } = this;
    const s = x.shape;
    const isGrid = x.rank >= 3 && s[x.rank - 3] === h && s[x.rank - 2] === w && s[x.rank - 1] === dim;
    const isTokens = x.rank >= 2 && s[x.rank - 2] === h * w && s[x.rank - 1] === dim;
    if (!isGrid && !isTokens) {
      throw new Error(
        `PositionalEmbedding2d: input [${s}] is neither [..., ${h}, ${w}, ${dim}] nor [..., ${h * w}, ${dim}]`,
      );
    }
    return tf.tidy(() => tf.add(x, isGrid ? this.weight : tf.reshape(this.weight, [h * w, dim])));
  }
}
