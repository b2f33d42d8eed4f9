import { activate, type ActivationName } from '../moe/experts/activation';
import { ExpertBank } from '../moe/experts/bank';
import type { FfnExperts } from '../moe/experts/ffn-bank';
import { groupedMatMul } from '../moe/grouped-matmul';
import { quantizeChannels } from '../quant/channel-quant';
import { tf } from '../tf';
import { ffnWeightsOf, type FfnWeights } from './dequantized-bank';
import { matrixAt } from './layer-parts';
import type { StoredBytesReporter } from './stored-bytes';

const CODE_BITS = 8;

/**
 * Nested (Matryoshka) bit widths over one stored model (D²-MoE-style dynamic bit widths; nested
 * integer quantization, Nair et al. 2025, "Matryoshka Quantization", arXiv:2502.06786): each
 * expert matrix is stored once as 8-bit mid-rise codes with one float32 scale per output channel
 * (`quantizeChannels(w, rows, cols, 8)`), and served at any width b in `views` by reading the
 * top b bits of each code: w_b = (⌊c / 2^(8-b)⌋ + 1/2) · 2^(8-b) · s, which is exactly the b-bit
 * quantization of the same weights. The bank has V·E ids: id v·E + e is expert e at `views[v]`
 * bits, so a layer picks a width per (token, expert) pair by routing it to one id
 * ({@link NestedBitMoELayer}).
 *
 * The codes live on the device as frozen float32 parameters holding the integers (tfjs has no
 * int8 dtype) and each forward dequantizes the views it needs on the fly; `storedBytes()` counts
 * the int8 store: E · (2·D·H + 4·(H + D) + 4·(H + D)) (codes, scales, biases).
 * `paramsPerExpert` / `flopsPerToken` are per source expert spread over the V ids (means);
 * layers report costs from `sourceParamsPerExpert` / `sourceFlopsPerToken`.
 *
 * @example
 * ```ts
 * const nested = new NestedBitExperts(moe.experts as FfnExperts, [8, 4, 2]); // 3E ids
 * nested.storedBytes(); // E · (2DH + 8(H + D))
 * ```
 */
export class NestedBitExperts extends ExpertBank implements StoredBytesReporter {
  readonly views: readonly number[];
  readonly sourceExperts: number;
  readonly hidden: number;
  readonly activation: ActivationName;
  readonly codes1: tf.Variable;
  readonly scales1: tf.Variable;
  readonly b1: tf.Variable;
  readonly codes2: tf.Variable;
  readonly scales2: tf.Variable;
  readonly b2: tf.Variable;

  /** `weights`: the source's weights already read back (`await ffnWeightsOfAsync(source)`: no synchronous read, for webgpu); read here (synchronously) when absent. */
  constructor(source: FfnExperts, views: readonly number[] = [8, 4, 2], weights?: FfnWeights) {
    super(source.numExperts * views.length, source.dim);
    views.forEach((b, i) => {
      if (!Number.isInteger(b) || b < 1 || b > CODE_BITS) {
        throw new Error(`NestedBitExperts: views[${i}] is ${b}, expected an integer in [1, ${CODE_BITS}]`);
      }
    });
    const [e, d, h] = [source.numExperts, source.dim, source.hidden];
    this.views = [...views];
    this.sourceExperts = e;
    this.hidden = h;
    this.activation = source.activation;
    const float = weights ?? ffnWeightsOf(source);
    const quantize = (w: Float32Array, rows: number, cols: number) => {
      const codes = new Float32Array(e * rows * cols);
      const scales = new Float32Array(e * cols);
      for (let i = 0; i < e; i++) {
        const q = quantizeChannels(matrixAt(w, i, rows, cols), rows, cols, CODE_BITS);
        codes.set(q.codes, i * rows * cols);
        scales.set(q.scales, i * cols);
      }
      return { codes: tf.tensor3d(codes, [e, rows, cols]), scales: tf.tensor2d(scales, [e, cols]) };
    };
    const first = quantize(float.w1, d, h);
    const second = quantize(float.w2, h, d);
    this.codes1 = this.param('codes1', first.codes, false);
    this.scales1 = this.buffer('scales1', first.scales);
    this.b1 = this.param('b1', tf.tensor2d(float.b1, [e, h]), false);
    this.codes2 = this.param('codes2', second.codes, false);
    this.scales2 = this.buffer('scales2', second.scales);
    this.b2 = this.param('b2', tf.tensor2d(float.b2, [e, d]), false);
    this.train(source.training);
  }

  /** The dequantized weights at `bits` of every expert: [E, rows, cols]. */
  weightsAt(bits: number, which: 1 | 2): tf.Tensor3D {
    const step = 2 ** (CODE_BITS - bits);
    const [codes, scales] = which === 1 ? [this.codes1, this.scales1] : [this.codes2, this.scales2];
    return tf.tidy(() =>
      tf.mul(tf.add(tf.floor(tf.div(codes, step)), 0.5), tf.expandDims(tf.mul(scales, step), 1)),
    ) as tf.Tensor3D;
  }

  /** Exact bytes of the store: 8-bit codes, float32 scales and biases. */
  storedBytes(): number {
    const [e, d, h] = [this.sourceExperts, this.dim, this.hidden];
    return e * (2 * d * h + 4 * (h + d) + 4 * (h + d));
  }

  /**
   * Bytes one (token, expert) pair reads at `bits`, with the codes laid out in bit planes (most
   * significant first, so a b-bit view reads b of the 8 planes): 2·D·H·b/8 + 4·(H + D) scales +
   * 4·(H + D) biases.
   */
  bytesReadAt(bits: number): number {
    const [d, h] = [this.dim, this.hidden];
    return (2 * d * h * bits) / 8 + 8 * (h + d);
  }

  /** Parameters of one source expert (2DH + H + D). */
  sourceParamsPerExpert(): number {
    return 2 * this.dim * this.hidden + this.hidden + this.dim;
  }

  /** FLOPs of one source expert on one token (4DH), at any width. */
  sourceFlopsPerToken(): number {
    return 4 * this.dim * this.hidden;
  }

  forwardAll(x: tf.Tensor2D): tf.Tensor3D {
    const e = this.sourceExperts;
    const xs = tf.broadcastTo(tf.expandDims(x, 0), [e, ...x.shape]);
    const outs = this.views.map((bits) => {
      const pre = tf.add(tf.matMul(xs, this.weightsAt(bits, 1)), tf.expandDims(this.b1, 1));
      return tf.add(
        tf.matMul(activate(pre, this.activation), this.weightsAt(bits, 2)),
        tf.expandDims(this.b2, 1),
      );
    });
    return tf.concat(outs, 0) as tf.Tensor3D;
  }

  forwardSorted(x: tf.Tensor2D, sizes: number[]): tf.Tensor2D {
    const e = this.sourceExperts;
    if (sizes.length !== this.numExperts) {
      throw new Error(`NestedBitExperts: ${sizes.length} group sizes for ${this.numExperts} ids`);
    }
    const parts: tf.Tensor2D[] = [];
    let start = 0;
    this.views.forEach((bits, v) => {
      const own = sizes.slice(v * e, (v + 1) * e);
      const n = own.reduce((s, c) => s + c, 0);
      if (n === 0) return;
      const rows = tf.slice(x, [start, 0], [n, -1]) as tf.Tensor2D;
      const h = activate(
        groupedMatMul(rows, this.weightsAt(bits, 1), own, this.b1 as tf.Tensor2D),
        this.activation,
      );
      parts.push(groupedMatMul(h as tf.Tensor2D, this.weightsAt(bits, 2), own, this.b2 as tf.Tensor2D));
      start += n;
    });
    if (parts.length === 0) return tf.zeros([0, this.dim]);
    return parts.length === 1 ? parts[0] : (tf.concat(parts, 0) as tf.Tensor2D);
  }

  paramsPerExpert(): number {
    return this.sourceParamsPerExpert() / this.views.length;
  }

  flopsPerToken(): number {
    return this.sourceFlopsPerToken() / this.views.length;
  }
}
