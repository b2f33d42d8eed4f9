/**
 * What `moe-bench run` does after argument parsing: start the backend, run the suites (with
 * SIGINT handling), print the leaderboard, write summary.md.
 */
import * as path from 'path';
import {
  createReporter,
  findWorkspaceRoot,
  initBackend,
  type BackendInfo,
  type BackendName,
  type ProgressStream,
} from '@moe-zoo/core';
import { renderLeaderboard } from './leaderboard';
import { readAllReports } from './reports';
import { runSuites, type RunOutcome } from './runner';
import { writeReportFiles } from './summary';
import type { Suite, SuiteReport } from './types';

/** Exit code of a run interrupted by SIGINT (128 + 2). */
export const EXIT_INTERRUPTED = 130;

/** The streams the CLI writes to. */
export interface CliIO {
  /** Backend line, leaderboard, where reports went. */
  stdout: ProgressStream;
  /** Progress, logs, errors. */
  stderr: ProgressStream;
}

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
  backend: BackendName | 'auto';
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

/** `backend: wasm, 2 threads (@tensorflow/tfjs-backend-wasm)`. */
export function backendLine(info: BackendInfo): string {
  const threads = `${info.threads} thread${info.threads === 1 ? '' : 's'}`;
  const skipped = info.skipped.length > 0 ? `; skipped ${info.skipped.join('; ')}` : '';
  return `backend: ${info.name}, ${threads} (${info.provider}${skipped})`;
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
  const backend = await initBackend({ backend: plan.backend });
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
      { quick: plan.quick, seeds: plan.seeds, outDir: plan.outDir, backend, resume: plan.resume, reporter },
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
