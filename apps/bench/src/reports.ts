/** Reading and writing `<out>/<suite>.json` report files. */
import { promises as fsp } from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '@moe-zoo/core';
import { validateReport } from './schema';
import type { SuiteReport } from './types';

/** The JSON file of `suite` in `outDir`. */
export function reportPath(outDir: string, suite: string): string {
  return path.join(outDir, `${suite}.json`);
}

/** Writes a report atomically (temporary file + rename) and returns its path. */
export async function writeReport(outDir: string, report: SuiteReport): Promise<string> {
  const file = reportPath(outDir, report.suite);
  await fsp.mkdir(outDir, { recursive: true });
  await writeFileAtomic(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

/** Reads and validates one report; throws naming the file and the bad fields. */
export async function readReport(file: string): Promise<SuiteReport> {
  const text = await fsp.readFile(file, 'utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`, { cause: e });
  }
  return validateReport(value, file);
}

/** What {@link readAllReports} found. */
export interface ReportsInDir {
  /** Valid reports, ordered by suite name. */
  reports: SuiteReport[];
  /** One message per `.json` file that is not a valid report. */
  skipped: string[];
}

/** Every valid report in `outDir` (a missing directory has none). */
export async function readAllReports(outDir: string): Promise<ReportsInDir> {
  let names: string[];
  try {
    names = await fsp.readdir(outDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { reports: [], skipped: [] };
    throw e;
  }
  const reports: SuiteReport[] = [];
  const skipped: string[] = [];
  for (const name of names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort()) {
    try {
      reports.push(await readReport(path.join(outDir, name)));
    } catch (e) {
      skipped.push((e as Error).message);
    }
  }
  reports.sort((a, b) => a.suite.localeCompare(b.suite));
  return { reports, skipped };
}
