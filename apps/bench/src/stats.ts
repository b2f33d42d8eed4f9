import type { BenchRow } from './types';

/** Mean of a list (NaN for an empty one). */
export function mean(values: number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

/** Sample standard deviation (0 for fewer than two values). */
export function std(values: number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1));
}

/** Per-metric mean, spread (only with several seeds) and the per-seed values themselves. */
export function aggregate(perSeed: Record<string, number>[]): {
  metrics: Record<string, number>;
  spread: Record<string, number> | undefined;
  perSeed: Record<string, number[]>;
} {
  const names = Object.keys(perSeed[0] ?? {});
  const metrics: Record<string, number> = {};
  const spread: Record<string, number> = {};
  const values: Record<string, number[]> = {};
  for (const n of names) {
    const vals = perSeed.map((m, s) => {
      if (!(n in m)) throw new Error(`seed ${s} has no value of metric "${n}"`);
      return m[n];
    });
    metrics[n] = mean(vals);
    spread[n] = std(vals);
    values[n] = vals;
  }
  return { metrics, spread: perSeed.length > 1 ? spread : undefined, perSeed: values };
}

/** One seed's measurements of a variant on a task. */
export interface SeedRun {
  metrics: Record<string, number>;
  /** Per-test-item outcomes of some metrics (1/0 correctness, per-image PSNR, ...), same items every seed. */
  items?: Record<string, number[]>;
  latencyMs: number;
  trainSeconds: number;
}

/** What a leaderboard row says besides its measurements: which model, and its size. */
export type RowHead = Pick<
  BenchRow,
  'model' | 'variant' | 'task' | 'paramsTotal' | 'paramsActive' | 'flopsPerSample'
>;

/** `items[metric][seed][item]` from the seeds' runs (metrics every seed reported items for). */
function itemsOf(runs: SeedRun[]): Record<string, number[][]> | undefined {
  const names = Object.keys(runs[0]?.items ?? {}).filter((m) => runs.every((r) => r.items?.[m]));
  if (names.length === 0) return undefined;
  return Object.fromEntries(names.map((m) => [m, runs.map((r) => r.items?.[m] ?? [])]));
}

/**
 * A leaderboard row from per-seed runs (in the order of the suite's seeds): each metric's mean,
 * spread over seeds (only with several seeds) and per-seed values, the per-item outcomes, mean
 * latency and mean training time.
 */
export function seedRunsRow(head: RowHead, runs: SeedRun[], series?: Record<string, number[]>): BenchRow {
  const { metrics, spread, perSeed } = aggregate(runs.map((r) => r.metrics));
  const items = itemsOf(runs);
  return {
    ...head,
    metrics,
    ...(spread ? { spread } : {}),
    perSeed,
    ...(items ? { items } : {}),
    latencyMsPerBatch: mean(runs.map((r) => r.latencyMs)),
    trainSeconds: mean(runs.map((r) => r.trainSeconds)),
    ...(series ? { series } : {}),
  };
}

/** "0.812 ± 0.004" (the spread only with several seeds). */
export function fmt(
  metrics: Record<string, number>,
  spread: Record<string, number> | undefined,
  name: string,
  digits = 3,
): string {
  const s = spread?.[name];
  return s ? `${metrics[name].toFixed(digits)} ± ${s.toFixed(digits)}` : metrics[name].toFixed(digits);
}
