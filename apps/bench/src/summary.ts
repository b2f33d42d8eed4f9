/**
 * `<out>/summary.md`: the machine, the backend and every suite's rows and claims as Markdown;
 * written together with the HTML report `<out>/index.html`.
 */
import * as os from 'os';
import * as path from 'path';
import { writeFileAtomic } from '@moe-zoo/core';
import { describeRun, rowTable } from './format';
import { writeHtmlReport } from './html';
import { describePart, isLegacy } from './claims';
import { verdict } from './leaderboard';
import { readAllReports } from './reports';
import type { SuiteReport } from './types';

/** File name of the summary inside the output directory. */
export const SUMMARY_FILE = 'summary.md';

/** The machine a summary was produced on. */
export interface MachineInfo {
  /** When the summary was written (ISO 8601). */
  date: string;
  cpuModel: string;
  cpuCount: number;
  memoryBytes: number;
  /** e.g. `linux x64`. */
  platform: string;
  /** e.g. `v20.19.0`. */
  node: string;
}

/** Describes this machine now. */
export function machineInfo(now: Date = new Date()): MachineInfo {
  const cpus = os.cpus();
  return {
    date: now.toISOString(),
    cpuModel: cpus[0]?.model.trim() || 'unknown CPU',
    cpuCount: cpus.length,
    memoryBytes: os.totalmem(),
    platform: `${os.platform()} ${os.arch()}`,
    node: process.version,
  };
}

/** Makes text safe inside a Markdown table cell. */
function cell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

function tableMd(headers: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.map(cell).join(' | ')} |`;
  return [line(headers), `|${headers.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

function rowsMd(report: SuiteReport): string {
  if (report.rows.length === 0) return '_No rows._';
  const { headers, rows } = rowTable(report);
  return tableMd(headers, rows);
}

function claimsMd(report: SuiteReport): string {
  if (report.claims.length === 0) return '_No claims._';
  const rows = report.claims.map((c) => [
    `${c.id}: ${c.statement}`,
    c.paper,
    verdict(c),
    isLegacy(c)
      ? 'decided by the old tie rule (before paired statistics)'
      : c.parts.map(describePart).join('\n'),
    c.evidence,
  ]);
  return tableMd(
    ['claim', 'paper', 'verdict', 'difference [95% interval], test, seeds x items', 'evidence'],
    rows,
  );
}

function backendsOf(reports: SuiteReport[]): string {
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

/**
 * Renders summary.md: the date, the machine (CPU model and count, memory), the backend and
 * threads, then per suite a table of its rows and a table of its claims. Pure: the same input
 * gives the same text.
 *
 * @example
 * ```ts
 * const md = renderSummary(reports, machineInfo());
 * ```
 */
export function renderSummary(reports: SuiteReport[], machine: MachineInfo): string {
  const gib = (machine.memoryBytes / 2 ** 30).toFixed(1);
  const parts = [
    '# moe-bench summary',
    [
      `- Date: ${machine.date}`,
      `- Machine: ${machine.cpuModel}, ${machine.cpuCount} CPUs, ${gib} GiB memory (${machine.platform}, Node ${machine.node})`,
      `- Backend: ${backendsOf(reports)}`,
      `- Suites: ${reports.length === 0 ? 'none' : reports.map((r) => r.suite).join(', ')}`,
    ].join('\n'),
  ];
  for (const report of reports) {
    parts.push(`## ${report.suite}`, `${describeRun(report)}; started ${report.startedAt}.`);
    parts.push(rowsMd(report), '### Claims', claimsMd(report));
    if (report.figures && report.figures.length > 0) {
      const alt = (t: string): string => t.replace(/[[\]\\]/g, '\\$&').replace(/\r?\n/g, ' ');
      parts.push('### Figures', report.figures.map((f) => `![${alt(f.title)}](${f.file})`).join('\n\n'));
    }
    if (report.notes && report.notes.length > 0) {
      parts.push('### Notes', report.notes.map((n) => `- ${n}`).join('\n'));
    }
  }
  return `${parts.join('\n\n')}\n`;
}

/** What {@link writeReportFiles} wrote. */
export interface ReportFiles {
  /** Path of summary.md. */
  summary: string;
  /** Path of index.html. */
  html: string;
  /** Chart ids of index.html, in page order. */
  charts: string[];
  /** Missing or unreadable figures and chart compiler warnings. */
  warnings: string[];
}

/**
 * Writes `<outDir>/summary.md` and `<outDir>/index.html` (the self-contained HTML report with
 * charts and figures), each atomically.
 */
export async function writeReportFiles(
  outDir: string,
  reports: SuiteReport[],
  machine: MachineInfo = machineInfo(),
): Promise<ReportFiles> {
  const summary = path.join(outDir, SUMMARY_FILE);
  await writeFileAtomic(summary, renderSummary(reports, machine));
  try {
    const { file, charts, warnings } = await writeHtmlReport(outDir, reports, machine);
    return { summary, html: file, charts, warnings };
  } catch (e) {
    throw new Error(`${path.join(outDir, 'index.html')}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Writes `<outDir>/summary.md` and `<outDir>/index.html` atomically and returns the summary's
 * path (see {@link writeReportFiles} for both paths and the warnings).
 */
export async function writeSummary(
  outDir: string,
  reports: SuiteReport[],
  machine: MachineInfo = machineInfo(),
): Promise<string> {
  return (await writeReportFiles(outDir, reports, machine)).summary;
}

/**
 * Rewrites summary.md and index.html from every valid report in `outDir`. `skipped` has one
 * message per `.json` file that is not a valid report.
 */
export async function refreshSummary(
  outDir: string,
  machine: MachineInfo = machineInfo(),
): Promise<ReportFiles & { skipped: string[] }> {
  const all = await readAllReports(outDir);
  return { ...(await writeReportFiles(outDir, all.reports, machine)), skipped: all.skipped };
}
