import { ExpertBank } from '../moe/experts/bank';
import { tf } from '../tf';

/**
 * Two banks of the same E experts as one bank of 2E: ids 0..E-1 run `full`, ids E..2E-1 run
 * `compact` (expert e's compressed copy is id E + e). What lets the dispatch paths send a token's
 * most important expert to the full bank and its other experts to the compact one (compressed
 * experts, He et al. 2025, arXiv:2503.00634). The two tiers differ in size, so
 * `paramsPerExpert` / `flopsPerToken` are their means over the 2E ids; a layer reports exact
 * costs from `full` and `compact` (see `CompressedExpertsLayer`).
 *
 * @example
 * ```ts
 * const tiered = new TieredExperts(moe.experts, await lowRankExperts(moe.experts as FfnExperts, 8));
 * ```
 */
export class TieredExperts extends ExpertBank {
  readonly full: ExpertBank;
  readonly compact: ExpertBank;

  constructor(full: ExpertBank, compact: ExpertBank) {
    super(2 * full.numExperts, full.dim);
    if (compact.numExperts !== full.numExperts || compact.dim !== full.dim) {
      throw new Error(
        `TieredExperts: the compact bank has ${compact.numExperts} experts of dim ${compact.dim}, the full one ${full.numExperts} of dim ${full.dim}`,
      );
    }
    this.full = this.child('full', full);
    this.compact = this.child('compact', compact);
  }

  forwardAll(x: tf.Tensor2D): tf.Tensor3D {
    return tf.concat([this.full.forwardAll(x), this.compact.forwardAll(x)], 0);
  }

  forwardSorted(x: tf.Tensor2D, sizes: number[]): tf.Tensor2D {
    const e = this.full.numExperts;
    if (sizes.length !== 2 * e)
      throw new Error(`TieredExperts: ${sizes.length} group sizes for ${2 * e} experts`);
    const fullSizes = sizes.slice(0, e);
    const compactSizes = sizes.slice(e);
    const n = fullSizes.reduce((s, v) => s + v, 0);
    const rest = x.shape[0] - n;
    if (rest === 0) return this.full.forwardSorted(x, fullSizes);
    if (n === 0) return this.compact.forwardSorted(x, compactSizes);
    const first = this.full.forwardSorted(tf.slice(x, [0, 0], [n, -1]), fullSizes);
    const second = this.compact.forwardSorted(tf.slice(x, [n, 0], [rest, -1]), compactSizes);
    return tf.concat([first, second], 0);
  }

  paramsPerExpert(): number {
    return (this.full.paramsPerExpert() + this.compact.paramsPerExpert()) / 2;
  }

  flopsPerToken(): number {
    return (this.full.flopsPerToken() + this.compact.flopsPerToken()) / 2;
  }
}
