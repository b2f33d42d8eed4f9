import { comparePart, findRow, makeClaim } from '../../claims';
import { fmt } from '../../stats';
import type { BenchRow, Claim, ClaimPart } from '../../types';
import { DENSE, MIXED, MOMA } from './arms';

const PAPER = 'MoMa (Lin et al., Meta 2024)';
const SUPERIOR = { kind: 'superiority' } as const;

/**
 * MoMa's loss when it routes with its auxiliary routers against the expert-free dense model's loss
 * (lower is better): paired over seeds and validation sequences.
 */
function causalBeatsDensePart(moma: BenchRow, dense: BenchRow): ClaimPart {
  return comparePart({
    a: moma,
    b: dense,
    metric: 'lossCausal',
    metricB: 'loss',
    names: [`${moma.variant} with aux routers`, dense.variant],
    better: 'lower',
    rule: SUPERIOR,
  });
}

/** The dense arms' SwiGLU widths, e.g. "64, 128, 256" (from the `dense-swiglu<width>` variants). */
function denseWidthsOf(rows: readonly BenchRow[]): string {
  return rows
    .map((r) => /^dense-swiglu(\d+)$/.exec(r.variant)?.[1])
    .filter((w): w is string => w !== undefined)
    .join(', ');
}

/**
 * The moma suite's claims, in the paper's direction (lower validation loss is better), paired over
 * seeds and over the validation sequences every arm of a seed is evaluated on.
 */
export function momaClaims(rows: readonly BenchRow[]): Claim[] {
  const dense = findRow(rows, DENSE);
  const mixed = findRow(rows, MIXED);
  const moma = findRow(rows, MOMA);
  const f = (r: BenchRow, k: string) => fmt(r.metrics, r.spread, k);
  const savings = (r: BenchRow) =>
    `text ${f(r, 'flopsSavingsText')}x, image ${f(r, 'flopsSavingsImage')}x, overall ${f(r, 'flopsSavings')}x`;
  // ">=" / "<=" when on some seed the loss lay beyond the widest / narrowest dense model.
  const bounded = (r: BenchRow, k: string) => {
    const bounds = r.perSeed?.[`${k}Bound`] ?? [r.metrics[`${k}Bound`]];
    return `${bounds.some((b) => b > 0) ? '>= ' : bounds.some((b) => b < 0) ? '<= ' : ''}${f(r, k)}x`;
  };
  const widthSavings = (r: BenchRow) =>
    `text ${bounded(r, 'flopsSavingsWidthsText')}, image ${bounded(r, 'flopsSavingsWidthsImage')}, overall ${bounded(r, 'flopsSavingsWidths')}`;
  const sweep =
    moma.metrics.flopsSavingsWidths === undefined
      ? ''
      : `; against dense widths ${denseWidthsOf(rows)}: MoMa ${widthSavings(moma)}, mixed ${widthSavings(mixed)}`;
  const lower = (a: BenchRow, b: BenchRow, metric: string) =>
    comparePart({ a, b, metric, better: 'lower', rule: SUPERIOR });
  return [
    makeClaim({
      id: 'moma-per-modality-loss',
      paper: PAPER,
      statement:
        'at equal FLOPs, MoMa (4 text + 4 image experts, expert choice in each group) reaches lower validation loss than the FLOP-matched dense model on text tokens and on image tokens',
      parts: [lower(moma, dense, 'lossText'), lower(moma, dense, 'lossImage')],
      evidence:
        `val loss text ${f(moma, 'lossText')} vs dense ${f(dense, 'lossText')}, image ${f(moma, 'lossImage')} vs ${f(dense, 'lossImage')}; ` +
        `FLOPs savings vs dense (training curves): MoMa ${savings(moma)}; 8 mixed experts ${savings(mixed)}${sweep} ` +
        '(paper at 1.4B: MoMa 3.7x overall, text 2.6x, image 5.2x; mixed 3x); ' +
        `FLOPs/sample ${moma.flopsPerSample} vs ${dense.flopsPerSample} (ratio ${(moma.flopsPerSample / dense.flopsPerSample).toFixed(3)})`,
    }),
    makeClaim({
      id: 'moma-vs-mixed-experts',
      paper: PAPER,
      statement:
        'modality-aware expert groups (4 text + 4 image) reach lower validation loss than the same number of mixed experts (8, expert choice) at equal FLOPs',
      parts: [lower(moma, mixed, 'loss')],
      evidence:
        `val loss ${f(moma, 'loss')} (MoMa) vs ${f(mixed, 'loss')} (mixed); ` +
        `text ${f(moma, 'lossText')} vs ${f(mixed, 'lossText')}; image ${f(moma, 'lossImage')} vs ${f(mixed, 'lossImage')}`,
    }),
    makeClaim({
      id: 'moma-causal-aux-routers',
      paper: PAPER,
      statement:
        'with the auxiliary routers (causal inference, no look at other tokens of the batch) MoMa still reaches lower validation loss than the dense model',
      parts: [causalBeatsDensePart(moma, dense)],
      evidence:
        `MoMa loss with aux routers ${f(moma, 'lossCausal')} (text ${f(moma, 'lossTextCausal')}, image ${f(moma, 'lossImageCausal')}) ` +
        `vs with expert choice ${f(moma, 'loss')} vs dense ${f(dense, 'loss')}; ` +
        `aux routers match EC decisions ${f(moma, 'auxRouterAccuracy')} (recall of chosen pairs ${f(moma, 'auxRouterRecall')}), ` +
        `${f(moma, 'expertsPerTokenCausal')} experts per token at inference (EC: 1); mixed with aux routers ${f(mixed, 'lossCausal')}`,
    }),
  ];
}
