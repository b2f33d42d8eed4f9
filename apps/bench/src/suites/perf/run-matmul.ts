/** The thread comparison of the perf suite: square matmuls on 1 and N wasm threads in paired rounds. */
import { summarize } from '../../perf/timing';
import type { BenchRow, SuiteContext } from '../../types';
import type { PerfPlan } from './plan';
import { startProbe, type MatmulProbe } from './probe-client';
import { timingRow } from './rows';

/**
 * Times the matmuls of `plan.matmulSizes` on 1 and `ctx.backend.threads` wasm threads. The wasm
 * thread pool is fixed per process, so each thread count lives in its own probe process, and the
 * parent interleaves single matmuls across the probes the way `timeArms` interleaves arms: one
 * warm-up pass over every (threads, size) arm, then `plan.matmulReps` rounds in which every arm runs
 * once, the order rotating by one arm per round. Only one probe computes at a time; the others wait
 * on stdin. Rows quote the fastest round (the roofline) and keep every sample; `idle` says whether
 * every timed matmul saw an idle machine. No rows on a backend other than wasm (see
 * `run-device-matmul.ts`).
 */
export async function timeMatmulThreads(
  ctx: SuiteContext,
  plan: PerfPlan,
): Promise<{ rows: BenchRow[]; idle: boolean }> {
  if (ctx.backend.name !== 'wasm') return { rows: [], idle: true };
  const counts = [...new Set([1, ctx.backend.threads])];
  const probes: MatmulProbe[] = [];
  try {
    const sizes = plan.matmulSizes;
    for (const threads of counts) probes.push(await startProbe(threads, sizes, Math.max(...counts)));
    const arms = probes.flatMap((probe) => sizes.map((size) => ({ probe, size })));
    for (const arm of arms) await arm.probe.time(arm.size);
    const samples = arms.map((): { ms: number; idle: boolean; loadavg: number }[] => []);
    const bar = ctx.progress('matmul threads', plan.matmulReps);
    for (let r = 0; r < plan.matmulReps; r++) {
      for (let i = 0; i < arms.length; i++) {
        const a = (r + i) % arms.length;
        samples[a].push(await arms[a].probe.time(arms[a].size));
      }
      bar.tick();
    }
    bar.done();
    const all = samples.flat();
    const info = ctx.timing.add({
      idle: all.every((s) => s.idle),
      loadavg: Math.max(...all.map((s) => s.loadavg)),
      reps: plan.matmulReps,
    });
    const rows = arms.map(({ probe, size }, a) =>
      timingRow(
        {
          model: 'matmul',
          variant: String(probe.threads),
          task: String(size),
          paramsTotal: 0,
          paramsActive: 0,
          flopsPerSample: 0,
        },
        summarize(samples[a].map((s) => s.ms)),
        2 * size ** 3,
        'fastest',
      ),
    );
    return { rows, idle: info.idle };
  } finally {
    await Promise.all(probes.map((p) => p.close()));
  }
}
