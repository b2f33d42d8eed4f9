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

/** Per-metric mean and spread over seeds (no spread for a single seed). */
export function aggregate(perSeed: Record<string, number>[]): {
  metrics: Record<string, number>;
  spread: Record<string, number> | undefined;
} {
  const names = Object.keys(perSeed[0] ?? {});
  const metrics: Record<string, number> = {};
  const spread: Record<string, number> = {};
  for (const n of names) {
    const vals = perSeed.map((m) => m[n]);
    metrics[n] = mean(vals);
    spread[n] = std(vals);
  }
  return { metrics, spread: perSeed.length > 1 ? spread : undefined };
}

/** One seed's measurements of a variant on a task. */
export interface SeedRun {
  metrics: Record<string, number>;
  latencyMs: number;
  trainSeconds: number;
}

/** What a leaderboard row says besides its measurements: which model, and its size. */
export type RowHead = Pick<
  BenchRow,
  'model' | 'variant' | 'task' | 'paramsTotal' | 'paramsActive' | 'flopsPerSample'
>;

/**
 * A leaderboard row from per-seed runs: each metric's mean with its spread over seeds (spread only
 * with several seeds), mean latency and mean training time.
 */
export function seedRunsRow(head: RowHead, runs: SeedRun[], series?: Record<string, number[]>): BenchRow {
  const { metrics, spread } = aggregate(runs.map((r) => r.metrics));
  return {
    ...head,
    metrics,
    ...(spread ? { spread } : {}),
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
