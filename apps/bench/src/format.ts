/** Number formatting and column selection shared by the leaderboard and summary.md. */
import type { BenchRow, SuiteReport } from './types';

/** How many metric columns a table shows when the suite names no `mainMetrics`. */
export const DEFAULT_METRIC_COLUMNS = 4;

/**
 * A count with an SI suffix and at most three significant digits: `950`, `12.3K`, `4.56M`, `2G`.
 *
 * @example
 * ```ts
 * formatCount(1_234_567); // '1.23M'
 * formatCount(2_000_000); // '2M'
 * ```
 */
export function formatCount(n: number): string {
  // Round first so 999_999 becomes 1M, not 1000K.
  const abs = Math.abs(Number(n.toPrecision(3)));
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [scale, suffix] of units) {
    if (abs >= scale) return `${Number((n / scale).toPrecision(3))}${suffix}`;
  }
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(3)));
}

/**
 * A metric value with four significant digits, without exponent noise for ordinary magnitudes.
 *
 * @example
 * ```ts
 * formatNumber(0.912345); // '0.9123'
 * formatNumber(12345.6);  // '12346'
 * ```
 */
export function formatNumber(x: number): string {
  if (x === 0) return '0';
  const abs = Math.abs(x);
  if (abs >= 1e4) return String(Math.round(x));
  if (abs < 1e-3) return x.toExponential(2);
  return String(Number(x.toPrecision(4)));
}

/** A metric with its spread over seeds when known: `0.9123±0.0040`. */
export function formatMetric(row: BenchRow, name: string): string {
  const value = row.metrics[name];
  if (value === undefined) return '-';
  const spread = row.spread?.[name];
  return spread === undefined ? formatNumber(value) : `${formatNumber(value)}±${formatNumber(spread)}`;
}

/** Seconds as `12.3s`, `4m05s` or `1h02m`. */
export function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)}s`;
  const total = Math.round(s);
  if (total < 3600) return `${Math.floor(total / 60)}m${String(total % 60).padStart(2, '0')}s`;
  return `${Math.floor(total / 3600)}h${String(Math.floor((total % 3600) / 60)).padStart(2, '0')}m`;
}

/** Every metric name of the report's rows, in order of first appearance. */
export function metricNames(report: SuiteReport): string[] {
  const seen = new Set<string>();
  for (const row of report.rows) for (const name of Object.keys(row.metrics)) seen.add(name);
  return [...seen];
}

/** Columns of a report's full results table; those from {@link ROW_TABLE_FIRST_NUMERIC} on are numbers. */
export interface RowTable {
  headers: string[];
  rows: string[][];
}

/** Index of the first numeric column of {@link rowTable} (model, variant and task are text). */
export const ROW_TABLE_FIRST_NUMERIC = 3;

/** Every row of a report as formatted cells (unescaped), with every metric as a column. */
export function rowTable(report: SuiteReport): RowTable {
  const metrics = metricNames(report);
  const headers = [
    'model',
    'variant',
    'task',
    'params total',
    'params active',
    'FLOPs/sample',
    ...metrics,
    'latency ms/batch',
    'train s',
  ];
  const rows = report.rows.map((r) => [
    r.model,
    r.variant,
    r.task,
    formatCount(r.paramsTotal),
    formatCount(r.paramsActive),
    formatCount(r.flopsPerSample),
    ...metrics.map((m) => formatMetric(r, m)),
    formatNumber(r.latencyMsPerBatch),
    formatNumber(r.trainSeconds),
  ]);
  return { headers, rows };
}

/**
 * The metric columns to show: the suite's `mainMetrics` that occur in its rows, else the first
 * `limit` metric names seen.
 */
export function mainMetricNames(report: SuiteReport, limit = DEFAULT_METRIC_COLUMNS): string[] {
  const all = metricNames(report);
  if (report.mainMetrics && report.mainMetrics.length > 0) {
    return report.mainMetrics.filter((m) => all.includes(m));
  }
  return all.slice(0, limit);
}

/** `quick, seeds 0,1,2, wasm x2, 12.3s` — one line describing how a report was produced. */
export function describeRun(report: SuiteReport): string {
  return [
    report.quick ? 'quick (verdicts indicative)' : 'full',
    `seeds ${report.seeds.join(',')}`,
    `${report.backend} x${report.threads}`,
    formatSeconds(report.durationS),
  ].join(', ');
}
