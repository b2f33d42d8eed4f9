import { comparePart, exactPart, makeClaim, timingPart } from '../../claims';
import { fmt } from '../../stats';
import type { BenchRow, Claim } from '../../types';
import { fmVariant, latencySamplesKey, MODEL, moeVariant } from './arms';
import { LATENCY_BATCH } from './plan';

const PAPER = 'MoFME (Zhang et al., AAAI 2024)';

/** Declared before the run: "comparable" PSNR means MoFME is at most this many dB below the MoE. */
export const PSNR_PARITY_MARGIN_DB = 0.1;

/** The paper's "> 72% parameter saving" per FFN layer: MoFME's share of the MoE's at most 0.28. */
export const FFN_PARAM_SHARE_BAR = 0.28;

/** The paper's "-39% inference time": MoFME's latency at most 0.61x the MoE's. */
export const LATENCY_RATIO_BAR = 0.61;

const SUPERIOR = { kind: 'superiority' } as const;

/** Parameter counts of one FFN slot kind: one FFN (MoE / MoFME) layer and the whole net. */
export interface SlotParams {
  ffnLayer: number;
  wholeNet: number;
}

/** Parameter counts at one expert count E (constructed nets; k does not change them). */
export interface ParamCounts {
  numExperts: number;
  moe: SlotParams;
  linear: SlotParams;
  vector: SlotParams;
}

/** What the claims read besides the rows. */
export interface ClaimInputs {
  params: readonly ParamCounts[];
  /** Whether the latency timing ran on an otherwise idle machine (`timeArms`' idle flag). */
  latencyIdle: boolean;
}

const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)}%`;

function paramClaims(params: readonly ParamCounts[]): Claim[] {
  return params.map(({ numExperts: e, moe, linear, vector }) =>
    makeClaim({
      id: `mofme-fewer-params-e${e}`,
      paper: PAPER,
      statement: `one MoFME FFN layer (linear FM, as in the released code) has at most ${FFN_PARAM_SHARE_BAR} of the parameters of one parallel-FFN MoE layer at E=${e} (paper: > 72% saving per FFN layer)`,
      parts: [
        exactPart(
          `params per FFN layer: MoFME linear-FM / parallel-FFN MoE (E=${e})`,
          linear.ffnLayer / moe.ffnLayer,
          {
            kind: 'at-most',
            bar: FFN_PARAM_SHARE_BAR,
          },
        ),
      ],
      evidence:
        `per FFN layer: linear-FM ${linear.ffnLayer} (${pct(linear.ffnLayer, moe.ffnLayer)}), vector-FM ${vector.ffnLayer} (${pct(vector.ffnLayer, moe.ffnLayer)}) vs MoE ${moe.ffnLayer}; ` +
        `whole net: linear-FM ${linear.wholeNet} (${pct(linear.wholeNet, moe.wholeNet)}), vector-FM ${vector.wholeNet} (${pct(vector.wholeNet, moe.wholeNet)}) vs MoE ${moe.wholeNet}`,
    }),
  );
}

/** The `all` row of `model`/`variant`, if that arm ran (an arm that failed has none). */
function rowOf(rows: readonly BenchRow[], model: string, variant: string): BenchRow | undefined {
  return rows.find((r) => r.model === model && r.variant === variant && r.task === 'all');
}

const psnr = (r: BenchRow) => fmt(r.metrics, r.spread, 'psnr', 2);
const seedsOf = (r: BenchRow) => r.perSeed?.psnr?.length ?? 0;
const itemsOf = (r: BenchRow) => r.items?.psnr?.[0]?.length ?? 0;

function latencyClaim(moe: BenchRow, fm: BenchRow, idle: boolean): Claim | undefined {
  const dense = latencySamplesKey('dense');
  const moeMs = moe.series?.[dense];
  const fmMs = fm.series?.[dense];
  if (!moeMs || !fmMs) return undefined;
  const ms = (r: BenchRow, k: string) => r.metrics[`latencyMs_${k}`];
  const sorted =
    ms(moe, 'sorted') !== undefined && ms(fm, 'sorted') !== undefined
      ? `; sorted (k experts only): MoFME ${ms(fm, 'sorted').toFixed(1)} vs MoE ${ms(moe, 'sorted').toFixed(1)}`
      : '';
  return makeClaim({
    id: 'mofme-faster',
    paper: PAPER,
    statement: `MoFME inference latency is at most ${LATENCY_RATIO_BAR}x the parallel-FFN MoE's with the same E=8, k=2 (paper: -39%), both with dense dispatch (every expert on every token, as in the paper code): the geometric-mean latency ratio MoFME / MoE over interleaved timing rounds`,
    parts: [
      // timingPart tests bMs / aMs: A = MoE, B = MoFME gives latency(MoFME) / latency(MoE).
      timingPart(
        'latency ratio MoFME / MoE (E=8, k=2, dense dispatch)',
        moeMs,
        fmMs,
        { kind: 'at-most', bar: LATENCY_RATIO_BAR },
        idle,
      ),
    ],
    evidence: `median ms per batch of ${LATENCY_BATCH} tiles, dense: MoFME ${ms(fm, 'dense').toFixed(1)} vs MoE ${ms(moe, 'dense').toFixed(1)} (${(ms(fm, 'dense') / ms(moe, 'dense')).toFixed(2)}x)${sorted}; ${moeMs.length} rounds${idle ? '' : ', machine busy'}`,
  });
}

function qualityClaims(rows: readonly BenchRow[]): Claim[] {
  const vector = rowOf(rows, MODEL.mofme, fmVariant('vector', 8, 2));
  return rows
    .filter((r) => r.model === MODEL.moe && r.task === 'all')
    .flatMap((moe) => {
      const config = /e(\d+)k(\d+)$/.exec(moe.variant);
      if (!config) return [];
      const ek = config[0];
      const fm = rowOf(rows, MODEL.mofme, fmVariant('linear', Number(config[1]), Number(config[2])));
      if (!fm) return [];
      const extra = ek === 'e8k2' && vector ? `, vector-FM ${psnr(vector)}` : '';
      return [
        makeClaim({
          id: `mofme-quality-${ek}`,
          paper: PAPER,
          statement: `MoFME (linear FM) restores comparably to the parallel-FFN MoE at ${ek}: PSNR(MoFME) - PSNR(MoE) > -${PSNR_PARITY_MARGIN_DB} dB (parity margin ${PSNR_PARITY_MARGIN_DB} dB, declared before the run)`,
          parts: [
            comparePart({
              a: fm,
              b: moe,
              metric: 'psnr',
              rule: { kind: 'parity', margin: PSNR_PARITY_MARGIN_DB },
              names: ['MoFME', 'MoE'],
            }),
          ],
          evidence: `PSNR linear-FM ${psnr(fm)}${extra} vs MoE ${psnr(moe)} dB (degraded input ${moe.metrics.inputPsnr.toFixed(2)}); ${seedsOf(fm)} seed(s) x ${itemsOf(fm)} test patches`,
        }),
      ];
    });
}

function uarClaims(uar: BenchRow, plain: BenchRow, moe: BenchRow | undefined): Claim[] {
  const info = (r: BenchRow) => fmt(r.metrics, r.spread, 'routeTaskInfo', 3);
  const names: [string, string] = ['UaR', 'plain top-k'];
  return [
    makeClaim({
      id: 'uar-psnr',
      paper: PAPER,
      statement:
        'the uncertainty-aware router (MC dropout, diagonal) gives higher PSNR than the plain top-k router (linear FM, E=8, k=2)',
      parts: [comparePart({ a: uar, b: plain, metric: 'psnr', rule: SUPERIOR, names })],
      evidence: `PSNR UaR ${psnr(uar)} vs plain ${psnr(plain)} dB; ${seedsOf(uar)} seed(s) x ${itemsOf(uar)} test patches`,
    }),
    makeClaim({
      id: 'uar-routing-tracks-weather',
      paper: PAPER,
      statement:
        'routing tracks the weather type more with UaR than with the plain router: higher normalised mutual information between weather type and routing, paired over seeds',
      parts: [comparePart({ a: uar, b: plain, metric: 'routeTaskInfo', rule: SUPERIOR, names })],
      evidence: `normalised mutual information between weather type and routing (0 = none, 1 = fully separated): UaR ${info(uar)} vs plain ${info(plain)}${moe ? ` (MoE ${info(moe)})` : ''}`,
    }),
  ];
}

/**
 * The restoration suite's claims in MoFME's direction: parameters per FFN layer (exact), latency
 * (interleaved timing rounds), PSNR parity with the MoE per (E, k) (paired over seeds and test
 * patches), and the uncertainty-aware router's PSNR and routing (paired). A claim whose arms did
 * not run (or whose timing failed) is left out.
 */
export function restorationClaims(rows: readonly BenchRow[], inputs: ClaimInputs): Claim[] {
  const moe = rowOf(rows, MODEL.moe, moeVariant(8, 2));
  const plain = rowOf(rows, MODEL.mofme, fmVariant('linear', 8, 2));
  const uar = rowOf(rows, MODEL.uar, fmVariant('linear', 8, 2));
  const latency = moe && plain ? latencyClaim(moe, plain, inputs.latencyIdle) : undefined;
  return [
    ...paramClaims(inputs.params),
    ...(latency ? [latency] : []),
    ...qualityClaims(rows),
    ...(uar && plain ? uarClaims(uar, plain, moe) : []),
  ];
}
