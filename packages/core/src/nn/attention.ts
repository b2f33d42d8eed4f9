import type { CostReporter } from '../metrics/costs';
import { ConfigError } from '../config/parse';
import { tf } from '../tf';
import { additiveMask, attendHeads } from './attention-ops';
import { Dropout } from './dropout';
import { Linear } from './linear';
import { Module } from './module';

/** Options of {@link MultiHeadAttention}. */
export interface MultiHeadAttentionOptions {
  /** Feature size of the key/value input for cross-attention (default: `dim`). */
  kvDim?: number;
  /** Dropout on the attention probabilities (default 0). */
  dropout?: number;
  /** Biases in the q/k/v/out projections (default true). */
  bias?: boolean;
  /** Zero-initialise the output projection so the layer starts as exactly 0 (adapters). */
  zeroInitOut?: boolean;
}

/**
 * A causal mask for self-attention over `length` positions: boolean [L, L], true where a query
 * may attend (key position <= query position).
 *
 * @example
 * ```ts
 * const y = attn.forward(x, undefined, causalMask(x.shape[1]));
 * ```
 */
export function causalMask(length: number): tf.Tensor2D {
  return tf.tidy(() => tf.cast(tf.linalg.bandPart(tf.ones([length, length]), -1, 0), 'bool') as tf.Tensor2D);
}

/**
 * Multi-head scaled dot-product attention, for self-attention (`forward(x)`) and
 * cross-attention (`forward(q, kv)`, with `kvDim` when kv has another feature size).
 * Projections are the Linear children `q`, `k`, `v` (kvDim -> dim) and `out`.
 *
 * `mask` is [Lq, Lk] or [B, Lq, Lk], either boolean (true = may attend) or additive float
 * (added to the scores, e.g. 0 / -1e9).
 *
 * @example
 * ```ts
 * const attn = new MultiHeadAttention(32, 4);
 * const self = attn.forward(x);                              // x: [B, L, 32]
 * const xattn = new MultiHeadAttention(32, 4, { kvDim: 16 });
 * const cross = xattn.forward(x, memory);                    // memory: [B, M, 16]
 * ```
 */
export class MultiHeadAttention extends Module implements CostReporter {
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly out: Linear;
  readonly attnDrop: Dropout;
  readonly headDim: number;
  readonly kvDim: number;

  constructor(
    readonly dim: number,
    readonly heads: number,
    { kvDim = dim, dropout = 0, bias = true, zeroInitOut = false }: MultiHeadAttentionOptions = {},
  ) {
    super();
    if (!(Number.isInteger(heads) && heads >= 1 && dim % heads === 0)) {
      throw new ConfigError('MultiHeadAttention', [
        { path: 'heads', message: `dim ${dim} is not divisible by heads ${heads}` },
      ]);
    }
    this.headDim = dim / heads;
    this.kvDim = kvDim;
    this.q = this.child('q', new Linear(dim, dim, { bias }));
    this.k = this.child('k', new Linear(kvDim, dim, { bias }));
    this.v = this.child('v', new Linear(kvDim, dim, { bias }));
    this.out = this.child('out', new Linear(dim, dim, { bias, zeroInit: zeroInitOut }));
    this.attnDrop = this.child('attnDrop', new Dropout(dropout));
  }

  /**
   * @param q queries [B, Lq, dim] (or [Lq, dim])
   * @param kv keys/values [B, Lk, kvDim] (or [Lk, kvDim]); defaults to `q`
   * @param mask boolean or additive [Lq, Lk] or [B, Lq, Lk]
   * @returns [B, Lq, dim] (or [Lq, dim])
   */
  forward(q: tf.Tensor, kv: tf.Tensor = q, mask?: tf.Tensor): tf.Tensor {
    const unbatched = q.rank === 2;
    if ((q.rank !== 2 && q.rank !== 3) || kv.rank !== q.rank) {
      throw new Error(
        `MultiHeadAttention: q [${q.shape}] and kv [${kv.shape}] must both be [B, L, D] or [L, D]`,
      );
    }
    return tf.tidy(() => {
      const q3: tf.Tensor3D = unbatched ? tf.expandDims(q, 0) : (q as tf.Tensor3D);
      const kv3: tf.Tensor3D = unbatched ? tf.expandDims(kv, 0) : (kv as tf.Tensor3D);
      const [b, lq] = q3.shape;
      const lk = kv3.shape[1];
      if (kv3.shape[0] !== b)
        throw new Error(`MultiHeadAttention: batch of q [${q.shape}] and kv [${kv.shape}] differ`);
      const split = (t: tf.Tensor, len: number, perm: number[]) =>
        tf.transpose(tf.reshape(t, [b, len, this.heads, this.headDim]), perm);
      const qh = split(this.q.forward(q3), lq, [0, 2, 1, 3]); // [B, H, Lq, hd]
      const kh = split(this.k.forward(kv3), lk, [0, 2, 1, 3]); // [B, H, Lk, hd]
      const vt = split(this.v.forward(kv3), lk, [0, 2, 3, 1]); // [B, H, hd, Lk]
      const scoreMask = mask ? additiveMask(mask, b, lq, lk, 'MultiHeadAttention') : undefined;
      const heads = attendHeads(qh, kh, vt, scoreMask, this.attnDrop); // [B, H, Lq, hd]
      const ctx = tf.reshape(tf.transpose(heads, [0, 2, 1, 3]), [b, lq, this.dim]);
      const y = this.out.forward(ctx);
      return unbatched ? tf.squeeze(y, [0]) : y;
    });
  }

  inactiveParams(): number {
    return 0;
  }

  /**
   * FLOPs per query token attending over `seqLen` keys (2 per multiply-add): the q and out
   * projections, the k and v projections of one key token, scores and mixing (2 · 2 · seqLen · dim).
   */
  flopsPerToken(seqLen = 0): number {
    const d = this.dim;
    return 2 * 2 * d * d + 2 * 2 * this.kvDim * d + 2 * 2 * seqLen * d;
  }
}
