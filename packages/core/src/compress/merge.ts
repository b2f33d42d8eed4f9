import { ConfigError, parseConfig } from '../config/parse';
import type { MoELayer } from '../moe/layer';
import { tf } from '../tf';
import { ffnExpertsOf } from './layer-parts';
import { groupIssue, SubspaceMergeOptionsSchema, type SubspaceMergeOptions } from './options';
import { RebankedMoELayer } from './rebanked-layer';
import { SubspaceMergedExperts } from './subspace-bank';
import { svd } from './svd';

/**
 * Sub-MoE's subspace expert merging (Li et al. 2025, "Sub-MoE: Efficient Mixture-of-Expert LLMs
 * Compression via Subspace Expert Merging", arXiv:2506.23266) of a trained MoE layer with FFN
 * experts: within each group of `groupOf` (from {@link groupExperts}), a joint SVD of the
 * group's concatenated weights gives shared bases: `[w1_1 | ... | w1_g]` [D, g·H] gives
 * `u1` = its top-r left singular vectors and `v1_e = u1ᵀ w1_e`; `[w2_1; ...; w2_g]` [g·H, D] gives
 * `u2` = its top-r right singular vectors (transposed) and `v2_e = w2_e u2ᵀ`. So each
 * `w1_e ≈ u1 v1_e` and `w2_e ≈ v2_e u2` are projections onto the group's best rank-r subspace,
 * exact at rank ≥ the group's rank (e.g. rank = dim). Biases are kept per expert; so is each V
 * (the paper goes on to merge the V's of a group by frequency, reducing the expert count; here the
 * routing is left unchanged, every expert keeping its own V). Returns a new layer (copies of the
 * router and shared experts); the source is untouched.
 *
 * Costs: the bases are counted once in the parameters; `activeParams()` counts every group's
 * bases as active (an upper bound: a token uses the bases of at most k groups).
 *
 * @example
 * ```ts
 * const stats = await calibrateExperts(moe, tokens);
 * const merged = await mergeExperts(moe, { groupOf: groupExperts(stats.similarity, 4), rank: 16 });
 * ```
 */
export async function mergeExperts(
  source: MoELayer,
  options: SubspaceMergeOptions,
): Promise<RebankedMoELayer> {
  const o = parseConfig(SubspaceMergeOptionsSchema, options, 'subspace merge options');
  const bank = ffnExpertsOf(source, 'mergeExperts');
  const [e, d, h, r] = [bank.numExperts, bank.dim, bank.hidden, o.rank];
  const issue = groupIssue(o.groupOf, e);
  if (issue) throw new ConfigError('subspace merge options', [{ path: 'groupOf', message: issue }]);
  if (r > d)
    throw new ConfigError('subspace merge options', [{ path: 'rank', message: `${r} exceeds dim ${d}` }]);
  const merged = new SubspaceMergedExperts({
    numExperts: e,
    dim: d,
    hidden: h,
    rank: r,
    activation: bank.activation,
    groupOf: o.groupOf,
  });
  const [w1, w2] = (await Promise.all([bank.w1.data(), bank.w2.data()])) as Float32Array[];
  const g = merged.numGroups;
  const u1 = new Float32Array(g * d * r);
  const u2 = new Float32Array(g * r * d);
  const v1 = new Float32Array(e * r * h);
  const v2 = new Float32Array(e * h * r);
  for (let group = 0; group < g; group++) {
    const members = o.groupOf.flatMap((gi, i) => (gi === group ? [i] : []));
    const m = members.length;
    // [w1_1 | ... | w1_m] [D, m·H]: its left singular vectors span the group's input subspace.
    const inputs = new Float64Array(d * m * h);
    members.forEach((ex, k) => {
      for (let i = 0; i < d; i++) {
        for (let j = 0; j < h; j++) inputs[i * m * h + k * h + j] = w1[ex * d * h + i * h + j];
      }
    });
    const first = svd(inputs, d, m * h);
    // [w2_1; ...; w2_m] [m·H, D]: the row-major matrices one after the other.
    const outputs = new Float64Array(m * h * d);
    members.forEach((ex, k) => outputs.set(w2.subarray(ex * h * d, (ex + 1) * h * d), k * h * d));
    const second = svd(outputs, m * h, d);
    const basisIn = (i: number, c: number) => (c < first.p ? first.u[i * first.p + c] : 0); // u1[i, c]
    const basisOut = (j: number, c: number) => (c < second.p ? second.v[j * second.p + c] : 0); // u2[c, j]
    for (let i = 0; i < d; i++) for (let c = 0; c < r; c++) u1[group * d * r + i * r + c] = basisIn(i, c);
    for (let c = 0; c < r; c++) for (let j = 0; j < d; j++) u2[group * r * d + c * d + j] = basisOut(j, c);
    for (const ex of members) {
      for (let c = 0; c < r; c++) {
        for (let j = 0; j < h; j++) {
          let sum = 0;
          for (let i = 0; i < d; i++) sum += basisIn(i, c) * w1[ex * d * h + i * h + j];
          v1[ex * r * h + c * h + j] = sum;
        }
      }
      for (let i = 0; i < h; i++) {
        for (let c = 0; c < r; c++) {
          let sum = 0;
          for (let j = 0; j < d; j++) sum += w2[ex * h * d + i * d + j] * basisOut(j, c);
          v2[ex * h * r + i * r + c] = sum;
        }
      }
    }
  }
  tf.tidy(() => {
    merged.u1.assign(tf.tensor3d(u1, [g, d, r]));
    merged.u2.assign(tf.tensor3d(u2, [g, r, d]));
    merged.v1.assign(tf.tensor3d(v1, [e, r, h]));
    merged.v2.assign(tf.tensor3d(v2, [e, h, r]));
    merged.b1.assign(bank.b1);
    merged.b2.assign(bank.b2);
  });
  return new RebankedMoELayer(source, merged);
}
