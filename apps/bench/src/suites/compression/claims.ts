/**
 * The compression suite's claims, per zoo model: compressed experts (He et al. 2025) keep 90% of
 * the quality with 30% fewer active parameters; pruning a quarter of the experts by saliency keeps
 * the quality within a declared margin; subspace merging (Li et al. 2025) at a quarter fewer
 * expert parameters keeps 96% of it. Quality kept is tested per item: `a_i - q * f_i` > 0 over
 * the same test items (and seeds) as the float model's outcomes `f_i`.
 */
import { exactPart, findRow, makeClaim, pairedPart, seedValues } from '../../claims';
import type { BenchRow, Claim, ClaimPart } from '../../types';

const SUPERIOR = { kind: 'superiority' } as const;

/** Declared before the run: pruning 2 of 8 experts may cost at most this much accuracy. */
export const PRUNE_MARGIN = 0.02;

/** The part "a keeps at least `share` of the float model's accuracy", paired per seed and per item. */
function keepsPart(a: BenchRow, float: BenchRow, share: number): ClaimPart {
  const scale = (v: readonly number[]) => v.map((x) => share * x);
  const fi = float.items?.accuracy;
  const ai = a.items?.accuracy;
  return pairedPart(`accuracy: ${a.variant} - ${share} x float`, SUPERIOR, {
    perSeed: [seedValues(a, 'accuracy'), scale(seedValues(float, 'accuracy'))],
    ...(ai && fi ? { items: [ai, fi.map(scale)] as [number[][], number[][]] } : {}),
  });
}

/** A row's MoE-layer parameters (all, or active per token) over the float model's. */
function moeShare(row: BenchRow, float: BenchRow, which: 'moeParams' | 'moeActive'): number {
  return row.metrics[which] / float.metrics[which];
}

/** The claims of one model's rows (`task` = the model's modality). */
function modelClaims(rows: readonly BenchRow[], task: string): Claim[] {
  const float = findRow(rows, 'float', task);
  const compressed = findRow(rows, 'compressed-experts-r8', task);
  const pruned = findRow(rows, 'prune-saliency-keep6', task);
  const merged = findRow(rows, 'subspace-merge-4groups-r24', task);
  const model = float.model;
  return [
    makeClaim({
      id: `compressed-experts-${task}`,
      paper: 'Compressed Experts (He et al. 2025, arXiv:2503.00634)',
      statement: `${model}: replacing each token's less important activated expert with a compact (rank-8 SVD) module keeps at least 90% of the float model's accuracy with at least 30% fewer MoE-layer parameters active per token`,
      parts: [
        keepsPart(compressed, float, 0.9),
        exactPart(
          'MoE-layer parameters active per token: compressed / float',
          moeShare(compressed, float, 'moeActive'),
          {
            kind: 'at-most',
            bar: 0.7,
          },
        ),
      ],
      evidence: `accuracy ${compressed.metrics.accuracy.toFixed(4)} vs float ${float.metrics.accuracy.toFixed(4)}; MoE-layer parameters active per token ${compressed.metrics.moeActive} vs ${float.metrics.moeActive} (whole model ${compressed.paramsActive} vs ${float.paramsActive})`,
    }),
    makeClaim({
      id: `expert-pruning-${task}`,
      paper: 'Not All Experts are Equal (Lu et al. 2024, arXiv:2402.14800)',
      statement: `${model}: pruning 2 of the 8 experts of every MoE layer, chosen by calibration saliency (router-weighted output norm), costs less than ${PRUNE_MARGIN} accuracy (margin declared before the run)`,
      parts: [
        pairedPart(
          'accuracy: pruned - float',
          { kind: 'parity', margin: PRUNE_MARGIN },
          {
            perSeed: [seedValues(pruned, 'accuracy'), seedValues(float, 'accuracy')],
            ...(pruned.items?.accuracy && float.items?.accuracy
              ? { items: [pruned.items.accuracy, float.items.accuracy] as [number[][], number[][]] }
              : {}),
          },
        ),
      ],
      evidence: `accuracy ${pruned.metrics.accuracy.toFixed(4)} vs float ${float.metrics.accuracy.toFixed(4)}; parameters ${pruned.paramsTotal} vs ${float.paramsTotal}`,
    }),
    makeClaim({
      id: `subspace-merge-${task}`,
      paper: 'Sub-MoE (Li et al. 2025, arXiv:2506.23266)',
      statement: `${model}: merging each MoE layer's experts in 4 groups through a shared rank-24 subspace (at most 80% of the MoE layers' parameters) keeps at least 96% of the float model's accuracy`,
      parts: [
        keepsPart(merged, float, 0.96),
        exactPart('MoE-layer parameters: merged / float', moeShare(merged, float, 'moeParams'), {
          kind: 'at-most',
          bar: 0.8,
        }),
      ],
      evidence: `accuracy ${merged.metrics.accuracy.toFixed(4)} vs float ${float.metrics.accuracy.toFixed(4)}; MoE-layer parameters ${merged.metrics.moeParams} vs ${float.metrics.moeParams} (whole model ${merged.paramsTotal} vs ${float.paramsTotal})`,
    }),
  ];
}

/** Every model's claims. */
export function compressionClaims(rows: readonly BenchRow[]): Claim[] {
  return [...new Set(rows.map((r) => r.task))].flatMap((task) => modelClaims(rows, task));
}
