/** The layer timing of the perf suite: all eight (layer, pass) arms in one interleaved timing. */
import { timeArms } from '../../perf/timing';
import type { BenchRow, SuiteContext } from '../../types';
import { layerArms } from './arms';
import type { PerfPlan } from './plan';
import { timingRow } from './rows';

/**
 * Times every layer arm together ({@link timeArms}: one warm-up round, then `plan.layerReps`
 * rounds in rotating order) and returns one row per arm, quoting the median; also returns whether
 * the machine was idle, which decides whether the layer claims can be decided.
 */
export function timeLayers(ctx: SuiteContext, plan: PerfPlan): { rows: BenchRow[]; idle: boolean } {
  const { arms, dispose } = layerArms();
  try {
    const bar = ctx.progress('moe layers vs dense ffn', plan.layerReps);
    const timed = ctx.timing.add(timeArms(arms, { reps: plan.layerReps, onRep: () => bar.tick() }));
    bar.done();
    const rows = arms.map((arm) => timingRow(arm.head, timed.arms[arm.name], arm.flops, 'median'));
    return { rows, idle: timed.idle };
  } finally {
    dispose();
  }
}
