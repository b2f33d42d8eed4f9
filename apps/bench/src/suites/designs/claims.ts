import { comparePart, findRow, makeClaim } from '../../claims';
import { fmt } from '../../stats';
import type { BenchRow, Claim } from '../../types';
import { BASELINE } from './arms';

const SUPERIOR = { kind: 'superiority' } as const;
/** "Equal or better quality": accuracy no more than one point below (declared before the run). */
const ACCURACY_PARITY = { kind: 'parity', margin: 0.01 } as const;
/** "Not more drops": the test drop rate no more than one point above. */
const DROP_PARITY = { kind: 'parity', margin: 0.01 } as const;

const show = (r: BenchRow, metric: string): string => `${r.variant} ${fmt(r.metrics, r.spread, metric)}`;

/**
 * The designs suite's claims, in the papers' direction (paired over seeds and test images):
 * Skywork-MoE's gating logit normalisation against the softmax top-2 baseline, its adaptive aux
 * coefficient against a fixed one, and EvoMoE's dense-to-sparse start against a sparse gate
 * from the start (the same baseline).
 */
export function designsClaims(rows: readonly BenchRow[]): Claim[] {
  const base = findRow(rows, BASELINE.variant);
  const norm = findRow(rows, 'skywork-norm');
  const adaptive = findRow(rows, 'skywork-norm-adaptive');
  const evo = findRow(rows, 'evomoe-dts');
  return [
    makeClaim({
      id: 'skywork-gating-normalisation',
      paper: 'Skywork-MoE (Wei et al. 2024)',
      statement:
        'normalising the gating logits (per-token standardisation, λ = 2) gives sharper routing (lower router entropy) and more diverse experts (lower expert similarity) than softmax top-2, at equal or better accuracy (margin 0.01)',
      parts: [
        comparePart({ a: norm, b: base, metric: 'entropy', better: 'lower', rule: SUPERIOR }),
        comparePart({ a: norm, b: base, metric: 'expertSim', better: 'lower', rule: SUPERIOR }),
        comparePart({ a: norm, b: base, metric: 'accuracy', rule: ACCURACY_PARITY }),
      ],
      evidence:
        `entropy ${show(norm, 'entropy')} vs ${show(base, 'entropy')}; ` +
        `expert similarity ${show(norm, 'expertSim')} vs ${show(base, 'expertSim')}; ` +
        `accuracy ${show(norm, 'accuracy')} vs ${show(base, 'accuracy')}; ` +
        `test drop rate ${show(norm, 'dropRate')} vs ${show(base, 'dropRate')}`,
    }),
    makeClaim({
      id: 'skywork-adaptive-aux',
      paper: 'Skywork-MoE (Wei et al. 2024)',
      statement:
        'per-layer aux coefficients adapted to the drop rate keep accuracy (margin 0.01) and do not drop more tokens (margin 0.01) than a fixed coefficient, with normalised gating',
      parts: [
        comparePart({ a: adaptive, b: norm, metric: 'accuracy', rule: ACCURACY_PARITY }),
        comparePart({ a: adaptive, b: norm, metric: 'dropRate', better: 'lower', rule: DROP_PARITY }),
      ],
      evidence:
        `accuracy ${show(adaptive, 'accuracy')} vs ${show(norm, 'accuracy')}; ` +
        `test drop rate ${show(adaptive, 'dropRate')} vs ${show(norm, 'dropRate')}; ` +
        `training drop rate (last quarter) ${show(adaptive, 'trainDropRate')} vs ${show(norm, 'trainDropRate')}`,
    }),
    makeClaim({
      id: 'evomoe-dense-to-sparse',
      paper: 'EvoMoE (Nie et al. 2021)',
      statement:
        'one shared expert diversified into experts, then the dense-to-sparse gate, converges faster than a sparse top-2 gate from the start at equal steps: lower mean training loss over the first half of the steps and lower test loss at the end',
      parts: [
        comparePart({ a: evo, b: base, metric: 'earlyLoss', better: 'lower', rule: SUPERIOR }),
        comparePart({ a: evo, b: base, metric: 'testLoss', better: 'lower', rule: SUPERIOR }),
      ],
      evidence:
        `early training loss ${show(evo, 'earlyLoss')} vs ${show(base, 'earlyLoss')}; ` +
        `test loss ${show(evo, 'testLoss')} vs ${show(base, 'testLoss')}; ` +
        `accuracy ${show(evo, 'accuracy')} vs ${show(base, 'accuracy')}`,
    }),
  ];
}
