import { makeRng } from '@moe-zoo/core';

/** Normalised expert-usage distribution of each group: groups → E probabilities. */
export function usageByGroup(
  usage: Float64Array,
  numExperts: number,
  groups: ArrayLike<number | string>,
): Map<string, number[]> {
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
export function meanPairwiseTv(dists: number[][]): number {
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

/** The specialisation statistic and its shuffled-label null distribution. */
export interface Specialisation {
  /** Mean pairwise TV distance between per-group usage distributions. */
  tv: number;
  /** Mean and max of the same statistic over label shuffles. */
  baselineMean: number;
  baselineMax: number;
  /** Fraction of shuffles with a statistic >= the observed one (a permutation p-value). */
  pValue: number;
}

/**
 * How much expert usage depends on a grouping (digit, SNR): the observed mean pairwise TV distance
 * between per-group usage distributions versus the same statistic with the group labels shuffled
 * (same group sizes), which measures the distance explained by sampling noise alone.
 */
export function specialisation(
  usage: Float64Array,
  numExperts: number,
  groups: ArrayLike<number | string>,
  shuffles = 50,
  seed = 0,
): Specialisation {
  const stat = (g: ArrayLike<number | string>) =>
    meanPairwiseTv([...usageByGroup(usage, numExperts, g).values()]);
  const tv = stat(groups);
  const labels = Array.from(groups);
  const r = makeRng(seed + 12345);
  const base: number[] = [];
  for (let s = 0; s < shuffles; s++) {
    for (let i = labels.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [labels[i], labels[j]] = [labels[j], labels[i]];
    }
    base.push(stat(labels));
  }
  const baselineMean = base.reduce((a, b) => a + b, 0) / Math.max(1, base.length);
  return {
    tv,
    baselineMean,
    baselineMax: Math.max(0, ...base),
    pValue: (base.filter((b) => b >= tv).length + 1) / (base.length + 1),
  };
}
