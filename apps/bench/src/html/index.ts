/** The self-contained HTML report (`<out>/index.html`). */
import * as path from 'path';
import { writeFileAtomic } from '@moe-zoo/core';
import { readFigure } from '../reports';
import type { MachineInfo } from '../summary';
import type { SuiteReport } from '../types';
import { renderHtmlReport, type HtmlReport } from './page';

export { planCharts, qualityMetric, type ChartPlan } from './charts';
export { escapeHtml } from './escape';
export { renderHtmlReport, type HtmlReport, type HtmlReportInput } from './page';
export { renderSvg, scopeSvgIds } from './svg';

/** File name of the HTML report inside the output directory. */
export const HTML_FILE = 'index.html';

/**
 * Renders `index.html` from `reports` and the figure PNGs they list (read from `outDir`, embedded
 * as data: URIs) and writes it atomically to `<outDir>/index.html`. Returns its path and what the
 * renderer warned about (missing figures, chart warnings).
 *
 * @example
 * ```ts
 * const { file } = await writeHtmlReport('reports', (await readAllReports('reports')).reports, machineInfo());
 * ```
 */
export async function writeHtmlReport(
  outDir: string,
  reports: SuiteReport[],
  machine: MachineInfo,
): Promise<{ file: string } & Omit<HtmlReport, 'html'>> {
  const figures = new Map<string, Uint8Array>();
  const problems: string[] = [];
  for (const report of reports) {
    for (const ref of report.figures ?? []) {
      const got = await readFigure(outDir, ref);
      if (got.png) figures.set(ref.file, got.png);
      else problems.push(got.problem);
    }
  }
  const { html, charts, warnings } = await renderHtmlReport({ reports, machine, figures });
  const file = path.join(outDir, HTML_FILE);
  await writeFileAtomic(file, html);
  return { file, charts, warnings: [...problems, ...warnings] };
}
