import { parseConfig } from '../config/parse';
import { activate, type ActivationName } from '../moe/experts/activation';
import { ExpertBank } from '../moe/experts/bank';
import { groupedMatMul } from '../moe/grouped-matmul';
import { fanInUniform } from '../nn/init';
import { tf } from '../tf';
import { SubspaceBankOptionsSchema, type SubspaceBankOptions } from './options';

/**
 * E two-layer FFN experts in G groups, each group sharing two rank-r bases in the model space
 * (Sub-MoE, Li et al. 2025, "Sub-MoE: Efficient Mixture-of-Expert LLMs Compression via Subspace
 * Expert Merging", arXiv:2506.23266): expert e of group g computes
 * `act(x u1[g] v1[e] + b1[e]) v2[e] u2[g] + b2[e]`, with the shared `u1` [G, D, r], `u2` [G, r, D]
 * and the expert-specific `v1` [E, r, H], `v2` [E, H, r]. Parameters: `2·G·r·D` shared plus
 * `2rH + H + D` per expert ({@link paramsPerExpert}, the expert-specific part); FLOPs per expert
 * and token `4r(D + H)`. {@link mergeExperts} builds one from a trained `FfnExperts`.
 *
 * @example
 * ```ts
 * const merged = new SubspaceMergedExperts({ numExperts: 8, dim: 64, hidden: 128, rank: 32, groupOf: [0, 0, 1, 1, 2, 2, 3, 3] });
 * ```
 */
export class SubspaceMergedExperts extends ExpertBank {
  readonly u1: tf.Variable;
  readonly v1: tf.Variable;
  readonly b1: tf.Variable;
  readonly v2: tf.Variable;
  readonly u2: tf.Variable;
  readonly b2: tf.Variable;
  readonly hidden: number;
  readonly rank: number;
  readonly numGroups: number;
  readonly groupOf: readonly number[];
  readonly activation: ActivationName;

  constructor(options: SubspaceBankOptions) {
    const o = parseConfig(SubspaceBankOptionsSchema, options, 'subspace-merged experts options');
    super(o.numExperts, o.dim);
    const [e, d, h, r] = [o.numExperts, o.dim, o.hidden, o.rank];
    this.hidden = h;
    this.rank = r;
    this.activation = o.activation;
    this.groupOf = [...o.groupOf];
    this.numGroups = Math.max(...o.groupOf) + 1;
    const g = this.numGroups;
    this.u1 = this.param('u1', fanInUniform([g, d, r], d));
    this.v1 = this.param('v1', fanInUniform([e, r, h], r));
    this.b1 = this.param('b1', tf.zeros([e, h]));
    this.v2 = this.param('v2', fanInUniform([e, h, r], h));
    this.u2 = this.param('u2', fanInUniform([g, r, d], r));
    this.b2 = this.param('b2', tf.zeros([e, d]));
  }

  /** Each expert's copy of its group's bases: `u1` [E, D, r] and `u2` [E, r, D]. */
  private basesPerExpert(): [tf.Tensor3D, tf.Tensor3D] {
    const index = tf.tensor1d(this.groupOf as number[], 'int32');
    return [tf.gather(this.u1, index) as tf.Tensor3D, tf.gather(this.u2, index) as tf.Tensor3D];
  }

  forwardAll(x: tf.Tensor2D): tf.Tensor3D {
    const index = tf.tensor1d(this.groupOf as number[], 'int32');
    const xg = tf.broadcastTo(tf.expandDims(x, 0), [this.numGroups, ...x.shape]);
    const projected = tf.gather(tf.matMul(xg, this.u1), index); // x u1[g], once per group: [E, T, r]
    const h = activate(tf.add(tf.matMul(projected, this.v1), tf.expandDims(this.b1, 1)), this.activation);
    const [, u2] = this.basesPerExpert();
    return tf.add(tf.matMul(tf.matMul(h, this.v2), u2), tf.expandDims(this.b2, 1)) as tf.Tensor3D;
  }

  forwardSorted(x: tf.Tensor2D, sizes: number[]): tf.Tensor2D {
    const [u1, u2] = this.basesPerExpert();
    const w = (v: tf.Variable) => v as tf.Tensor3D;
    const inner = groupedMatMul(x, u1, sizes);
    const h = activate(groupedMatMul(inner, w(this.v1), sizes, this.b1 as tf.Tensor2D), this.activation);
    return groupedMatMul(
      groupedMatMul(h as tf.Tensor2D, w(this.v2), sizes),
      u2,
      sizes,
      this.b2 as tf.Tensor2D,
    );
  }

  /** The expert-specific parameters of one expert (its group's bases are counted once, in the bank). */
  paramsPerExpert(): number {
    return 2 * this.rank * this.hidden + this.hidden + this.dim;
  }

  /** Parameters the group bases hold: `2·G·r·D`. */
  sharedParams(): number {
    return 2 * this.numGroups * this.rank * this.dim;
  }

  flopsPerToken(): number {
    return 4 * this.rank * (this.dim + this.hidden);
  }
}
