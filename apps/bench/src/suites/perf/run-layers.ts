/** The layer timing of the perf suite: all eight (layer, pass) arms in one interleaved timing per token count. */
import { timeArmsAsync } from '../../perf/timing';
import type { BenchRow, SuiteContext } from '../../types';
import { layerArms, type LayerArm } from './arms';
import { passTask, type PerfPlan } from './plan';
import type { MatmulProbe } from './probe-client';
import { timingRow } from './rows';

/** What {@link timeLayers} measured: a row per (token count, arm) and the idle flag per token count. */
export interface LayerTimings {
  rows: BenchRow[];
  /** Whether the timing at each token count ran on an idle machine, by token count. */
  idle: Record<number, boolean>;
}

/** A wasm probe timing the sorted MoE fwd+bwd at `tokens` beside the other arms (the GPU targets' reference). */
export interface WasmReference {
  tokens: number;
  probe: MatmulProbe;
}

/**
 * The arm of the wasm reference: one sorted-dispatch MoE fwd+bwd in the wasm probe process, timed
 * by the parent like every other arm (the request's round trip, under a millisecond, is included).
 */
function wasmArm(sorted: LayerArm, ref: WasmReference, plan: PerfPlan, first: boolean): LayerArm {
  return {
    name: 'sorted-wasm/fwdbwd',
    run: async () => void (await ref.probe.timeLayer(ref.tokens, plan.layer)),
    head: { ...sorted.head, variant: 'sorted-wasm', task: passTask('fwdbwd', ref.tokens, first) },
    flops: sorted.flops,
  };
}

/**
 * Times every layer arm together at each token count of the plan ({@link timeArmsAsync}: one
 * warm-up round, then the stage's rounds in rotating order; an arm ends by waiting for the
 * device) and returns one row per arm, quoting the median, and whether the machine was idle,
 * which decides whether the layer claims can be decided. The token counts run one after the
 * other, each with its own tensors, freed before the next. With a `reference`, the wasm probe's
 * sorted fwd+bwd is a ninth arm at its token count (row variant `sorted-wasm`).
 */
export async function timeLayers(
  ctx: SuiteContext,
  plan: PerfPlan,
  reference?: WasmReference,
): Promise<LayerTimings> {
  const rows: BenchRow[] = [];
  const idle: Record<number, boolean> = {};
  for (const [i, stage] of plan.stages.entries()) {
    const built = layerArms(plan.layer, stage.tokens, i === 0);
    const { dispose } = built;
    const own = built.arms.filter((a) => !stage.omit?.includes(a.name));
    const sorted = own.find((a) => a.name === 'sorted/fwdbwd');
    const arms =
      reference?.tokens === stage.tokens && sorted
        ? [...own, wasmArm(sorted, reference, plan, i === 0)]
        : own;
    try {
      const bar = ctx.progress(`moe layers vs dense ffn, ${stage.tokens} tokens`, stage.reps);
      const timed = ctx.timing.add(await timeArmsAsync(arms, { reps: stage.reps, onRep: () => bar.tick() }));
      bar.done();
      rows.push(...arms.map((arm) => timingRow(arm.head, timed.arms[arm.name], arm.flops, 'median')));
      idle[stage.tokens] = timed.idle;
    } finally {
      dispose();
    }
  }
  return { rows, idle };
}
