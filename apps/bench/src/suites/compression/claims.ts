/**
 * The compression suite's claims, per zoo model: compressed experts (He et al. 2025) keep 90% of
 * the quality with 30% fewer active parameters; pruning a quarter of the experts by saliency keeps
 * the quality within a declared margin; subspace merging (Li et al. 2025) at a quarter fewer
 * expert parameters keeps 96% of it. Quality kept is tested per item: `a_i - q * f_i` > 0 over
 * the same test items (and seeds) as the float model's outcomes `f_i`.
 */
import { comparePart, exactPart, findRow, makeClaim, pairedPart, seedValues } from '../../claims';
import type { BenchRow, Claim, ClaimPart } from '../../types';
import { DENSE_REFERENCE_BYTES_OF, isDenseReference } from './dense-reference';

const SUPERIOR = { kind: 'superiority' } as const;

/** Declared before the run: pruning 2 of 8 experts may cost at most this much accuracy. */
export const PRUNE_MARGIN = 0.02;

/** Declared before the run: sub-1-bit ternary experts may cost at most this much accuracy. */
export const SUB_BIT_MARGIN = 0.02;

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
  const mixed = findRow(rows, 'mixed-precision-2.5bit', task);
  const qmoe = findRow(rows, 'qmoe-ternary-huffman', task);
  const model = float.model;
  const dense = rows.find((r) => r.task === task && isDenseReference(r.variant));
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
        comparePart({
          a: pruned,
          b: float,
          metric: 'accuracy',
          rule: { kind: 'parity', margin: PRUNE_MARGIN },
        }),
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
    makeClaim({
      id: `mixed-precision-${task}`,
      paper: 'MC-MoE / MC# (Huang et al. 2024, arXiv:2410.06270; 2025)',
      statement: `${model}: experts quantized at widths from {1.58, 2, 4, 8} bits chosen per expert by calibration importance, at the budget of 2.5 bits per weight on average, keep at least 96% of the float model's accuracy (the paper: 2.54 bits, 3.8% accuracy lost)`,
      parts: [keepsPart(mixed, float, 0.96)],
      evidence: `accuracy ${mixed.metrics.accuracy.toFixed(4)} vs float ${float.metrics.accuracy.toFixed(4)}; MoE-layer stored bits per parameter ${mixed.metrics.moeBitsPerParam.toFixed(2)} (router, scales and biases included) vs 32`,
    }),
    makeClaim({
      id: `qmoe-sub-1-bit-${task}`,
      paper: 'QMoE (Frantar & Alistarh 2023, arXiv:2310.16795)',
      statement: `${model}: ternary experts in an entropy-coded store take less than 1 bit per weight and cost less than ${SUB_BIT_MARGIN} accuracy (margin declared before the run)`,
      parts: [
        exactPart('expert code bits per weight', qmoe.metrics.codeBitsPerWeight, { kind: 'at-most', bar: 1 }),
        comparePart({
          a: qmoe,
          b: float,
          metric: 'accuracy',
          rule: { kind: 'parity', margin: SUB_BIT_MARGIN },
        }),
      ],
      evidence: `code bits per weight ${qmoe.metrics.codeBitsPerWeight.toFixed(3)}; accuracy ${qmoe.metrics.accuracy.toFixed(4)} vs float ${float.metrics.accuracy.toFixed(4)}; MoE-layer stored bits per parameter ${qmoe.metrics.moeBitsPerParam.toFixed(2)}`,
    }),
    ...(dense ? [beatsDenseClaim(model, task, mixed, dense)] : []),
  ];
}

/** MC#: the compressed MoE against a full-precision dense model of no more bytes trained by the same recipe. */
function beatsDenseClaim(model: string, task: string, compressed: BenchRow, dense: BenchRow): Claim {
  return makeClaim({
    id: `compressed-beats-dense-${task}`,
    paper:
      'MC# (Huang et al. 2025, arXiv:2510.10962): compressed MoE models outperform equal-sized full-precision models',
    statement: `${model}: the MoE with experts at ${DENSE_REFERENCE_BYTES_OF.replace('mixed-precision-', '')} mixed precision is more accurate than a full-precision dense model (${dense.variant}) of no more stored bytes, trained by the zoo model's recipe`,
    parts: [
      comparePart({ a: compressed, b: dense, metric: 'accuracy', rule: SUPERIOR }),
      exactPart(
        `stored bytes: ${dense.variant} / ${compressed.variant}`,
        dense.metrics.storedKB / compressed.metrics.storedKB,
        { kind: 'at-most', bar: 1 },
      ),
    ],
    evidence: `accuracy ${compressed.metrics.accuracy.toFixed(4)} (${compressed.metrics.storedKB.toFixed(1)} KB) vs dense ${dense.metrics.accuracy.toFixed(4)} (${dense.metrics.storedKB.toFixed(1)} KB, ${dense.paramsActive} active parameters vs ${compressed.paramsActive})`,
  });
}

/** Every model's claims. */
export function compressionClaims(rows: readonly BenchRow[]): Claim[] {
  return [...new Set(rows.map((r) => r.task))].flatMap((task) => modelClaims(rows, task));
}
