import { labelPermutationTest, meanPairwiseTv, usageByGroup } from '@moe-zoo/core';

/** The specialisation statistic and its shuffled-label null distribution. */
export interface Specialisation {
  /** Mean pairwise TV distance between per-group usage distributions. */
  tv: number;
  /** Mean and max of the same statistic over label shuffles. */
  baselineMean: number;
  baselineMax: number;
  /** The permutation p-value: (1 + shuffles at or above the observed) / (1 + shuffles). */
  pValue: number;
}

/**
 * How much expert usage depends on a grouping (digit, SNR): the observed mean pairwise TV distance
 * between per-group usage distributions versus the same statistic with the group labels shuffled
 * (same group sizes), which measures the distance explained by sampling noise alone (core's
 * `labelPermutationTest`).
 */
export function specialisation(
  usage: Float64Array,
  numExperts: number,
  groups: ArrayLike<number | string>,
  shuffles = 50,
  seed = 0,
): Specialisation {
  const t = labelPermutationTest(
    groups,
    (g) => meanPairwiseTv([...usageByGroup(usage, numExperts, g).values()]),
    shuffles,
    seed,
  );
  return { tv: t.observed, baselineMean: t.nullMean, baselineMax: t.nullMax, pValue: t.pValue };
}
