import { tf } from '@moe-zoo/core';
import { patchBatch, type PatchSet } from '@moe-zoo/restoration';
import { settle, timeArmsAsync, type AsyncTimedArm, type TimingInfo } from '../../perf/timing';
import type { SuiteContext } from '../../types';
import { latencySamplesKey } from './arms';
import { LATENCY_BATCH } from './plan';
import type { ArmResult } from './run-arm';

/** A trained arm and its label in the timing. */
export interface DoneArm {
  label: string;
  result: ArmResult;
}

/**
 * Times every arm's trained weights on each dispatch path together (one interleaved
 * {@link timeArms} call, so the latency claims compare arms measured under the same conditions,
 * round by round): one forward pass of the first {@link LATENCY_BATCH} test tiles. Fills each
 * row's `latencyMsPerBatch` (the arm's own dispatch path, median) and, on the `all` row, per
 * dispatch path the median as metric `latencyMs_<dispatch>` and the samples in round order as
 * series `latencySamplesMs_<dispatch>`. Returns the timing's idle information.
 */
export async function timeLatencies(
  ctx: SuiteContext,
  done: readonly DoneArm[],
  test: PatchSet,
  reps: number,
): Promise<TimingInfo> {
  const probe = patchBatch(
    test,
    Array.from({ length: LATENCY_BATCH }, (_, i) => i),
  );
  try {
    const arms: AsyncTimedArm[] = done.flatMap(({ label, result }) =>
      Object.entries(result.nets).map(([dispatch, net]) => ({
        name: `${label}/${dispatch}`,
        run: () =>
          settle(
            tf.tidy(() => {
              const { y, aux } = net.forward(probe.x);
              for (const a of aux) tf.dispose([a.counts, a.probs, a.dropped, a.indices]);
              return y;
            }),
          ),
      })),
    );
    const bar = ctx.progress('latency (all arms interleaved)', reps);
    const timed = ctx.timing.add(await timeArmsAsync(arms, { reps, onRep: () => bar.tick() }));
    bar.done();
    for (const { label, result } of done) {
      const [own] = Object.keys(result.nets);
      for (const r of result.rows) {
        r.latencyMsPerBatch = timed.arms[`${label}/${own}`].medianMs;
        if (r.task !== 'all') continue;
        for (const dispatch of Object.keys(result.nets)) {
          const t = timed.arms[`${label}/${dispatch}`];
          r.metrics[`latencyMs_${dispatch}`] = t.medianMs;
          // One measurement that does not depend on the seed.
          if (r.perSeed) r.perSeed[`latencyMs_${dispatch}`] = [t.medianMs];
          r.series = { ...r.series, [latencySamplesKey(dispatch)]: t.samplesMs };
        }
      }
    }
    return { idle: timed.idle, loadavg: timed.loadavg, reps: timed.reps };
  } finally {
    tf.dispose([probe.x, probe.y]);
  }
}
