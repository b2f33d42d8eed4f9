/**
 * The charts of the HTML report as vega-lite specs, planned from a suite report: quality
 * against active parameters, latency against total parameters, MaxVio over training and one
 * expert-load heatmap per model/variant. Pure: the same report gives the same specs.
 */
import type { TopLevelSpec } from 'vega-lite';
import { mainMetricNames, metricNames } from '../format';
import type { BenchRow, ExpertLoadPoint, SuiteReport } from '../types';
import { slug } from './escape';

/** One planned chart. */
export interface ChartPlan {
  /** Unique within the page, e.g. `core-quality`; also the `data-chart` attribute. */
  id: string;
  kind: 'quality' | 'latency' | 'balance' | 'expert-load';
  title: string;
  /** A sentence under the chart saying what is plotted. */
  caption: string;
  spec: TopLevelSpec;
}

/** Metric names that measure speed, cost or balance rather than quality. */
const NOT_QUALITY = /(^ms|ms$|ms_|latency|flops|maxvio|loss|seconds|time)/i;

/** The metric a suite's quality chart plots: its first main metric that is not speed/cost/balance. */
export function qualityMetric(report: SuiteReport): string | undefined {
  const ordered = [...mainMetricNames(report), ...metricNames(report)];
  return ordered.find((m) => !NOT_QUALITY.test(m));
}

const CONFIG = {
  font: 'Helvetica, Arial, sans-serif',
  view: { stroke: '#d0d7de' },
  axis: {
    labelColor: '#444',
    titleColor: '#222',
    gridColor: '#eaeef2',
    domainColor: '#999',
    tickColor: '#999',
  },
  // symbolLimit: Vega drops legend entries past 30; the compression suite draws 34 variants.
  legend: { labelColor: '#333', titleColor: '#222', labelLimit: 360, titleLimit: 360, symbolLimit: 64 },
  title: { color: '#222', fontSize: 13, anchor: 'start' as const },
};

function seriesName(model: string, variant: string): string {
  return variant === '' ? model : `${model} / ${variant}`;
}

/**
 * Legend labels for `items`: the variant alone when they all share one model (the legend title
 * then names the model), else `model / variant`.
 */
function labeller(items: { model: string; variant: string }[]): {
  label: (item: { model: string; variant: string }) => string;
  title: string;
} {
  const models = new Set(items.map((i) => i.model));
  if (models.size === 1 && items.every((i) => i.variant !== '')) {
    return { label: (i) => i.variant, title: `variant (${[...models][0]})` };
  }
  return { label: (i) => seriesName(i.model, i.variant), title: 'model / variant' };
}

/** A continuous scale: log when the values span a factor of 10 or more, else linear without zero. */
function wideScale(values: number[]): { type: 'log' } | { type: 'linear'; zero: false } {
  return logIfWide(values) === 'log' ? { type: 'log' } : { type: 'linear', zero: false };
}

function logIfWide(values: number[]): 'log' | 'linear' {
  const positive = values.filter((v) => v > 0);
  if (positive.length < 2) return 'linear';
  return Math.max(...positive) / Math.min(...positive) >= 10 ? 'log' : 'linear';
}

/** The x axis of a quality chart: what the quality is plotted against. */
interface QualityAxis {
  id: string;
  title: string;
  caption: string;
  value(row: BenchRow): number | undefined;
}

/** Active parameters per token or sample (every suite's rows have them). */
const ACTIVE_AXIS: QualityAxis = {
  id: 'quality',
  title: 'active parameters',
  caption: 'parameters active per token or sample',
  value: (r) => (r.paramsActive > 0 ? r.paramsActive : undefined),
};

/** Stored bytes of the weights (rows with a `storedKB` metric: compression). */
const STORED_AXIS: QualityAxis = {
  id: 'quality-bytes',
  title: 'stored KB',
  caption: 'the stored size of the weights (KB)',
  value: (r) => r.metrics.storedKB,
};

/** Rows of a quality chart: with an x value and the metric; only task `all` when a suite has one among several. */
function qualityRows(report: SuiteReport, metric: string, axis: QualityAxis): BenchRow[] {
  const rows = report.rows.filter(
    (r) => Number.isFinite(axis.value(r)) && Number.isFinite(r.metrics[metric]),
  );
  const tasks = new Set(rows.map((r) => r.task));
  return tasks.size > 1 && tasks.has('all') ? rows.filter((r) => r.task === 'all') : rows;
}

function qualityChart(report: SuiteReport, axis: QualityAxis): ChartPlan | undefined {
  const metric = qualityMetric(report);
  if (metric === undefined) return undefined;
  const rows = qualityRows(report, metric, axis);
  if (rows.length === 0) return undefined;
  const tasks = [...new Set(rows.map((r) => r.task))];
  const names = labeller(rows);
  const values = rows.map((r) => ({
    series: names.label(r),
    task: r.task,
    x: axis.value(r) as number,
    value: r.metrics[metric],
  }));
  const skipped = report.rows.length - rows.length;
  return {
    id: `${slug(report.suite)}-${axis.id}`,
    kind: 'quality',
    title: `${metric} vs ${axis.title}`,
    caption:
      `${metric} (mean over seeds) against ${axis.caption}` +
      (tasks.length === 1 ? `, task ${tasks[0]}` : ', shape = task') +
      (skipped > 0 ? `; ${skipped} row(s) without ${axis.title} or on other tasks not plotted.` : '.'),
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      width: 230,
      height: 220,
      config: CONFIG,
      data: { values },
      mark: { type: 'point', filled: true, size: 90, opacity: 0.85 },
      encoding: {
        x: {
          field: 'x',
          type: 'quantitative',
          title: axis.title,
          scale: { ...wideScale(values.map((v) => v.x)), nice: true, padding: 14 },
          axis: { format: '~s' },
        },
        y: { field: 'value', type: 'quantitative', title: metric, scale: { zero: false, padding: 14 } },
        color: { field: 'series', type: 'nominal', title: names.title },
        ...(tasks.length > 1 ? { shape: { field: 'task', type: 'nominal' as const, title: 'task' } } : {}),
      },
    },
  };
}

function latencyChart(report: SuiteReport): ChartPlan | undefined {
  const seen = new Set<string>();
  const values: { series: string; params: number; latency: number }[] = [];
  const timed = report.rows.filter((r) => r.paramsTotal > 0 && r.latencyMsPerBatch > 0);
  const names = labeller(timed);
  for (const r of timed) {
    const key = `${r.model}\u0000${r.variant}\u0000${r.paramsTotal}\u0000${r.latencyMsPerBatch}`;
    if (seen.has(key)) continue;
    seen.add(key);
    values.push({
      series: names.label(r),
      params: r.paramsTotal,
      latency: r.latencyMsPerBatch,
    });
  }
  if (values.length === 0) return undefined;
  return {
    id: `${slug(report.suite)}-latency`,
    kind: 'latency',
    title: 'latency vs total parameters',
    caption:
      'Inference latency per batch (ms) against total parameters; rows sharing a model and latency are drawn once.',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      width: 230,
      height: 220,
      config: CONFIG,
      data: { values },
      mark: { type: 'point', filled: true, size: 90, opacity: 0.85, shape: 'diamond' },
      encoding: {
        x: {
          field: 'params',
          type: 'quantitative',
          title: 'total parameters',
          scale: { ...wideScale(values.map((v) => v.params)), nice: true, padding: 14 },
          axis: { format: '~s' },
        },
        y: {
          field: 'latency',
          type: 'quantitative',
          title: 'latency ms / batch',
          scale: { ...wideScale(values.map((v) => v.latency)), nice: true, padding: 14 },
        },
        color: { field: 'series', type: 'nominal', title: names.title },
      },
    },
  };
}

function balanceChart(report: SuiteReport): ChartPlan | undefined {
  const points = report.series?.balance ?? [];
  if (points.length === 0) return undefined;
  const names = labeller(points);
  const values = points.map((p) => ({
    series: names.label(p),
    step: p.step,
    maxVio: p.maxVio,
  }));
  return {
    id: `${slug(report.suite)}-balance`,
    kind: 'balance',
    title: 'balance over training',
    caption:
      'MaxVio = (max expert load - mean load) / mean load of each training batch (0 = perfectly balanced).',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      width: 520,
      height: 240,
      config: CONFIG,
      data: { values },
      mark: { type: 'line', strokeWidth: 1.6, opacity: 0.9 },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'training step' },
        y: { field: 'maxVio', type: 'quantitative', title: 'MaxVio' },
        color: { field: 'series', type: 'nominal', title: names.title },
      },
    },
  };
}

function heatmaps(report: SuiteReport): ChartPlan[] {
  const groups = new Map<string, ExpertLoadPoint[]>();
  for (const p of report.series?.expertLoad ?? []) {
    const key = `${seriesName(p.model, p.variant)}${p.group === undefined ? '' : ` per group, layer ${p.layer}`}`;
    const list = groups.get(key) ?? [];
    list.push(p);
    groups.set(key, list);
  }
  // One colour domain for the whole suite, so the heatmaps compare at a glance.
  const maxLoad = Math.max(0, ...[...groups.values()].flat().map((p) => p.load));
  const used = new Set<string>();
  const plans: ChartPlan[] = [];
  for (const [name, points] of groups) {
    const experts = Math.max(...points.map((p) => p.expert)) + 1;
    const grouped = points[0].group !== undefined;
    const rows = new Set(points.map((p) => (grouped ? p.group : p.layer))).size;
    let id = `${slug(report.suite)}-load-${slug(name)}`;
    for (let i = 2; used.has(id); i++) id = `${slug(report.suite)}-load-${slug(name)}-${i}`;
    used.add(id);
    plans.push({
      id,
      kind: 'expert-load',
      title: `expert load: ${name}`,
      caption: grouped
        ? `Share of each group's routed assignments per expert in MoE layer ${points[0].layer} (one colour scale per suite); uniform = ${(1 / experts).toFixed(3)}.`
        : `Share of routed assignments per expert in each MoE layer (one colour scale per suite); uniform = ${(1 / experts).toFixed(3)}.`,
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
        width: Math.min(520, Math.max(160, experts * 18)),
        height: Math.max(56, rows * 28),
        config: CONFIG,
        data: {
          values: points.map((p) => ({ row: grouped ? p.group : p.layer, expert: p.expert, load: p.load })),
        },
        mark: { type: 'rect' },
        encoding: {
          x: { field: 'expert', type: 'ordinal', title: 'expert', axis: { labelAngle: 0 } },
          y: { field: 'row', type: 'ordinal', title: grouped ? 'group' : 'MoE layer', sort: null },
          color: {
            field: 'load',
            type: 'quantitative',
            title: 'load',
            scale: { scheme: 'viridis', domain: [0, maxLoad > 0 ? maxLoad : 1] },
            legend: { format: '.2f' },
          },
        },
      },
    });
  }
  return plans;
}

/**
 * Every chart of one suite, in page order: quality, latency, balance, expert-load heatmaps.
 * A chart whose data is absent is left out (e.g. no quality chart for a perf suite).
 *
 * @example
 * ```ts
 * planCharts(report).map((c) => c.id); // ['core-quality', 'core-latency', 'core-balance', 'core-load-...']
 * ```
 */
export function planCharts(report: SuiteReport): ChartPlan[] {
  const plans = [
    qualityChart(report, ACTIVE_AXIS),
    qualityChart(report, STORED_AXIS),
    latencyChart(report),
    balanceChart(report),
    ...heatmaps(report),
  ];
  return plans.filter((p): p is ChartPlan => p !== undefined);
}
