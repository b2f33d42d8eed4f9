import { promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { planCharts, qualityMetric, renderHtmlReport, scopeSvgIds, writeHtmlReport } from '../src/html';
import { escapeHtml } from '../src/html/escape';
import { validateReport } from '../src/schema';
import type { MachineInfo } from '../src/summary';
import type { SuiteReport } from '../src/types';
import { classifierReport, pictureGridPng, pictureReport } from './fixtures/reports';

const MACHINE: MachineInfo = {
  date: '2025-03-04T06:00:00.000Z',
  cpuModel: 'Test CPU <3000>',
  cpuCount: 4,
  memoryBytes: 8 * 2 ** 30,
  platform: 'linux x64',
  node: 'v20.0.0',
};

describe('fixtures', () => {
  it('follow the report contract', () => {
    for (const r of [classifierReport(), pictureReport()])
      expect(() => validateReport(r, r.suite)).not.toThrow();
  });
});

describe('planCharts', () => {
  it('plans quality, latency, balance and one heatmap per model/variant with load data', () => {
    const plans = planCharts(classifierReport());
    expect(plans.map((p) => p.id)).toEqual([
      'toy-quality',
      'toy-latency',
      'toy-balance',
      'toy-load-toy-moe-aux-1e-2',
      'toy-load-toy-moe-loss-free',
    ]);
    expect(plans[0].title).toBe('accuracy vs active parameters');
  });

  it('draws per-group loads of a layer as their own heatmap, one row per group', () => {
    const report = classifierReport();
    const perWeather = ['rain', 'snow'].flatMap((group, g) =>
      [0.7, 0.3].map((load, expert) => ({
        model: 'toy-moe',
        variant: 'loss-free',
        layer: 1,
        expert,
        load: g ? 1 - load : load,
        group,
      })),
    );
    report.series!.expertLoad!.push(...perWeather);
    const plan = planCharts(report).find((p) => p.id === 'toy-load-toy-moe-loss-free-per-group-layer-1');
    expect(plan?.caption).toContain("Share of each group's routed assignments per expert in MoE layer 1");
    const values = (plan?.spec.data as { values: { row: string; expert: number; load: number }[] }).values;
    expect(values).toEqual([
      { row: 'rain', expert: 0, load: 0.7 },
      { row: 'rain', expert: 1, load: 0.3 },
      { row: 'snow', expert: 0, load: 0.30000000000000004 },
      { row: 'snow', expert: 1, load: 0.7 },
    ]);
  });

  it('plots only task "all" of a multi-task suite, and skips rows without parameters', () => {
    const [quality, latency] = planCharts(pictureReport());
    const values = (quality.spec.data as { values: { series: string; task: string }[] }).values;
    expect(values.map((v) => v.series)).toEqual(['dense / ffn', 'mofme / linear-fm']);
    expect(values.every((v) => v.task === 'all')).toBe(true);
    expect(quality.caption).toContain('not plotted');
    // latency: one point per model/variant although three task rows share it
    expect((latency.spec.data as { values: unknown[] }).values).toHaveLength(2);
  });

  it('draws no quality chart for a speed-only suite', () => {
    const perf: SuiteReport = {
      ...classifierReport(),
      series: undefined,
      rows: classifierReport().rows.map((r) => ({ ...r, metrics: { ms: 3, gflops: 40 } })),
    };
    expect(qualityMetric(perf)).toBeUndefined();
    expect(planCharts(perf).map((p) => p.kind)).toEqual(['latency']);
  });

  it('picks the first quality metric of mainMetrics', () => {
    expect(qualityMetric({ ...pictureReport(), mainMetrics: ['latencyMs_dense', 'ssim', 'psnr'] })).toBe(
      'ssim',
    );
  });
});

describe('scopeSvgIds', () => {
  it('prefixes ids and their references', () => {
    const svg =
      '<svg><defs><linearGradient id="g_0"/></defs><rect fill="url(#g_0)"/><use xlink:href="#g_0"/></svg>';
    expect(scopeSvgIds(svg, 'c1')).toBe(
      '<svg><defs><linearGradient id="c1-g_0"/></defs><rect fill="url(#c1-g_0)"/><use xlink:href="#c1-g_0"/></svg>',
    );
  });
});

describe('renderHtmlReport', () => {
  it('keeps every legend entry of a chart with more series than Vega keeps by default (30)', async () => {
    const report = classifierReport();
    const moe = report.rows[1];
    report.rows = Array.from({ length: 34 }, (_, i) => ({ ...moe, variant: `variant-${i}` }));
    report.series = undefined;
    const { html, warnings } = await renderHtmlReport({
      reports: [report],
      machine: MACHINE,
      figures: new Map(),
    });
    expect(warnings).toEqual([]);
    for (let i = 0; i < 34; i++) expect(html).toContain(`>variant-${i}</text>`);
  });

  const figures = new Map([['pictures-picture-grid.png', pictureGridPng()]]);

  it('renders every chart as inline SVG, the figure as a data URI, claims and rows, with no script', async () => {
    const { html, charts, warnings } = await renderHtmlReport({
      reports: [classifierReport(), pictureReport()],
      machine: MACHINE,
      figures,
    });
    expect(warnings).toEqual([]);
    expect(charts).toEqual(
      [...planCharts(classifierReport()), ...planCharts(pictureReport())].map((p) => p.id),
    );
    for (const id of charts) expect(html).toMatch(new RegExp(`data-chart="${id}"[^>]*><h4>[^<]*</h4><svg `));
    expect(html).toContain('<img src="data:image/png;base64,iVBORw0KGgo');
    expect(html).not.toMatch(/<script|<link|src="(?!data:)|https?:\/\/(?!www\.w3\.org)/i);
    expect(html).toContain(
      '1 hold, 1 fail, 0 inconclusive</strong> of 3 claims (1 from reports decided by the old tie rule)',
    );
    expect(html).toContain('<span class="verdict fails">✗ fails</span>');
    expect(html).toContain('<span class="verdict legacy">(old rule: holds)</span>');
    expect(html).toContain('timing rounds +0.66 [+0.64, +0.69], 5 rounds');
    expect(html).toContain('latency 8.1 ms vs 5.5 ms');
    expect(html).toContain('Test CPU &lt;3000&gt;, 4 CPUs, 8.0 GiB memory');
    expect(html).toContain('Backend</dt><dd>wasm, 2 threads');
    // ids stay unique across the inlined SVGs
    const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('escapes every text taken from the reports', async () => {
    const evil = '<img src=x onerror="alert(1)">';
    const report = classifierReport();
    report.suite = 'toy';
    report.rows[0].model = evil;
    report.rows[0].metrics[evil] = 1;
    report.claims[0] = { ...report.claims[0], id: evil, statement: evil, evidence: evil, paper: evil };
    report.notes = [evil];
    report.series!.balance![0].variant = evil;
    report.series!.expertLoad![0].variant = evil;
    const { html } = await renderHtmlReport({ reports: [report], machine: MACHINE, figures: new Map() });
    expect(html).not.toContain('<img src=x');
    expect(html).toContain(escapeHtml(evil));
  });

  it('flags a listed figure whose file is missing', async () => {
    const { html } = await renderHtmlReport({
      reports: [pictureReport()],
      machine: MACHINE,
      figures: new Map(),
    });
    expect(html).toContain('Figure file pictures-picture-grid.png is missing.');
    expect(html).not.toContain('<img');
  });
});

describe('writeHtmlReport', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'moe-html-'));
  });
  afterEach(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('reads the figures from the report folder and writes index.html', async () => {
    const png = pictureGridPng();
    await fsp.writeFile(path.join(dir, 'pictures-picture-grid.png'), png);
    const { file, warnings } = await writeHtmlReport(dir, [pictureReport()], MACHINE);
    expect(file).toBe(path.join(dir, 'index.html'));
    expect(warnings).toEqual([]);
    expect(await fsp.readFile(file, 'utf8')).toContain(`data:image/png;base64,${png.toString('base64')}`);
  });

  it('warns naming a figure file that is not a PNG', async () => {
    await fsp.writeFile(path.join(dir, 'pictures-picture-grid.png'), 'not a png');
    const { warnings } = await writeHtmlReport(dir, [pictureReport()], MACHINE);
    expect(warnings).toEqual(['pictures-picture-grid.png: not a PNG file']);
  });
});
