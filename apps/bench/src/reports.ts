/** Reading and writing `<out>/<suite>.json` report files and the figures next to them. */
import { promises as fsp } from 'fs';
import * as path from 'path';
import { makeDirs, writeFileAtomic } from '@moe-zoo/core';
import { FIGURE_NAME, ReportValidationError, validateReport } from './schema';
import type { FigureRef, SuiteFigure, SuiteReport } from './types';

/** The JSON file of `suite` in `outDir`. */
export function reportPath(outDir: string, suite: string): string {
  return path.join(outDir, `${suite}.json`);
}

/** Writes a report atomically (temporary file + rename) and returns its path. */
export async function writeReport(outDir: string, report: SuiteReport): Promise<string> {
  const file = reportPath(outDir, report.suite);
  await makeDirs(outDir);
  await writeFileAtomic(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

async function readJson(file: string): Promise<unknown> {
  const text = await fsp.readFile(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`, { cause: e });
  }
}

/** Reads and validates one report; throws naming the file and the bad fields. */
export async function readReport(file: string): Promise<SuiteReport> {
  return validateReport(await readJson(file), file);
}

/** Other tools' reports in the same folder (fuzz.json, webgpu-parity.json) are objects without a `suite`. */
function isOtherReport(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !('suite' in value);
}

/** What {@link readAllReports} found. */
export interface ReportsInDir {
  /** Valid reports, ordered by suite name. */
  reports: SuiteReport[];
  /** One message per `.json` file that is not a valid report (other tools' reports are not counted). */
  skipped: string[];
}

/**
 * Every valid suite report in `outDir` (a missing directory has none); other tools' reports there
 * (objects without a `suite`, such as fuzz.json) are left alone.
 */
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
    const file = path.join(outDir, name);
    try {
      const value = await readJson(file);
      if (!isOtherReport(value)) reports.push(validateReport(value, file));
    } catch (e) {
      skipped.push((e as Error).message);
    }
  }
  reports.sort((a, b) => a.suite.localeCompare(b.suite));
  return { reports, skipped };
}

/** The 8 bytes every PNG file starts with. */
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Whether `bytes` starts with the PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length > PNG_SIGNATURE.length && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

/** File name (inside the report folder) of figure `name` of `suite`: `<suite>-<name>.png`. */
export function figureFileName(suite: string, name: string): string {
  return `${suite}-${name}.png`;
}

/**
 * Checks the `figures` a suite returned: an array of `{ name, title, png }` with file-safe,
 * unique names and PNG bytes. Throws a {@link ReportValidationError} naming each bad field
 * (`figures[0].png`), with a message starting with `what`.
 */
export function checkFigures(value: unknown, what: string): SuiteFigure[] {
  if (value === undefined) return [];
  const problems: [string, string][] = [];
  if (!Array.isArray(value)) problems.push(['figures', 'expected an array of { name, title, png }']);
  else {
    const seen = new Set<string>();
    value.forEach((f: unknown, i) => {
      const at = `figures[${i}]`;
      if (typeof f !== 'object' || f === null) {
        problems.push([at, 'expected { name, title, png }']);
        return;
      }
      const { name, title, png, ...rest } = f as Record<string, unknown>;
      for (const key of Object.keys(rest)) problems.push([`${at}.${key}`, 'unrecognized key']);
      if (typeof name !== 'string' || !FIGURE_NAME.test(name)) {
        problems.push([`${at}.name`, 'must be letters, digits, "-", "_" or "." (a file name part)']);
      } else if (seen.has(name)) problems.push([`${at}.name`, `duplicate figure name "${name}"`]);
      else seen.add(name);
      if (typeof title !== 'string') problems.push([`${at}.title`, 'expected a string']);
      if (!(png instanceof Uint8Array)) problems.push([`${at}.png`, 'expected PNG bytes (a Uint8Array)']);
      else if (!isPng(png)) problems.push([`${at}.png`, 'not a PNG (missing the PNG signature)']);
    });
  }
  if (problems.length > 0) {
    throw new ReportValidationError(
      `${what}: ${problems.map(([field, why]) => `${field}: ${why}`).join('; ')}`,
      problems.map(([field]) => field),
    );
  }
  return value as SuiteFigure[];
}

/**
 * Writes each figure atomically to `<outDir>/<suite>-<name>.png` and returns the references the
 * suite JSON lists (`file` relative to `outDir`).
 */
export async function writeFigures(
  outDir: string,
  suite: string,
  figures: SuiteFigure[],
): Promise<FigureRef[]> {
  await makeDirs(outDir);
  const refs: FigureRef[] = [];
  for (const figure of figures) {
    const file = figureFileName(suite, figure.name);
    await writeFileAtomic(path.join(outDir, file), figure.png);
    refs.push({ name: figure.name, title: figure.title, file });
  }
  return refs;
}

/** The PNG bytes of a listed figure, or undefined (with the reason) when the file is missing or not a PNG. */
export async function readFigure(
  outDir: string,
  ref: FigureRef,
): Promise<{ png: Uint8Array; problem?: undefined } | { png?: undefined; problem: string }> {
  const file = path.join(outDir, path.basename(ref.file));
  let png: Uint8Array;
  try {
    png = await fsp.readFile(file);
  } catch (e) {
    return {
      problem: `${ref.file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    };
  }
  return isPng(png) ? { png } : { problem: `${ref.file}: not a PNG file` };
}
