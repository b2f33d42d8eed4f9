/** Runs suites: builds their context, times them, validates and writes their reports. */
import { performance } from 'perf_hooks';
import { describeAdapter, setSeed, type BackendInfo, type Reporter } from '@moe-zoo/core';
import { formatSeconds } from './format';
import { TimingLog } from './perf/timing';
import { checkFigures, figureFileName, readReport, reportPath, writeFigures, writeReport } from './reports';
import { ReportValidationError, validateReport } from './schema';
import { refreshSummary } from './summary';
import type { Suite, SuiteContext, SuiteFigure, SuiteReport } from './types';

/** Seeds of a quick run unless `--seeds` says otherwise. */
export const QUICK_SEEDS = 1;
/** Seeds of a full run unless `--seeds` says otherwise. */
export const FULL_SEEDS = 3;

/** Options of {@link runSuite} and {@link runSuites}. */
export interface RunOptions {
  /** Small data and few steps, for a first look and CI. */
  quick: boolean;
  /** Tiny sizes where a suite has them (smoke runs on slow backends); implies quick. Default false. */
  tiny?: boolean;
  /** Number of seeds; the suite gets seeds `[0, ..., seeds - 1]`. */
  seeds: number;
  /** Where `<suite>.json` goes (created if missing). */
  outDir: string;
  /** The backend `initBackend` selected. */
  backend: BackendInfo;
  /** Skip a suite whose report already exists with the same quick flag and seed count. */
  resume?: boolean;
  /** Progress bars or lines, and log output. */
  reporter: Reporter;
  /**
   * Rewrite `summary.md` and `index.html` in `outDir` from every report there after each suite
   * (default true), so an interrupted run still leaves a readable report.
   */
  summary?: boolean;
}

/** A suite that threw or returned a malformed result; the message names the suite. */
export class SuiteError extends Error {
  constructor(
    readonly suite: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SuiteError';
  }
}

/** `[0, 1, ..., n - 1]`. */
export function seedList(n: number): number[] {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`seeds must be a positive integer, got ${n}`);
  return Array.from({ length: n }, (_, i) => i);
}

function describeMode(quick: boolean, seeds: number): string {
  return `${quick ? 'quick' : 'full'}, ${seeds} seed${seeds === 1 ? '' : 's'}`;
}

/** The existing report of `suite` when `--resume` may reuse it, else undefined (with a log line why). */
async function resumable(suite: Suite, options: RunOptions): Promise<SuiteReport | undefined> {
  const file = reportPath(options.outDir, suite.name);
  let existing: SuiteReport;
  try {
    existing = await readReport(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      options.reporter.log(`${suite.name}: cannot resume, running again (${(e as Error).message})`);
    }
    return undefined;
  }
  if (existing.quick === options.quick && existing.seeds.length === options.seeds) {
    options.reporter.log(
      `${suite.name}: skipped (--resume): ${file} already holds a run (${describeMode(options.quick, options.seeds)})`,
    );
    return existing;
  }
  options.reporter.log(
    `${suite.name}: ${file} holds a run (${describeMode(existing.quick, existing.seeds.length)}), ` +
      `not (${describeMode(options.quick, options.seeds)}); running again`,
  );
  return undefined;
}

function contextFor(suite: Suite, options: RunOptions, seeds: number[]): SuiteContext {
  return {
    quick: options.quick,
    tiny: options.tiny ?? false,
    seeds,
    backend: options.backend,
    progress: (label, total) => options.reporter.progress(`${suite.name}: ${label}`, total),
    log: (message) => options.reporter.log(`[${suite.name}] ${message}`),
    timing: new TimingLog(),
  };
}

/**
 * Validates what a suite returned: the report (header first in the JSON; the runner's header
 * values win over any the suite returned) and the figures, reporting every bad field of both.
 */
function checkResult(
  suite: Suite,
  header: Pick<
    SuiteReport,
    'suite' | 'quick' | 'backend' | 'adapter' | 'threads' | 'seeds' | 'startedAt' | 'durationS'
  >,
  result: Record<string, unknown>,
): { report: SuiteReport; figures: SuiteFigure[] } {
  const what = `suite "${suite.name}" returned an invalid result`;
  const { figures: rawFigures, ...rest } = result;
  const errors: ReportValidationError[] = [];
  let figures: SuiteFigure[] = [];
  try {
    figures = checkFigures(rawFigures, what);
  } catch (e) {
    errors.push(e as ReportValidationError);
  }
  const refs = figures.map((f) => ({
    name: f.name,
    title: f.title,
    file: figureFileName(suite.name, f.name),
  }));
  let report: SuiteReport | undefined;
  try {
    report = validateReport(
      { ...header, ...rest, ...header, ...(refs.length > 0 ? { figures: refs } : {}) },
      what,
    );
  } catch (e) {
    errors.push(e as ReportValidationError);
  }
  if (report) {
    // The schema still reads reports written before paired statistics; a new result must be paired.
    const missing = [
      ...report.rows.flatMap((r, i) => (r.perSeed ? [] : [`rows[${i}].perSeed`])),
      ...report.claims.flatMap((c, i) => ('verdict' in c ? [] : [`claims[${i}].verdict`])),
    ];
    if (missing.length > 0) {
      errors.push(
        new ReportValidationError(
          `${what}: ${missing.map((f) => `${f}: required in a new report`).join('; ')}`,
          missing,
        ),
      );
    }
  }
  if (errors.length > 0 || !report) {
    const fields = errors.flatMap((e) => e.fields);
    const details = errors.map((e) => e.message.slice(what.length + 2)).join('; ');
    const error = new ReportValidationError(`${what}: ${details}`, fields);
    throw new SuiteError(suite.name, error.message, { cause: error });
  }
  return { report, figures };
}

/**
 * Runs one suite and returns its report, which is also on disk as `<outDir>/<suite>.json`
 * (written atomically) by then, with its figures as `<outDir>/<suite>-<name>.png`. The runner
 * fills the header (suite, quick, backend, threads, seeds, startedAt, durationS), validates the
 * whole report against the contract, then (unless `summary: false`) rewrites summary.md and
 * index.html from every report in `outDir`.
 *
 * @throws {@link SuiteError} naming the suite when it throws or returns a malformed result
 *   (the message then names the offending field, e.g. `rows[0].model`).
 *
 * @example
 * ```ts
 * const report = await runSuite(suite, { quick: true, seeds: 1, outDir: 'reports', backend, reporter });
 * ```
 */
export async function runSuite(suite: Suite, options: RunOptions): Promise<SuiteReport> {
  const seeds = seedList(options.seeds);
  if (options.resume) {
    const existing = await resumable(suite, options);
    if (existing) return existing;
  }
  options.reporter.log(`${suite.name}: running (${describeMode(options.quick, options.seeds)})`);
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  let result: unknown;
  // A suite's numbers must not depend on which suites ran before it in the same process.
  setSeed(0);
  try {
    const ctx = contextFor(suite, options, seeds);
    const returned = await suite.run(ctx);
    const timing = ctx.timing.summary();
    result = timing && typeof returned === 'object' && returned !== null ? { ...returned, timing } : returned;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new SuiteError(suite.name, `suite "${suite.name}" failed: ${why}`, { cause: e });
  }
  const durationS = Math.round(performance.now() - t0) / 1000;
  if (typeof result !== 'object' || result === null || Array.isArray(result)) {
    throw new SuiteError(
      suite.name,
      `suite "${suite.name}" returned no result object (got ${String(result)})`,
    );
  }
  const header = {
    suite: suite.name,
    quick: options.quick,
    backend: options.backend.name,
    ...(options.backend.adapter ? { adapter: describeAdapter(options.backend.adapter) } : {}),
    threads: options.backend.threads,
    seeds,
    startedAt,
    durationS,
  };
  const { report, figures } = checkResult(suite, header, result as Record<string, unknown>);
  await writeFigures(options.outDir, suite.name, figures);
  const file = await writeReport(options.outDir, report);
  options.reporter.log(`${suite.name}: finished in ${formatSeconds(durationS)}, wrote ${file}`);
  if (options.summary !== false) {
    try {
      const { warnings } = await refreshSummary(options.outDir);
      for (const w of warnings) options.reporter.log(`report: ${w}`);
    } catch (e) {
      options.reporter.log(`${suite.name}: could not update the summary: ${(e as Error).message}`);
    }
  }
  return report;
}

/** Callbacks of {@link runSuites}, e.g. to know which suites finished when interrupted. */
export interface RunEvents {
  onStart?(suite: string): void;
  /** The suite's report is on disk (freshly written or reused by `--resume`). */
  onReport?(report: SuiteReport): void;
}

/** What {@link runSuites} did. */
export interface RunOutcome {
  /** Reports of the suites that succeeded, in run order. */
  reports: SuiteReport[];
  /** Suites that failed, with their errors. */
  failures: SuiteError[];
  /** 0 when every suite succeeded, else 1. */
  exitCode: 0 | 1;
}

function failureLines(error: SuiteError): string[] {
  const lines = [`✗ ${error.message}`];
  const cause = error.cause;
  if (cause instanceof Error && !(cause instanceof ReportValidationError) && cause.stack) {
    lines.push(
      ...cause.stack
        .split('\n')
        .filter((l) => /^\s+at /.test(l))
        .slice(0, 8),
    );
  }
  return lines;
}

/**
 * Runs suites one after the other. A failing suite is reported (with its name) and the others
 * still run; the outcome's exit code is then 1.
 *
 * @example
 * ```ts
 * const { reports, exitCode } = await runSuites(SUITES, options);
 * ```
 */
export async function runSuites(
  suites: Suite[],
  options: RunOptions,
  events: RunEvents = {},
): Promise<RunOutcome> {
  const reports: SuiteReport[] = [];
  const failures: SuiteError[] = [];
  const overall = suites.length > 1 ? options.reporter.progress('suites', suites.length) : undefined;
  for (const suite of suites) {
    events.onStart?.(suite.name);
    try {
      const report = await runSuite(suite, options);
      reports.push(report);
      events.onReport?.(report);
    } catch (e) {
      const error =
        e instanceof SuiteError
          ? e
          : new SuiteError(suite.name, `suite "${suite.name}" failed: ${(e as Error).message}`, { cause: e });
      failures.push(error);
      for (const line of failureLines(error)) options.reporter.log(line);
    }
    overall?.tick(1, { last: suite.name });
  }
  overall?.done();
  return { reports, failures, exitCode: failures.length === 0 ? 0 : 1 };
}
