import type { BackendInfo } from '@moe-zoo/core';

/** One measured configuration (architecture.md section 6). */
export interface BenchRow {
  model: string;
  variant: string;
  task: string;
  paramsTotal: number;
  paramsActive: number;
  flopsPerSample: number;
  /** Quality and speed numbers by name (accuracy, maxVio, ms, gflops, ...). Means over seeds. */
  metrics: Record<string, number>;
  /** Spread (standard deviation over seeds) of each metric, when more than one seed ran. */
  spread?: Record<string, number>;
  latencyMsPerBatch: number;
  trainSeconds: number;
  /** Per-seed or per-step series for charts (e.g. MaxVio over training). */
  series?: Record<string, number[]>;
}

/** A paper's qualitative claim checked over the rows; not holding is a finding, not a failure. */
export interface Claim {
  id: string;
  paper: string;
  statement: string;
  holds: boolean;
  evidence: string;
}

/** The JSON each suite writes as `<out>/<suite>.json`. */
export interface SuiteReport {
  suite: string;
  quick: boolean;
  backend: string;
  threads: number;
  seeds: number[];
  startedAt: string;
  durationS: number;
  rows: BenchRow[];
  claims: Claim[];
  notes?: string[];
  /** Metric names the leaderboard shows first, in this order (default: the first few metrics seen). */
  mainMetrics?: string[];
}

/** A progress handle for one long piece of work (a training run, a timing loop). */
export interface ProgressHandle {
  tick(n?: number, info?: Record<string, string | number>): void;
  done(): void;
}

/** What a suite gets to run with. */
export interface SuiteContext {
  quick: boolean;
  seeds: number[];
  backend: BackendInfo;
  progress(label: string, total: number): ProgressHandle;
  log(message: string): void;
}

/** What a suite returns; the runner adds the header fields of {@link SuiteReport}. */
export interface SuiteResult {
  rows: BenchRow[];
  claims: Claim[];
  notes?: string[];
  /** Metric names the leaderboard shows first, in this order (default: the first few metrics seen). */
  mainMetrics?: string[];
}

/** A registered bench suite. */
export interface Suite {
  name: string;
  description: string;
  run(ctx: SuiteContext): Promise<SuiteResult>;
}
