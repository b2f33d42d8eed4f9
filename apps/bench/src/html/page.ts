/**
 * The HTML report page: header (date, machine, backend), a claims overview, then per suite its
 * claims, charts (inline SVG), pictures (PNG data URIs), result table and notes. The page has no
 * script and loads nothing (a Content-Security-Policy forbids it), so it works offline.
 */
import { describeRun, ROW_TABLE_FIRST_NUMERIC, rowTable } from '../format';
import { describePart, isLegacy } from '../claims';
import { verdict } from '../leaderboard';
import type { MachineInfo } from '../summary';
import type { Claim, LegacyClaim, SuiteReport } from '../types';
import { planCharts } from './charts';
import { escapeHtml as esc, slug } from './escape';
import { REPORT_CSS } from './style';
import { renderSvg } from './svg';

/** What {@link renderHtmlReport} draws. */
export interface HtmlReportInput {
  /** Suite reports, in page order. */
  reports: SuiteReport[];
  /** Where and when the page was produced. */
  machine: MachineInfo;
  /** PNG bytes by figure file name (`<suite>-<name>.png`); a listed figure without bytes is flagged as missing. */
  figures: ReadonlyMap<string, Uint8Array>;
}

/** The rendered page plus what went wrong along the way (empty when all is well). */
export interface HtmlReport {
  html: string;
  /** Chart ids in page order (the `data-chart` attribute of each chart). */
  charts: string[];
  /** Chart compiler warnings, for logs (a listed figure without bytes is flagged in the page). */
  warnings: string[];
}

const CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

function machineLine(m: MachineInfo): string {
  const gib = (m.memoryBytes / 2 ** 30).toFixed(1);
  return `${m.cpuModel}, ${m.cpuCount} CPUs, ${gib} GiB memory (${m.platform}, Node ${m.node})`;
}

function backends(reports: SuiteReport[]): string {
  const seen = [
    ...new Set(
      reports.map((r) =>
        r.adapter
          ? `${r.backend} on ${r.adapter}`
          : `${r.backend}, ${r.threads} thread${r.threads === 1 ? '' : 's'}`,
      ),
    ),
  ];
  return seen.length === 0 ? '-' : seen.join('; ');
}

function verdictBadge(c: Claim | LegacyClaim): string {
  const kind = isLegacy(c) ? 'legacy' : c.verdict;
  return `<span class="verdict ${kind}">${esc(verdict(c))}</span>`;
}

function testsCell(c: Claim | LegacyClaim): string {
  if (isLegacy(c))
    return '<span class="evidence">decided by the old tie rule (before paired statistics)</span>';
  return c.parts.map((p) => `<span class="test">${esc(describePart(p))}</span>`).join('<br>');
}

function table(headers: string[], rows: string[][], numeric: boolean[]): string {
  const head = headers.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = rows
    .map(
      (cells) =>
        `<tr>${cells.map((c, i) => (numeric[i] ? `<td class="num">${c}</td>` : `<td>${c}</td>`)).join('')}</tr>`,
    )
    .join('\n');
  return `<div class="table-wrap"><table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

function claimsTable(claims: (Claim | LegacyClaim)[]): string {
  if (claims.length === 0) return '<p><em>No claims.</em></p>';
  const rows = claims.map((c) => [
    `<b>${esc(c.id)}</b><br>${esc(c.statement)}`,
    esc(c.paper),
    verdictBadge(c),
    testsCell(c),
    `<span class="evidence">${esc(c.evidence)}</span>`,
  ]);
  return table(
    ['claim', 'paper', 'verdict', 'difference [95% interval], test, seeds x items', 'evidence'],
    rows,
    [false, false, false, false, false],
  );
}

function overview(reports: SuiteReport[]): string {
  const claims = reports.flatMap((r) => r.claims.map((c) => ({ suite: r.suite, c })));
  if (claims.length === 0) return '';
  const count = (v: string): number => claims.filter(({ c }) => !isLegacy(c) && c.verdict === v).length;
  const legacy = claims.filter(({ c }) => isLegacy(c)).length;
  const tally = `<strong>${count('holds')} hold, ${count('fails')} fail, ${count('inconclusive')} inconclusive</strong> of ${claims.length} claims${legacy > 0 ? ` (${legacy} from reports decided by the old tie rule)` : ''}`;
  const rows = claims.map(({ suite, c }) => [
    `<a href="#suite-${esc(slug(suite))}">${esc(suite)}</a>`,
    `<b>${esc(c.id)}</b>`,
    esc(c.paper),
    verdictBadge(c),
  ]);
  return [
    '<section class="card" id="overview">',
    '<h2>Paper claims</h2>',
    `<p class="score">${tally}. A claim holds only when the 95% interval of the paired difference says so; a tie is inconclusive. A claim that does not hold is a finding, not a failure; the tests are with each suite.</p>`,
    table(['suite', 'claim', 'paper', 'verdict'], rows, [false, false, false, false]),
    '</section>',
  ].join('\n');
}

function rowsTable(report: SuiteReport): string {
  if (report.rows.length === 0) return '<p><em>No rows.</em></p>';
  const { headers, rows } = rowTable(report);
  const numeric = headers.map((_, i) => i >= ROW_TABLE_FIRST_NUMERIC);
  return table(
    headers,
    rows.map((cells) => cells.map(esc)),
    numeric,
  );
}

async function chartsHtml(report: SuiteReport, warnings: string[], ids: string[]): Promise<string> {
  const plans = planCharts(report);
  if (plans.length === 0) return '';
  const figures: string[] = [];
  for (const plan of plans) {
    const { svg, warnings: w } = await renderSvg(plan.spec, plan.id);
    warnings.push(...w.map((m) => `${plan.id}: ${m}`));
    ids.push(plan.id);
    // The figure is as wide as its chart, so captions wrap under it and charts sit side by side.
    const width = Number(/^<svg[^>]*\swidth="(\d+(?:\.\d+)?)"/.exec(svg)?.[1] ?? 0);
    const style = width > 0 ? ` style="width: ${Math.ceil(width) + 22}px"` : '';
    figures.push(
      `<figure class="chart" data-chart="${esc(plan.id)}" data-kind="${plan.kind}"${style}>` +
        `<h4>${esc(plan.title)}</h4>${svg}<figcaption>${esc(plan.caption)}</figcaption></figure>`,
    );
  }
  return `<h3>Charts</h3>\n<div class="charts">\n${figures.join('\n')}\n</div>`;
}

/** Width and height from a PNG's IHDR chunk (0 x 0 when the header is cut short). */
function pngSize(png: Uint8Array): { width: number; height: number } {
  if (png.length < 24) return { width: 0, height: 0 };
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

function picturesHtml(report: SuiteReport, figures: ReadonlyMap<string, Uint8Array>): string {
  const refs = report.figures ?? [];
  if (refs.length === 0) return '';
  const parts = refs.map((ref) => {
    const png = figures.get(ref.file);
    const attrs = `data-figure="${esc(`${report.suite}-${ref.name}`)}"`;
    if (!png) {
      return `<figure class="picture" ${attrs}><p class="missing">Figure file ${esc(ref.file)} is missing.</p><figcaption>${esc(ref.title)}</figcaption></figure>`;
    }
    const src = `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
    const { width, height } = pngSize(png);
    // Small pictures (patch grids) are shown enlarged, pixelated, up to about 960 px wide.
    const scale = Math.max(1, Math.min(4, Math.floor(960 / Math.max(1, width))));
    const size = width > 0 ? ` width="${width * scale}" height="${height * scale}"` : '';
    return `<figure class="picture" ${attrs}><img src="${src}"${size} alt="${esc(ref.title)}"><figcaption>${esc(ref.title)}</figcaption></figure>`;
  });
  return `<h3>Pictures</h3>\n${parts.join('\n')}`;
}

async function suiteSection(
  report: SuiteReport,
  figures: ReadonlyMap<string, Uint8Array>,
  warnings: string[],
  ids: string[],
): Promise<string> {
  const notes =
    report.notes && report.notes.length > 0
      ? `<h3>Notes</h3>\n<ul class="notes">${report.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`
      : '';
  return [
    `<section class="card suite" id="suite-${esc(slug(report.suite))}">`,
    `<h2>${esc(report.suite)}</h2>`,
    `<p class="run">${esc(describeRun(report))} · started ${esc(report.startedAt)}</p>`,
    '<h3>Claims</h3>',
    claimsTable(report.claims),
    await chartsHtml(report, warnings, ids),
    picturesHtml(report, figures),
    '<h3>Results</h3>',
    rowsTable(report),
    notes,
    '</section>',
  ]
    .filter((s) => s !== '')
    .join('\n');
}

/**
 * Renders the whole report page. Every string taken from the reports is HTML-escaped; charts
 * are pre-rendered SVG (vega-lite -> vega, `renderer: 'none'`) and pictures are data: URIs.
 *
 * @example
 * ```ts
 * const { html } = await renderHtmlReport({ reports, machine: machineInfo(), figures: new Map() });
 * ```
 */
export async function renderHtmlReport(input: HtmlReportInput): Promise<HtmlReport> {
  const { reports, machine, figures } = input;
  const warnings: string[] = [];
  const charts: string[] = [];
  const sections: string[] = [];
  for (const report of reports) sections.push(await suiteSection(report, figures, warnings, charts));
  const toc = reports.map((r) => `<a href="#suite-${esc(slug(r.suite))}">${esc(r.suite)}</a>`).join('');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>moe-bench report</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header class="top">
<h1>moe-bench report</h1>
<dl>
<dt>Date</dt><dd>${esc(machine.date)}</dd>
<dt>Machine</dt><dd>${esc(machineLine(machine))}</dd>
<dt>Backend</dt><dd>${esc(backends(reports))}</dd>
<dt>Suites</dt><dd>${reports.length === 0 ? 'none' : esc(reports.map((r) => r.suite).join(', '))}</dd>
</dl>
</header>
${reports.length > 0 ? `<nav class="toc"><a href="#overview">claims</a>${toc}</nav>` : ''}
<main>
${reports.length === 0 ? '<section class="card"><p>No reports in this folder yet.</p></section>' : ''}
${overview(reports)}
${sections.join('\n')}
</main>
<footer>Written by moe-bench from the JSON reports in this folder. Self-contained: no scripts, nothing loaded from the network.</footer>
</body>
</html>
`;
  return { html, charts, warnings };
}
