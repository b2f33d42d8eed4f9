import { comparePart, findRow, makeClaim } from '../../claims';
import { fmt } from '../../stats';
import type { BenchRow, Claim, ClaimPart } from '../../types';
import {
  ADAPTER_ALL_RATES,
  ADAPTER_PER_RATE,
  FROZEN_BACKBONE,
  MOME_PER_RATE_ROUTERS,
  MOME_SHARED,
} from './arms';
import { accuracyMetric, HIGH_RATES } from './plan';

const PAPER = 'MoME (Cappellazzo et al., NeurIPS 2025)';
const SUPERIOR = { kind: 'superiority' } as const;
const OVERLAPS = ['jaccardAudio', 'jaccardVideo'] as const;

/**
 * Overlap of a compressed token's experts with those of the tokens it pools minus the overlap with
 * the same positions of another sample, within one row: paired over seeds and test samples.
 */
function overlapAboveChancePart(row: BenchRow, metric: (typeof OVERLAPS)[number]): ClaimPart {
  return comparePart({
    a: row,
    b: row,
    metric,
    metricB: `${metric}OtherSample`,
    names: [`${row.variant}, pooled tokens`, `${row.variant}, another sample's same positions`],
    rule: SUPERIOR,
  });
}

/**
 * The mome suite's claims, in the paper's direction: accuracy at high compression (paired over
 * seeds and test samples, McNemar), expert overlap across rates above another sample's, and (when
 * the per-rate-routers ablation ran) the shared router's overlap above per-rate routers'.
 */
export function momeClaims(rows: readonly BenchRow[]): Claim[] {
  const mome = findRow(rows, MOME_SHARED);
  const all = findRow(rows, ADAPTER_ALL_RATES);
  const per = findRow(rows, ADAPTER_PER_RATE);
  const frozen = findRow(rows, FROZEN_BACKBONE);
  const f = (r: BenchRow, k: string) => fmt(r.metrics, r.spread, k);
  const high = HIGH_RATES.map(accuracyMetric);
  const claims: Claim[] = [
    makeClaim({
      id: 'mome-high-compression',
      paper: PAPER,
      statement:
        'at high compression (audio pooled by 8: a8v1 and a8v2), MoME adapters on a frozen backbone are more accurate than one adapter per rate and than one adapter for all rates',
      parts: high.flatMap((metric) => [
        comparePart({ a: mome, b: per, metric, rule: SUPERIOR }),
        comparePart({ a: mome, b: all, metric, rule: SUPERIOR }),
      ]),
      evidence:
        `${high.map((k) => `${k}: MoME ${f(mome, k)} vs per-rate ${f(per, k)}, all-rates ${f(all, k)}`).join('; ')}; ` +
        `mean over the 6 rate pairs: MoME ${f(mome, 'accuracy')}, all-rates ${f(all, 'accuracy')}; ` +
        `frozen backbone without adapters ${high.map((k) => f(frozen, k)).join(' / ')}`,
    }),
    makeClaim({
      id: 'mome-expert-overlap',
      paper: PAPER,
      statement:
        'with one router shared across rates, a compressed token picks experts that overlap with those of the tokens it pools (Jaccard) more than with those of the same positions of another sample',
      parts: OVERLAPS.map((m) => overlapAboveChancePart(mome, m)),
      evidence:
        `audio a2↔a4↔a8 Jaccard ${f(mome, 'jaccardAudio')} vs other-sample ${f(mome, 'jaccardAudioOtherSample')}; ` +
        `video v1↔v2 ${f(mome, 'jaccardVideo')} vs ${f(mome, 'jaccardVideoOtherSample')} ` +
        '(top-2 of 8 experts; two random 2-sets of 8 have Jaccard 5/28 = 0.18 on average)',
    }),
  ];
  const routers = rows.find((r) => r.variant === MOME_PER_RATE_ROUTERS);
  if (routers)
    claims.push(
      makeClaim({
        id: 'mome-shared-router-overlap',
        paper: PAPER,
        statement:
          'the shared router gives more cross-rate expert overlap (Jaccard) than one router per rate',
        parts: OVERLAPS.map((metric) => comparePart({ a: mome, b: routers, metric, rule: SUPERIOR })),
        evidence:
          `Jaccard audio ${f(mome, 'jaccardAudio')} (shared) vs ${f(routers, 'jaccardAudio')} (per-rate routers); ` +
          `video ${f(mome, 'jaccardVideo')} vs ${f(routers, 'jaccardVideo')}; ` +
          `mean accuracy ${f(mome, 'accuracy')} vs ${f(routers, 'accuracy')}`,
      }),
    );
  return claims;
}
