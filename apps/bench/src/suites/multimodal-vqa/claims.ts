import type { MoiieArm } from '@moe-zoo/multimodal';
import { comparePart, findRow, makeClaim, pairedPart, type PairedEvidence } from '../../claims';
import { fmt, mean } from '../../stats';
import type { BenchRow, Claim } from '../../types';
import { MOIIE_BASELINES, moiieVariant, type MoteRowKey } from './arms';

const SUPERIOR = { kind: 'superiority' } as const;

/**
 * Declared before the run: "comparable" for MoTE against the full-precision MoE at equal expert
 * count means MoTE's accuracy is not lower by more than this (absolute accuracy).
 */
export const EQUAL_COUNT_MARGIN = 0.02;

/** The rows the claims are decided on. */
export interface VqaRows {
  /** The MoIIE grid: one row per arm and training-set size, variants from {@link moiieVariant}. */
  moiie: BenchRow[];
  /** The training-set sizes of the grid, ascending. */
  sizes: number[];
  /** The MoTE part's rows by key. */
  mote: Record<MoteRowKey, BenchRow>;
}

const acc = (r: BenchRow) => fmt(r.metrics, r.spread, 'accuracy');
const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(3)}`;
const bytes = (r: BenchRow) => `${Math.round(r.metrics.expertBytes)} B`;

function seedAccuracy(r: BenchRow): number[] {
  const v = r.perSeed?.accuracy;
  if (!v) throw new Error(`row ${r.variant} has no per-seed accuracy`);
  return v;
}

/** The baseline with the highest mean accuracy at one size (one arm for every seed: no per-seed pick). */
function bestBaseline(grid: (arm: MoiieArm) => BenchRow): BenchRow {
  return MOIIE_BASELINES.map(grid).reduce((a, b) => (b.metrics.accuracy > a.metrics.accuracy ? b : a));
}

/**
 * MoIIE's accuracy lead over a baseline, per seed and (when both rows have them) per test question
 * (1 - 0 = +1, ties 0, 0 - 1 = -1), on the same questions as the other sizes of that seed. Leads
 * are compared with paired item differences; if no lead is ever -1 they look like 0/1 outcomes and
 * go through McNemar, whose interval is then that of the same mean paired difference.
 */
function lead(moiie: BenchRow, baseline: BenchRow): { perSeed: number[]; items?: number[][] } {
  const a = seedAccuracy(moiie);
  const b = seedAccuracy(baseline);
  const ia = moiie.items?.accuracy;
  const ib = baseline.items?.accuracy;
  return {
    perSeed: a.map((x, s) => x - b[s]),
    ...(ia && ib ? { items: ia.map((seed, s) => seed.map((x, i) => x - ib[s][i])) } : {}),
  };
}

function moiieClaims(rows: VqaRows): Claim[] {
  const big = Math.max(...rows.sizes);
  const small = Math.min(...rows.sizes);
  const at = (size: number) => (arm: MoiieArm) => findRow(rows.moiie, moiieVariant(arm, size));
  const [mi, mo, v, d] = (['moiie', 'modality', 'vanilla', 'dense'] as const).map(at(big));
  const perSize = rows.sizes
    .map(
      (s) =>
        `n=${s}: ${(['moiie', ...MOIIE_BASELINES] as const).map((a) => `${a} ${acc(at(s)(a))}`).join(', ')}`,
    )
    .join('; ');
  const claims = [
    makeClaim({
      id: 'moiie-ordering',
      paper: 'MoIIE (Wang et al. 2025)',
      statement: `at equal active parameters, MoIIE is more accurate on digit VQA than the modality MoE and the vanilla MoE (largest training set, n=${big})`,
      parts: [
        comparePart({ a: mi, b: mo, metric: 'accuracy', rule: SUPERIOR }),
        comparePart({ a: mi, b: v, metric: 'accuracy', rule: SUPERIOR }),
      ],
      evidence:
        `n=${big}: MoIIE ${acc(mi)}, modality ${acc(mo)}, vanilla ${acc(v)}, dense ${acc(d)}; ` +
        `active params ${mi.paramsActive} / ${mo.paramsActive} / ${v.paramsActive} / ${d.paramsActive}`,
    }),
  ];
  if (big === small) return claims;
  const bestBig = bestBaseline(at(big));
  const bestSmall = bestBaseline(at(small));
  const leadBig = lead(at(big)('moiie'), bestBig);
  const leadSmall = lead(at(small)('moiie'), bestSmall);
  const evidence: PairedEvidence = {
    perSeed: [leadBig.perSeed, leadSmall.perSeed],
    ...(leadBig.items && leadSmall.items ? { items: [leadBig.items, leadSmall.items] } : {}),
  };
  claims.push(
    makeClaim({
      id: 'moiie-data-scaling',
      paper: 'MoIIE (Wang et al. 2025)',
      statement: `MoIIE's accuracy lead over the best baseline (dense, vanilla or modality MoE, by mean accuracy) is larger at the largest training set (n=${big}) than at the smallest (n=${small})`,
      parts: [
        pairedPart(
          `accuracy lead of MoIIE over the best baseline: n=${big} - n=${small}`,
          SUPERIOR,
          evidence,
        ),
      ],
      evidence:
        `MoIIE minus best baseline: ${mean(leadSmall.perSeed).toFixed(3)} at n=${small} (vs ${bestSmall.variant}), ` +
        `${mean(leadBig.perSeed).toFixed(3)} at n=${big} (vs ${bestBig.variant}). ${perSize}`,
    }),
  );
  return claims;
}

function moteClaims(rows: VqaRows): Claim[] {
  const {
    mote: mt,
    'fp-memory': fpMem,
    'fp-count': fpCount,
    binary: bin,
    random: rnd,
    source,
    'dense-cont': cont,
  } = rows.mote;
  const paper = 'MoTE (Wang et al. 2025)';
  const memoryShare = ((mt.metrics.expertBytes / fpCount.metrics.expertBytes) * 100).toFixed(0);
  const gains = (Object.keys(rows.mote) as MoteRowKey[])
    .filter((k) => k !== 'source')
    .map((k) => `${k} ${signed(rows.mote[k].metrics.accuracy - source.metrics.accuracy)}`)
    .join(', ');
  return [
    makeClaim({
      id: 'mote-float-gain',
      paper,
      statement:
        'precondition of the MoTE comparisons: up-cycling the dense source into the full-precision MoE (4 experts, top-2) and training its MoE layers makes it more accurate than the source',
      parts: [comparePart({ a: fpCount, b: source, metric: 'accuracy', rule: SUPERIOR })],
      evidence: `accuracy minus the dense source (${acc(source)}): ${gains}`,
    }),
    makeClaim({
      id: 'mote-float-capacity',
      paper,
      statement:
        'second precondition: the float MoE’s gain is its expert capacity, not only the extra training: it is more accurate than the dense source whose FFN trains on the same questions for the same steps (no experts added)',
      parts: [comparePart({ a: fpCount, b: cont, metric: 'accuracy', rule: SUPERIOR })],
      evidence: `float MoE ${acc(fpCount)} vs dense continued ${acc(cont)}; dense source ${acc(source)}`,
    }),
    makeClaim({
      id: 'mote-equal-memory',
      paper,
      statement:
        'at equal expert memory, MoTE (frozen full-precision shared FFN + top-1 ternary experts) is more accurate than a full-precision MoE (4 experts, top-2)',
      parts: [comparePart({ a: mt, b: fpMem, metric: 'accuracy', rule: SUPERIOR })],
      evidence: `MoTE ${acc(mt)} with ${bytes(mt)} of expert memory vs FP MoE ${acc(fpMem)} with ${bytes(fpMem)}; dense source ${acc(source)}`,
    }),
    makeClaim({
      id: 'mote-equal-count',
      paper,
      statement: `at equal expert count (4), MoTE is comparable to the full-precision MoE: at most ${EQUAL_COUNT_MARGIN} below it in accuracy (parity margin declared before the run), with a fraction of its expert memory`,
      parts: [
        comparePart({
          a: mt,
          b: fpCount,
          metric: 'accuracy',
          rule: { kind: 'parity', margin: EQUAL_COUNT_MARGIN },
        }),
      ],
      evidence: `MoTE ${acc(mt)} (${bytes(mt)}) vs FP MoE 4 x full width ${acc(fpCount)} (${bytes(fpCount)}; MoTE needs ${memoryShare}% of its expert memory)`,
    }),
    makeClaim({
      id: 'mote-ternary-vs-binary',
      paper,
      statement: 'ternary routed experts are more accurate than binary ones (same architecture and recipe)',
      parts: [comparePart({ a: mt, b: bin, metric: 'accuracy', rule: SUPERIOR })],
      evidence: `ternary ${acc(mt)} (${bytes(mt)}) vs binary ${acc(bin)} (${bytes(bin)})`,
    }),
    makeClaim({
      id: 'mote-ffn-init',
      paper,
      statement:
        'initialising the ternary experts from the dense FFN is more accurate than random initialisation',
      parts: [comparePart({ a: mt, b: rnd, metric: 'accuracy', rule: SUPERIOR })],
      evidence: `FFN init ${acc(mt)} vs random init ${acc(rnd)}`,
    }),
  ];
}

/**
 * The multimodal-vqa suite's claims, in the papers' direction, paired over seeds and test questions
 * (McNemar on the per-question outcomes). `moiie-data-scaling` needs at least two training-set sizes.
 */
export function multimodalVqaClaims(rows: VqaRows): Claim[] {
  return [...moiieClaims(rows), ...moteClaims(rows)];
}
