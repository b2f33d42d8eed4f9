/** The matmul roofline of the perf suite on a backend without a wasm thread pool (webgpu, cpu, tensorflow). */
import { tf } from '@moe-zoo/core';
import { settle, timeArmsAsync } from '../../perf/timing';
import type { BenchRow, SuiteContext } from '../../types';
import type { PerfPlan } from './plan';
import { timingRow } from './rows';

/**
 * Times square matmuls of `plan.deviceMatmulSizes` in this process ({@link timeArmsAsync}: one
 * warm-up round, then `plan.matmulReps` rounds in rotating order, each call ending when the device
 * has finished it). One row per size, `model: matmul`, `variant` the backend's name, quoting the
 * fastest round (the roofline) like the wasm thread rows.
 */
export async function timeDeviceMatmul(
  ctx: SuiteContext,
  plan: PerfPlan,
): Promise<{ rows: BenchRow[]; idle: boolean }> {
  const sizes = plan.deviceMatmulSizes;
  const inputs = sizes.map((n) => [tf.randomNormal([n, n]), tf.randomNormal([n, n])] as const);
  try {
    const arms = sizes.map((size, i) => ({
      name: String(size),
      run: () => settle(tf.tidy(() => tf.matMul(inputs[i][0], inputs[i][1]))),
    }));
    const bar = ctx.progress(`matmul on ${ctx.backend.name}`, plan.matmulReps);
    const timed = ctx.timing.add(
      await timeArmsAsync(arms, { reps: plan.matmulReps, onRep: () => bar.tick() }),
    );
    bar.done();
    const rows = sizes.map((size) =>
      timingRow(
        {
          model: 'matmul',
          variant: ctx.backend.name,
          task: String(size),
          paramsTotal: 0,
          paramsActive: 0,
          flopsPerSample: 0,
        },
        timed.arms[String(size)],
        2 * size ** 3,
        'fastest',
      ),
    );
    return { rows, idle: timed.idle };
  } finally {
    tf.dispose(inputs.flat());
  }
}
