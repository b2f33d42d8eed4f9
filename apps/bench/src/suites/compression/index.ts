import type { BenchRow, Suite } from '../../types';
import { compressionClaims } from './claims';
import { compressionNotes } from './notes';
import { compressionPlan } from './plan';
import { runTask } from './run';
import { audioTask, visionTask, type ZooTask } from './tasks';
import { VARIANTS } from './variants';

/**
 * The `compression` suite: post-training compression of two shipped zoo models of different
 * modalities (the spoken-digit audio MoE and the V-MoE Fashion-MNIST classifier): expert pruning
 * by usage and saliency, compressed experts, subspace merging; quality against stored bytes and
 * active parameters, with the float model and a dense model of the same bytes (trained by the zoo
 * recipe) as references. Opt-in (not in the default run).
 */
export const compressionSuite: Suite = {
  name: 'compression',
  description:
    'Post-training compression of the shipped spoken-digits-moe and vmoe-fashion: expert pruning (usage / saliency), compressed experts (low-rank), Sub-MoE merging, quantized experts (int8, MC# mixed precision, QMoE ternary, nested bits); accuracy vs stored bytes and active parameters against the float model and a dense model of the same bytes, routing flips (opt-in: moe-bench run compression)',
  // Opt-in, as designs: the default run of every suite is at its 15-minute budget already.
  defaultRun: false,
  async run(ctx) {
    const plan = compressionPlan(ctx.quick, ctx.tiny);
    const rows: BenchRow[] = [];
    for (const load of [() => audioTask(plan), () => visionTask(plan)]) {
      const task: ZooTask = await load();
      try {
        rows.push(...(await runTask(ctx, plan, task, VARIANTS)));
      } finally {
        task.dispose();
      }
    }
    return {
      rows,
      claims: compressionClaims(rows),
      notes: compressionNotes(plan, rows, ctx.tiny ?? false),
      mainMetrics: ['accuracy', 'keptQuality', 'storedKB'],
    };
  },
};
