/**
 * What `moe-bench run` does after argument parsing: start the backend, run the suites (with
 * SIGINT handling), print the leaderboard, write summary.md.
 */
import { promises as fsp } from 'fs';
import * as path from 'path';
import {
  createReporter,
  describeAdapter,
  findWorkspaceRoot,
  initBackend,
  makeDirs,
  type BackendInfo,
  type BackendName,
  type CliIO,
} from '@moe-zoo/core';
import { renderLeaderboard } from './leaderboard';
import { readAllReports, reportPath } from './reports';
import { runSuites, type RunOutcome } from './runner';
import { writeReportFiles } from './summary';
import type { Suite, SuiteReport } from './types';

/** Exit code of a run interrupted by SIGINT (128 + 2). */
export const EXIT_INTERRUPTED = 130;

/** Where SIGINT comes from (`process`, or an EventEmitter in tests). */
export interface SignalSource {
  once(event: 'SIGINT', listener: () => void): unknown;
  removeListener(event: 'SIGINT', listener: () => void): unknown;
}

/** A fully resolved `run`. */
export interface BenchRunPlan {
  suites: Suite[];
  quick: boolean;
  seeds: number;
  /** Tiny sizes where a suite has them (`SuiteContext.tiny`); default false. */
  tiny?: boolean;
  backend: BackendName | 'auto';
  /** wasm threads (default `MOE_THREADS`, else min(2, cores)). */
  threads?: number;
  outDir: string;
  resume: boolean;
}

/** Environment of {@link executeRun}. */
export interface BenchRunEnv {
  io: CliIO;
  signals: SignalSource;
  /** Force progress bars (true) or lines (false); default: whether stderr is a TTY. */
  tty?: boolean;
}

/** `reports/` under the repository root (found from the cwd, then from this file), else under the cwd. */
export function defaultOutDir(cwd: string = process.cwd()): string {
  return path.join(findWorkspaceRoot(cwd) ?? findWorkspaceRoot(__dirname) ?? cwd, 'reports');
}

/** Sub-folder of the reports folder where full-mode runs go by default: `reports/full`. */
export const FULL_SUBDIR = 'full';

/** Sub-folder of the reports folder where `--tiny` runs go by default: `reports/tiny`. */
export const TINY_SUBDIR = 'tiny';

/**
 * Default report folder of a run: `reportsDir` (default {@link defaultOutDir}) for quick runs,
 * `<reportsDir>/full` for full runs, so a quick run never overwrites the committed full reports.
 */
export function defaultOutDirFor(quick: boolean, reportsDir: string = defaultOutDir()): string {
  return quick ? reportsDir : path.join(reportsDir, FULL_SUBDIR);
}

/** What {@link checkOutDir} needs to know about a run. */
export interface OutDirCheck {
  suites: readonly Pick<Suite, 'name'>[];
  quick: boolean;
  outDir: string;
  /** The full-mode report folder (`<repo>/reports/full`); a quick run may not write there. */
  fullDir: string;
  /** Write even into a folder holding reports of the other mode. */
  force: boolean;
}

function modeName(quick: boolean): string {
  return quick ? 'quick' : 'full';
}

/** The `quick` flag of an existing `<suite>.json`, or undefined when there is none (or it is unreadable). */
async function existingMode(file: string): Promise<boolean | undefined> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const value = JSON.parse(text) as { quick?: unknown } | null;
    return typeof value?.quick === 'boolean' ? value.quick : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Checks, before any suite runs, that a run may write into its report folder. Returns the
 * problem (a message naming the folder) or undefined:
 * - a quick run into the full-mode folder, or into a folder holding a full-mode report of a
 *   suite about to be written, and the converse (unless `force`);
 * - a folder that cannot be created or written.
 */
export async function checkOutDir(check: OutDirCheck): Promise<string | undefined> {
  const { quick, outDir } = check;
  if (!check.force) {
    const other = modeName(!quick);
    if (quick && path.resolve(outDir) === path.resolve(check.fullDir)) {
      return (
        `refusing to write quick-mode reports into ${outDir}, the full-mode report folder; ` +
        'drop --out (quick runs write reports/), add --full, or pass --force'
      );
    }
    const clashes: string[] = [];
    for (const suite of check.suites) {
      const file = reportPath(outDir, suite.name);
      const mode = await existingMode(file);
      if (mode !== undefined && mode !== quick) clashes.push(path.basename(file));
    }
    if (clashes.length > 0) {
      return (
        `refusing to overwrite ${other}-mode report${clashes.length > 1 ? 's' : ''} ${clashes.join(', ')} ` +
        `in ${outDir} with a ${modeName(quick)} run; ` +
        `${quick ? 'add --full' : 'add --quick'}, choose another --out, or pass --force`
      );
    }
  }
  return writableReportDir(outDir);
}

/** Creates the report folder and writes a probe file into it; returns the problem naming the folder, or undefined. */
export async function writableReportDir(outDir: string): Promise<string | undefined> {
  try {
    await makeDirs(outDir);
    const probe = path.join(outDir, `.moe-bench-write-test-${process.pid}`);
    await fsp.writeFile(probe, '');
    await fsp.rm(probe, { force: true });
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    return `cannot write to the report folder ${outDir} (${why})`;
  }
  return undefined;
}

/** `backend: wasm, 2 threads (@tensorflow/tfjs-backend-wasm)`. */
export function backendLine(info: BackendInfo): string {
  const threads = `${info.threads} thread${info.threads === 1 ? '' : 's'}`;
  const skipped = info.skipped.length > 0 ? `; skipped ${info.skipped.join('; ')}` : '';
  const on = info.adapter ? ` on ${describeAdapter(info.adapter)}` : `, ${threads}`;
  return `backend: ${info.name}${on} (${info.provider}${skipped})`;
}

type Finished = { kind: 'done'; outcome: RunOutcome } | { kind: 'interrupted' };

function interruptMessage(current: string | undefined, completed: SuiteReport[], outDir: string): string {
  const lines = [`\ninterrupted${current ? ` while running "${current}"` : ''}.`];
  if (completed.length === 0) lines.push('no suite completed.');
  else {
    lines.push(
      `completed: ${completed.map((r) => r.suite).join(', ')} (reports in ${outDir}).`,
      'run the same command with --resume to skip them.',
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Runs a plan and returns the exit code: 0 all suites succeeded, 1 some failed,
 * {@link EXIT_INTERRUPTED} on SIGINT (finished suites' reports are already on disk then).
 */
export async function executeRun(plan: BenchRunPlan, env: BenchRunEnv): Promise<number> {
  const { io } = env;
  const backend = await initBackend({ backend: plan.backend, threads: plan.threads });
  io.stdout.write(`${backendLine(backend)}\n`);

  const reporter = createReporter({ stream: io.stderr, tty: env.tty });
  const completed: SuiteReport[] = [];
  let current: string | undefined;
  let onSigint = (): void => {};
  const interrupted = new Promise<Finished>((resolve) => {
    onSigint = () => resolve({ kind: 'interrupted' });
  });
  env.signals.once('SIGINT', onSigint);
  let finished: Finished;
  try {
    const running = runSuites(
      plan.suites,
      {
        quick: plan.quick,
        tiny: plan.tiny,
        seeds: plan.seeds,
        outDir: plan.outDir,
        backend,
        resume: plan.resume,
        reporter,
      },
      { onStart: (name) => (current = name), onReport: (report) => completed.push(report) },
    ).then((outcome): Finished => ({ kind: 'done', outcome }));
    finished = await Promise.race([running, interrupted]);
  } finally {
    env.signals.removeListener('SIGINT', onSigint);
    reporter.close();
  }
  if (finished.kind === 'interrupted') {
    io.stderr.write(interruptMessage(current, completed, plan.outDir));
    return EXIT_INTERRUPTED;
  }

  const { outcome } = finished;
  io.stdout.write(`\n${renderLeaderboard(outcome.reports, { color: !!io.stdout.isTTY })}`);
  const all = await readAllReports(plan.outDir);
  for (const why of all.skipped) io.stderr.write(`summary: skipped ${why}\n`);
  const files = await writeReportFiles(plan.outDir, all.reports);
  for (const w of files.warnings) io.stderr.write(`report: ${w}\n`);
  io.stdout.write(
    `\nreports: ${plan.outDir} (${all.reports.map((r) => `${r.suite}.json`).join(', ') || 'none'})\n` +
      `summary: ${files.summary}\nhtml: ${files.html}\n`,
  );
  if (outcome.failures.length > 0) {
    const names = outcome.failures.map((f) => f.suite).join(', ');
    io.stderr.write(`${outcome.failures.length} suite(s) failed: ${names}\n`);
  }
  return outcome.exitCode;
}
