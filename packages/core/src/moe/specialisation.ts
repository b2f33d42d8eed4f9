/**
 * Whether expert usage depends on a grouping of the inputs (digit, weather type, modality): usage
 * distributions per group, two statistics of how much they differ, and a label-permutation test
 * of either against the null "usage does not depend on the group".
 */
import { makeRng } from '../utils/random';

/**
 * Normalised expert-usage distribution of each group, from per-input usage `usage[i * E + e]`
 * (counts or probabilities of input i on expert e) and each input's group label.
 */
export function usageByGroup(
  usage: ArrayLike<number>,
  numExperts: number,
  groups: ArrayLike<number | string>,
): Map<string, number[]> {
  if (usage.length !== groups.length * numExperts) {
    throw new Error(
      `usageByGroup: ${usage.length} usage values for ${groups.length} inputs x ${numExperts} experts`,
    );
  }
  const sums = new Map<string, number[]>();
  for (let i = 0; i < groups.length; i++) {
    const key = String(groups[i]);
    const row = sums.get(key) ?? new Array<number>(numExperts).fill(0);
    for (let e = 0; e < numExperts; e++) row[e] += usage[i * numExperts + e];
    sums.set(key, row);
  }
  for (const row of sums.values()) {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    for (let e = 0; e < numExperts; e++) row[e] /= total;
  }
  return sums;
}

/** Mean total-variation distance ½Σ|p−q| over all pairs of group usage distributions. */
export function meanPairwiseTv(dists: readonly number[][]): number {
  let s = 0;
  let pairs = 0;
  for (let a = 0; a < dists.length; a++) {
    for (let b = a + 1; b < dists.length; b++) {
      s += 0.5 * dists[a].reduce((acc, p, e) => acc + Math.abs(p - dists[b][e]), 0);
      pairs++;
    }
  }
  return pairs ? s / pairs : 0;
}

/**
 * Normalised mutual information between group and expert from per-group usage distributions
 * (groups taken as equally likely): I(group; expert) / log2(groups), 0 when usage ignores the
 * group, 1 when every group has experts of its own.
 */
export function groupInformation(dists: readonly number[][]): number {
  if (dists.length < 2) return 0;
  const e = dists[0].length;
  const g = dists.length;
  const marginal = Array.from({ length: e }, (_, j) => dists.reduce((s, r) => s + r[j], 0) / g);
  let mi = 0;
  for (const r of dists) {
    for (let j = 0; j < e; j++)
      if (r[j] > 0 && marginal[j] > 0) mi += (r[j] / g) * Math.log2(r[j] / marginal[j]);
  }
  return mi / Math.log2(g);
}

/** A statistic on the true labels against its distribution under label shuffles. */
export interface LabelPermutation {
  observed: number;
  /** Mean and largest of the statistic over the shuffles. */
  nullMean: number;
  nullMax: number;
  /** (1 + shuffles at or above the observed) / (1 + shuffles): the permutation p-value. */
  pValue: number;
}

/**
 * Label-permutation test: `statistic(labels)` on the true labels and on `shuffles` random
 * permutations of them (same group sizes; deterministic for a seed).
 *
 * @example
 * ```ts
 * const tvOf = (g: ArrayLike<number>) => meanPairwiseTv([...usageByGroup(usage, 8, g).values()]);
 * const { observed, nullMean, pValue } = labelPermutationTest(digits, tvOf, 50, seed);
 * ```
 */
export function labelPermutationTest<L extends number | string>(
  labels: ArrayLike<L>,
  statistic: (labels: ArrayLike<L>) => number,
  shuffles = 50,
  seed = 0,
): LabelPermutation {
  const observed = statistic(labels);
  const shuffled = Array.from(labels);
  const r = makeRng(seed + 12345);
  const base: number[] = [];
  for (let s = 0; s < shuffles; s++) {
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    base.push(statistic(shuffled));
  }
  return {
    observed,
    nullMean: base.reduce((a, b) => a + b, 0) / Math.max(1, base.length),
    nullMax: Math.max(0, ...base),
    pValue: (base.filter((b) => b >= observed).length + 1) / (base.length + 1),
  };
}
