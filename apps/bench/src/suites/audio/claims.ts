import {
  comparePart,
  findRow,
  makeClaim,
  pairedPart,
  PERMUTATION_ALPHA,
  permutationPart,
  seedValues,
} from '../../claims';
import { fmt } from '../../stats';
import type { BenchRow, Claim } from '../../types';
import { DENSE, MOE } from './arms';
import { SHUFFLES } from './plan';

const SUPERIOR = { kind: 'superiority' } as const;

/**
 * The audio suite's claims from its two rows: the MoE audio transformer against its dense twin
 * (superiority, paired over seeds and test clips) and expert specialisation by digit (permutation
 * tests per seed and, with two or more seeds, a paired t of the observed TV against its shuffled
 * mean).
 */
export function audioClaims(rows: readonly BenchRow[]): Claim[] {
  const dense = findRow(rows, DENSE.variant);
  const moe = findRow(rows, MOE.variant);
  const snrMetrics = Object.keys(moe.metrics).filter((k) => k.startsWith('acc_'));
  const tv = seedValues(moe, 'tvDigit');
  const pValues = seedValues(moe, 'tvDigitP');
  const specialisationParts = [
    permutationPart('tvDigit', SHUFFLES, pValues),
    ...(tv.length >= 2
      ? [
          pairedPart('tvDigit: observed - mean of its shuffled-label TVs, per seed', SUPERIOR, {
            perSeed: [tv, seedValues(moe, 'tvDigitShuffled')],
          }),
        ]
      : []),
  ];
  return [
    makeClaim({
      id: 'audio-moe-vs-dense',
      paper: 'Switch Transformer / audio MoE (Fedus et al. 2022)',
      statement:
        'at equal active parameters (up to the router), the MoE audio transformer is more accurate than its dense twin (paired over seeds and over the same test clips)',
      parts: [comparePart({ a: moe, b: dense, metric: 'accuracy', rule: SUPERIOR })],
      evidence:
        `accuracy ${fmt(moe.metrics, moe.spread, 'accuracy')} vs ${fmt(dense.metrics, dense.spread, 'accuracy')}; ` +
        snrMetrics
          .map(
            (k) => `${k.slice('acc_'.length)} ${moe.metrics[k].toFixed(3)} vs ${dense.metrics[k].toFixed(3)}`,
          )
          .join(', ') +
        `; active params ${moe.paramsActive} vs ${dense.paramsActive}`,
    }),
    makeClaim({
      id: 'audio-expert-specialisation',
      paper: 'Mixture-of-Experts specialisation (Shazeer et al. 2017)',
      statement:
        `experts specialise by digit: the mean total-variation distance between per-digit expert-usage distributions on the test set exceeds its shuffled-label null on every seed (permutation test, ${SHUFFLES} shuffles, p <= ${PERMUTATION_ALPHA} on every seed); ` +
        'with two or more seeds also the per-seed excess of that distance over the mean of its shuffles is > 0 (paired t over seeds). ' +
        'A larger permutation p is inconclusive; the claim fails only when the excess over the shuffled mean is shown to be <= 0. Per-SNR usage is reported but not part of the verdict.',
      parts: specialisationParts,
      evidence:
        `digit TV ${fmt(moe.metrics, moe.spread, 'tvDigit')} vs shuffled mean ${fmt(moe.metrics, moe.spread, 'tvDigitShuffled')} ` +
        `(largest shuffle ${fmt(moe.metrics, moe.spread, 'tvDigitShuffledMax')}), permutation p per seed ${pValues.map((p) => p.toFixed(3)).join(', ')}; ` +
        `SNR TV ${fmt(moe.metrics, moe.spread, 'tvSnr')} vs shuffled mean ${fmt(moe.metrics, moe.spread, 'tvSnrShuffled')}`,
    }),
  ];
}
