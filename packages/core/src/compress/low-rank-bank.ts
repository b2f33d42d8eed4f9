import { parseConfig } from '../config/parse';
import { activate, type ActivationName } from '../moe/experts/activation';
import { ExpertBank } from '../moe/experts/bank';
import type { FfnExperts } from '../moe/experts/ffn-bank';
import { groupedMatMul } from '../moe/grouped-matmul';
import { fanInUniform } from '../nn/init';
import { tf } from '../tf';
import { matrixAt } from './layer-parts';
import { LowRankFfnBankOptionsSchema, type LowRankFfnBankOptions } from './options';
import { lowRankFactors } from './svd';

/**
 * E two-layer FFN experts whose projections are rank-r products: expert e computes
 * `act(x a1[e] c1[e] + b1[e]) a2[e] c2[e] + b2[e]` with `a1` [E, D, r], `c1` [E, r, H],
 * `a2` [E, H, r], `c2` [E, r, D]: `2r(D + H) + H + D` parameters and `4r(D + H)` FLOPs per
 * expert and token instead of `2DH + H + D` and `4DH`. The compact experts of "compressed experts"
 * (He et al. 2025, "Efficiently Editing Mixture-of-Experts Models with Compressed Experts",
 * arXiv:2503.00634); {@link lowRankExperts} builds one from a trained `FfnExperts` by truncated SVD.
 *
 * @example
 * ```ts
 * const compact = new LowRankFfnExperts({ numExperts: 8, dim: 64, hidden: 128, rank: 8 });
 * ```
 */
export class LowRankFfnExperts extends ExpertBank {
  readonly a1: tf.Variable;
  readonly c1: tf.Variable;
  readonly b1: tf.Variable;
  readonly a2: tf.Variable;
  readonly c2: tf.Variable;
  readonly b2: tf.Variable;
  readonly hidden: number;
  readonly rank: number;
  readonly activation: ActivationName;

  constructor(options: LowRankFfnBankOptions) {
    const o = parseConfig(LowRankFfnBankOptionsSchema, options, 'low-rank FFN experts options');
    super(o.numExperts, o.dim);
    const [e, d, h, r] = [o.numExperts, o.dim, o.hidden, o.rank];
    this.hidden = h;
    this.rank = r;
    this.activation = o.activation;
    this.a1 = this.param('a1', fanInUniform([e, d, r], d));
    this.c1 = this.param('c1', fanInUniform([e, r, h], r));
    this.b1 = this.param('b1', tf.zeros([e, h]));
    this.a2 = this.param('a2', fanInUniform([e, h, r], h));
    this.c2 = this.param('c2', fanInUniform([e, r, d], r));
    this.b2 = this.param('b2', tf.zeros([e, d]));
  }

  forwardAll(x: tf.Tensor2D): tf.Tensor3D {
    const xs = tf.broadcastTo(tf.expandDims(x, 0), [this.numExperts, ...x.shape]);
    const pre = tf.add(tf.matMul(tf.matMul(xs, this.a1), this.c1), tf.expandDims(this.b1, 1));
    const h = activate(pre, this.activation);
    return tf.add(tf.matMul(tf.matMul(h, this.a2), this.c2), tf.expandDims(this.b2, 1)) as tf.Tensor3D;
  }

  forwardSorted(x: tf.Tensor2D, sizes: number[]): tf.Tensor2D {
    const w = (v: tf.Variable) => v as tf.Tensor3D;
    const inner = groupedMatMul(x, w(this.a1), sizes);
    const h = activate(groupedMatMul(inner, w(this.c1), sizes, this.b1 as tf.Tensor2D), this.activation);
    return groupedMatMul(
      groupedMatMul(h as tf.Tensor2D, w(this.a2), sizes),
      w(this.c2),
      sizes,
      this.b2 as tf.Tensor2D,
    );
  }

  paramsPerExpert(): number {
    return 2 * this.rank * (this.dim + this.hidden) + this.hidden + this.dim;
  }

  flopsPerToken(): number {
    return 4 * this.rank * (this.dim + this.hidden);
  }
}

/**
 * The rank-`rank` truncated SVD of every expert of a trained FFN bank (each `w1[e]` and `w2[e]`
 * factorised on its own; biases copied): the best rank-r approximation of each projection
 * (Eckart–Young). At rank min(dim, hidden) the experts' outputs are the source's to rounding.
 * Reads the weights back once.
 *
 * @example
 * ```ts
 * const compact = await lowRankExperts(moe.experts as FfnExperts, 8);
 * ```
 */
export async function lowRankExperts(source: FfnExperts, rank: number): Promise<LowRankFfnExperts> {
  const [e, d, h] = [source.numExperts, source.dim, source.hidden];
  const bank = new LowRankFfnExperts({
    numExperts: e,
    dim: d,
    hidden: h,
    rank,
    activation: source.activation,
  });
  const [w1, w2] = (await Promise.all([source.w1.data(), source.w2.data()])) as Float32Array[];
  const a1 = new Float32Array(e * d * rank);
  const c1 = new Float32Array(e * rank * h);
  const a2 = new Float32Array(e * h * rank);
  const c2 = new Float32Array(e * rank * d);
  for (let i = 0; i < e; i++) {
    const first = lowRankFactors(matrixAt(w1, i, d, h), d, h, rank);
    a1.set(first.left, i * d * rank);
    c1.set(first.right, i * rank * h);
    const second = lowRankFactors(matrixAt(w2, i, h, d), h, d, rank);
    a2.set(second.left, i * h * rank);
    c2.set(second.right, i * rank * d);
  }
  tf.tidy(() => {
    bank.a1.assign(tf.tensor3d(a1, [e, d, rank]));
    bank.c1.assign(tf.tensor3d(c1, [e, rank, h]));
    bank.b1.assign(source.b1);
    bank.a2.assign(tf.tensor3d(a2, [e, h, rank]));
    bank.c2.assign(tf.tensor3d(c2, [e, rank, d]));
    bank.b2.assign(source.b2);
  });
  bank.train(source.training);
  return bank;
}
