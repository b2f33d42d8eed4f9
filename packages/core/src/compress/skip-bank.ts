import { ExpertBank } from '../moe/experts/bank';
import { tf } from '../tf';
import { bankStoredBytes, type StoredBytesReporter } from './stored-bytes';

/**
 * A bank of E experts plus one "skip" id E whose output is zero, with no parameters and no
 * FLOPs: a (token, expert) pair routed to id E costs nothing, so a layer that drops pairs at run
 * time (MC#'s online pruning) sends them there and `aux.counts[E]` counts them. `paramsPerExpert`
 * / `flopsPerToken` are means over the E + 1 ids; layers report exact costs from `inner`.
 *
 * @example
 * ```ts
 * const bank = new SkipExpertBank(moe.experts); // numExperts = E + 1
 * ```
 */
export class SkipExpertBank extends ExpertBank implements StoredBytesReporter {
  readonly inner: ExpertBank;

  constructor(inner: ExpertBank) {
    super(inner.numExperts + 1, inner.dim);
    this.inner = this.child('inner', inner);
  }

  /** The inner bank's stored bytes (the skip id stores nothing). */
  storedBytes(): number {
    return bankStoredBytes(this.inner);
  }

  forwardAll(x: tf.Tensor2D): tf.Tensor3D {
    return tf.concat([this.inner.forwardAll(x), tf.zeros([1, ...x.shape])], 0) as tf.Tensor3D;
  }

  forwardSorted(x: tf.Tensor2D, sizes: number[]): tf.Tensor2D {
    const e = this.inner.numExperts;
    if (sizes.length !== e + 1)
      throw new Error(`SkipExpertBank: ${sizes.length} group sizes for ${e + 1} ids`);
    const skipped = sizes[e];
    const n = x.shape[0] - skipped;
    if (skipped === 0) return this.inner.forwardSorted(x, sizes.slice(0, e));
    const zeros = tf.zeros([skipped, this.dim]) as tf.Tensor2D;
    if (n === 0) return zeros;
    return tf.concat([this.inner.forwardSorted(tf.slice(x, [0, 0], [n, -1]), sizes.slice(0, e)), zeros], 0);
  }

  paramsPerExpert(): number {
    return (this.inner.numExperts * this.inner.paramsPerExpert()) / this.numExperts;
  }

  flopsPerToken(): number {
    return (this.inner.numExperts * this.inner.flopsPerToken()) / this.numExperts;
  }
}
