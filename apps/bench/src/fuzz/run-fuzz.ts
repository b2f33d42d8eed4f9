/**
 * The checkpoint fuzz run: every shipped model's folder is copied, mutated by each hostile case
 * and loaded in a child process watched for crashes, hangs and memory; the counts go to a report.
 */
import { execFile, spawn } from 'child_process';
import { promises as fsp, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { makeRng, permutation } from '@moe-zoo/core';
import { fuzzCases, type FuzzCase, type FuzzKind } from './cases';
import { REPORT_PREFIX, type ChildReport } from './child';

/** How one load ended, as the parent sees it. */
export type FuzzOutcome = 'loaded' | 'typed' | 'untyped' | 'crash' | 'hang' | 'memory';

/** Error classes that count as typed: they name the file or field and carry a code. */
export const TYPED_ERRORS: readonly string[] = ['CheckpointError', 'ConfigError'];

/** A model folder to attack and the package whose `loadPretrained` loads it. */
export interface FuzzTarget {
  name: string;
  packageName: string;
  dir: string;
}

/** Options of {@link runFuzz}. */
export interface FuzzOptions {
  targets: readonly FuzzTarget[];
  seed: number;
  /** Config cases per model, sampled by seed (all header, byte and special-file cases always run). */
  configCases: number;
  /** A load running longer than this is a hang (ms). */
  timeoutMs: number;
  /** A child whose resident memory passes this is killed (MiB). */
  memoryLimitMb: number;
  /** Called after each case. */
  onCase?: (done: number, total: number, result: FuzzResult) => void;
}

/** One case's result. */
export interface FuzzResult {
  model: string;
  kind: FuzzKind | 'genuine';
  case: string;
  outcome: FuzzOutcome;
  error?: string;
  ms: number;
  /** Peak resident memory of the child (MiB). */
  peakMb: number;
}

/** Counts per outcome. */
export type OutcomeCounts = Record<FuzzOutcome, number>;

/** The fuzz report written to reports/fuzz.json. */
export interface FuzzReport {
  startedAt: string;
  durationS: number;
  seed: number;
  limits: { timeoutMs: number; memoryLimitMb: number };
  totals: OutcomeCounts;
  byKind: Record<string, OutcomeCounts>;
  /** Typed errors by `Class CODE`. */
  typedErrors: Record<string, number>;
  /** Per model: its file bytes, the genuine load's peak memory and the largest peak of any case, and the slowest case. */
  models: {
    name: string;
    fileBytes: number;
    genuinePeakMb: number;
    maxPeakMb: number;
    maxMs: number;
    cases: number;
  }[];
  /** Every case that was not `loaded` or `typed`. */
  failures: FuzzResult[];
  results: FuzzResult[];
}

/** The compiled child script (the same file from src/ under Jest and from dist/). */
const CHILD = path.join(__dirname, '..', '..', 'dist', 'fuzz', 'child.js');

const emptyCounts = (): OutcomeCounts => ({ loaded: 0, typed: 0, untyped: 0, crash: 0, hang: 0, memory: 0 });

const exec = promisify(execFile);
const mkfifo = async (p: string): Promise<void> => {
  await exec('mkfifo', [p]);
};

/** Resident memory of a process in MiB (0 once it has gone). */
function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Loads `dir` in a child process; kills it on timeout or past the memory limit. */
function loadInChild(
  target: FuzzTarget,
  dir: string,
  o: Pick<FuzzOptions, 'timeoutMs' | 'memoryLimitMb'>,
): Promise<Omit<FuzzResult, 'model' | 'kind' | 'case'>> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CHILD, target.packageName, dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    let killedFor: 'hang' | 'memory' | undefined;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    const start = Date.now();
    const watch = setInterval(() => {
      if (child.pid === undefined) return;
      peak = Math.max(peak, rssMb(child.pid));
      if (peak > o.memoryLimitMb) killedFor ??= 'memory';
      else if (Date.now() - start > o.timeoutMs) killedFor ??= 'hang';
      if (killedFor) child.kill('SIGKILL');
    }, 20);
    child.on('close', (code, signal) => {
      clearInterval(watch);
      const ms = Date.now() - start;
      if (killedFor) return resolve({ outcome: killedFor, ms, peakMb: peak });
      const line = stdout.split('\n').find((l) => l.startsWith(REPORT_PREFIX));
      if (!line) {
        const why = signal ? `signal ${signal}` : `exit ${String(code)}`;
        return resolve({
          outcome: 'crash',
          error: `${why}: ${stderr.trim().split('\n').pop() ?? ''}`,
          ms,
          peakMb: peak,
        });
      }
      const r = JSON.parse(line.slice(REPORT_PREFIX.length)) as ChildReport;
      const peakMb = Math.max(peak, r.maxRssKb / 1024);
      if (r.outcome === 'loaded') return resolve({ outcome: 'loaded', ms: r.ms, peakMb });
      const typed = r.name !== undefined && TYPED_ERRORS.includes(r.name) && r.code !== undefined;
      resolve({
        outcome: typed ? 'typed' : 'untyped',
        error: `${r.name ?? '?'}${r.code ? ` ${r.code}` : ''}: ${r.message ?? ''}`,
        ms: r.ms,
        peakMb,
      });
    });
  });
}

/** The cases run on one model: every non-config case and `configCases` config cases sampled by seed. */
function selectCases(cases: readonly FuzzCase[], configCases: number, rng: () => number): FuzzCase[] {
  const config = cases.filter((c) => c.kind === 'config');
  const order = permutation(config.length, rng);
  const sampled = new Set(Array.from(order.subarray(0, configCases), (i) => config[i]));
  return cases.filter((c) => c.kind !== 'config' || sampled.has(c));
}

/** Runs every case on every target and returns the report (the caller writes it). */
export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  const started = new Date();
  const rng = makeRng(o.seed);
  const work = await fsp.mkdtemp(path.join(os.tmpdir(), 'moe-fuzz-'));
  const results: FuzzResult[] = [];
  const models: FuzzReport['models'] = [];
  try {
    const plans: { target: FuzzTarget; cases: FuzzCase[] }[] = [];
    for (const target of o.targets)
      plans.push({
        target,
        cases: selectCases(await fuzzCases(target.dir, rng, mkfifo), o.configCases, rng),
      });
    const total = plans.reduce((s, p) => s + p.cases.length + 1, 0);
    for (const { target, cases } of plans) {
      const copy = path.join(work, target.name);
      const run = async (kind: FuzzResult['kind'], name: string, mutate?: (dir: string) => Promise<void>) => {
        await fsp.rm(copy, { recursive: true, force: true });
        await fsp.cp(target.dir, copy, { recursive: true });
        await mutate?.(copy);
        const r: FuzzResult = {
          model: target.name,
          kind,
          case: name,
          ...(await loadInChild(target, copy, o)),
        };
        results.push(r);
        o.onCase?.(results.length, total, r);
        return r;
      };
      const genuine = await run('genuine', 'the shipped checkpoint');
      if (genuine.outcome !== 'loaded')
        throw new Error(
          `fuzz: the genuine ${target.name} does not load (${genuine.outcome}: ${genuine.error ?? ''})`,
        );
      const mine = [genuine];
      for (const c of cases) mine.push(await run(c.kind, c.name, (d) => c.apply(d)));
      const files = await fsp.readdir(target.dir);
      const fileBytes = (
        await Promise.all(
          files.filter((f) => f.endsWith('.safetensors')).map((f) => fsp.stat(path.join(target.dir, f))),
        )
      ).reduce((s, st) => s + st.size, 0);
      models.push({
        name: target.name,
        fileBytes,
        genuinePeakMb: genuine.peakMb,
        maxPeakMb: Math.max(...mine.map((r) => r.peakMb)),
        maxMs: Math.max(...mine.map((r) => r.ms)),
        cases: cases.length,
      });
    }
  } finally {
    await fsp.rm(work, { recursive: true, force: true });
  }
  const attacked = results.filter((r) => r.kind !== 'genuine');
  const totals = emptyCounts();
  const byKind: Record<string, OutcomeCounts> = {};
  const typedErrors: Record<string, number> = {};
  for (const r of attacked) {
    totals[r.outcome]++;
    (byKind[r.kind] ??= emptyCounts())[r.outcome]++;
    if (r.outcome === 'typed') {
      const key = (r.error ?? '').split(':')[0];
      typedErrors[key] = (typedErrors[key] ?? 0) + 1;
    }
  }
  return {
    startedAt: started.toISOString(),
    durationS: Math.round((Date.now() - started.getTime()) / 100) / 10,
    seed: o.seed,
    limits: { timeoutMs: o.timeoutMs, memoryLimitMb: o.memoryLimitMb },
    totals,
    byKind,
    typedErrors,
    models,
    failures: attacked.filter((r) => r.outcome !== 'loaded' && r.outcome !== 'typed'),
    results,
  };
}
