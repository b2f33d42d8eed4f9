import type { ArmTiming } from '../../perf/timing';
import { seedRunsRow, type RowHead } from '../../stats';
import type { BenchRow } from '../../types';

/**
 * A perf row from one arm's timed samples: `ms` (the quoted figure: the median, or the fastest
 * sample for a roofline), `gflops` = `flops` / `ms`, `latencyMsPerBatch` the median, and the samples
 * themselves in round order as `series.samplesMs` (the timing claims pair them round by round).
 * Perf does not depend on the seed: `perSeed` holds the one measurement.
 */
export function timingRow(
  head: RowHead,
  timing: ArmTiming,
  flops: number,
  quote: 'median' | 'fastest',
): BenchRow {
  const ms = quote === 'median' ? timing.medianMs : timing.minMs;
  return seedRunsRow(
    head,
    [{ metrics: { ms, gflops: flops / ms / 1e6 }, latencyMs: timing.medianMs, trainSeconds: 0 }],
    { samplesMs: timing.samplesMs },
  );
}
