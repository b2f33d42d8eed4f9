/** The SCMoE claim of the designs suite: self-contrast decoding against greedy top-2 on multi-step arithmetic. */
import { comparePart, findRow, makeClaim } from '../../claims';
import { fmt } from '../../stats';
import type { BenchRow, Claim } from '../../types';
import { ARITHMETIC_STEPS, SCMOE, SCMOE_TASK, SCMOE_VARIANTS } from './scmoe-plan';

const show = (r: BenchRow, metric: string): string => `${r.variant} ${fmt(r.metrics, r.spread, metric)}`;

/** Accuracy per number of steps, e.g. `1 step 0.912, 2 steps 0.441, ...`. */
function bySteps(r: BenchRow): string {
  const parts: string[] = [];
  for (let s = ARITHMETIC_STEPS.minSteps; s <= ARITHMETIC_STEPS.maxSteps; s++) {
    parts.push(`${s} step${s === 1 ? '' : 's'} ${fmt(r.metrics, r.spread, `acc:steps-${s}`)}`);
  }
  return `${r.variant}: ${parts.join(', ')}`;
}

/** SCMoE's contrast of top-2 and rank-2 routing against greedy top-2 decoding of the same model, on the same test items. */
export function scmoeClaim(rows: readonly BenchRow[]): Claim {
  const [strongName, weakName, scmoeName] = SCMOE_VARIANTS;
  const strong = findRow(rows, strongName, SCMOE_TASK);
  const weak = findRow(rows, weakName, SCMOE_TASK);
  const scmoe = findRow(rows, scmoeName, SCMOE_TASK);
  const { minSteps, maxSteps } = ARITHMETIC_STEPS;
  return makeClaim({
    id: 'scmoe-self-contrast',
    paper: 'SCMoE (Shi et al. 2024, arXiv 2405.14507)',
    statement: `on a task where reasoning steps matter (${minSteps} to ${maxSteps} chained +, −, × operations on digits mod 10, left to right), contrasting a top-2 MoE model's logits with the same model's rank-2 routed logits — (1 + β) z_top2 − β z_rank2 over the answers with top-2 probability at least α times the largest, α = ${SCMOE.alpha}, β = ${SCMOE.beta}, fixed before the run — gives a higher test accuracy than greedy top-2 decoding of the same model on the same items`,
    parts: [comparePart({ a: scmoe, b: strong, metric: 'accuracy', rule: { kind: 'superiority' } })],
    evidence:
      `accuracy ${show(scmoe, 'accuracy')} vs ${show(strong, 'accuracy')} (weak pass alone: ${show(weak, 'accuracy')}); ` +
      `per number of steps: ${bySteps(scmoe)}; ${bySteps(strong)}; ${bySteps(weak)}; ` +
      `FLOPs per sample ${scmoe.flopsPerSample} vs ${strong.flopsPerSample}`,
  });
}
