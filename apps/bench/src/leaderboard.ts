/** The terminal leaderboard printed after a bench run. */
import { describePart, isLegacy, verdictLabel } from './claims';
import { describeRun, formatCount, formatMetric, formatNumber, mainMetricNames, metricNames } from './format';
import { renderTable, type Column } from './table';
import type { Claim, LegacyClaim, SuiteReport } from './types';

/** Options of {@link renderLeaderboard}. */
export interface LeaderboardOptions {
  /** Use ANSI colours (pass `stdout.isTTY`); default false, so piped output stays plain. */
  color?: boolean;
}

const ANSI = { bold: '\x1b[1m', green: '\x1b[32m', red: '\x1b[31m', dim: '\x1b[2m', reset: '\x1b[0m' };

type Paint = (code: keyof typeof ANSI, s: string) => string;

const MARKS: Record<string, string> = { holds: '✓', fails: '✗', inconclusive: '?' };

/** The verdict of a claim as shown in the terminal and in summary.md, e.g. `✓ holds`, `? inconclusive`. */
export function verdict(claim: Claim | LegacyClaim): string {
  const label = verdictLabel(claim);
  return isLegacy(claim) ? `(${label})` : `${MARKS[label]} ${label}`;
}

function colourOf(claim: Claim | LegacyClaim): 'green' | 'red' | 'dim' {
  if (isLegacy(claim) || claim.verdict === 'inconclusive') return 'dim';
  return claim.verdict === 'holds' ? 'green' : 'red';
}

function suiteTable(report: SuiteReport, paint: Paint): string {
  if (report.rows.length === 0) return '(no rows)';
  const metrics = mainMetricNames(report);
  const columns: Column[] = [
    { header: 'model' },
    { header: 'variant' },
    { header: 'task' },
    { header: 'params tot/act', right: true },
    { header: 'FLOPs/sample', right: true },
    ...metrics.map((m) => ({ header: m, right: true })),
    { header: 'ms/batch', right: true },
  ];
  const rows = report.rows.map((r) => [
    r.model,
    r.variant,
    r.task,
    `${formatCount(r.paramsTotal)}/${formatCount(r.paramsActive)}`,
    formatCount(r.flopsPerSample),
    ...metrics.map((m) => formatMetric(r, m)),
    formatNumber(r.latencyMsPerBatch),
  ]);
  let text = renderTable(columns, rows, (h) => paint('bold', h));
  const hidden = metricNames(report).length - metrics.length;
  if (hidden > 0) text += `\n${paint('dim', `(+${hidden} more metrics in ${report.suite}.json)`)}`;
  return text;
}

function claimLines(claims: (Claim | LegacyClaim)[], paint: Paint): string[] {
  if (claims.length === 0) return [];
  const width = Math.max(...claims.map((c) => verdict(c).length));
  const lines = ['claims:'];
  const pad = ' '.repeat(width);
  for (const c of claims) {
    const mark = paint(colourOf(c), verdict(c).padEnd(width));
    lines.push(`  ${mark}  ${c.id} (${c.paper}): ${c.statement}`);
    if (!isLegacy(c)) for (const p of c.parts) lines.push(`  ${pad}  ${paint('dim', describePart(p))}`);
    if (c.evidence !== '') lines.push(`  ${pad}  ${paint('dim', `evidence: ${c.evidence}`)}`);
  }
  return lines;
}

/**
 * Renders one section per report: a header with how it ran, an aligned table of its rows
 * (model, variant, task, params total/active, FLOPs/sample, the main metrics, latency) and its
 * claims with their verdicts (✓ holds / ✗ fails / ? inconclusive), tests and evidence.
 *
 * @example
 * ```ts
 * process.stdout.write(renderLeaderboard(reports, { color: process.stdout.isTTY }));
 * ```
 */
export function renderLeaderboard(reports: SuiteReport[], options: LeaderboardOptions = {}): string {
  const paint: Paint = options.color ? (code, s) => `${ANSI[code]}${s}${ANSI.reset}` : (_code, s) => s;
  const sections = reports.map((report) => {
    const lines = [
      paint('bold', `== ${report.suite} (${describeRun(report)}) ==`),
      suiteTable(report, paint),
    ];
    const claims = claimLines(report.claims, paint);
    if (claims.length > 0) lines.push('', ...claims);
    if (report.notes && report.notes.length > 0) lines.push('', ...report.notes.map((n) => `note: ${n}`));
    return lines.join('\n');
  });
  return sections.length === 0 ? 'no reports\n' : `${sections.join('\n\n')}\n`;
}
