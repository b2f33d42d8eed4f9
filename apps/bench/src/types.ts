import type { BackendInfo, ProgressHandle } from '@moe-zoo/core';
import type { TimingLog } from './perf/timing';
import type { ClaimKind, PairedDifference, Verdict } from './statistics';

export type { ProgressHandle };

/** One measured configuration (docs/architecture.md section 6). */
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
  /**
   * Each metric's value per seed, in the order of the report's `seeds` (one value for a
   * measurement that does not depend on the seed, e.g. a perf timing). Absent only in reports
   * written before paired statistics.
   */
  perSeed?: Record<string, number[]>;
  /**
   * Per-test-item outcomes behind a metric, `items[metric][seedIndex][item]`, on the same items
   * for every arm of a seed: 1/0 for right/wrong (accuracy; McNemar), else a per-item value
   * (PSNR per image, loss per sequence; paired item differences).
   */
  items?: Record<string, number[][]>;
  latencyMsPerBatch: number;
  trainSeconds: number;
  /** Per-seed or per-step series for charts (e.g. MaxVio over training). */
  series?: Record<string, number[]>;
}

/** One tested quantity of a claim, e.g. accuracy(MoE) - accuracy(dense) > 0. */
export interface ClaimPart {
  /** What is tested, e.g. `accuracy: moe - dense` or `params(MoFME) / params(MoE)`. */
  quantity: string;
  /** The rule, declared before the run (with its margin or bar). */
  rule: ClaimKind;
  /** Holds only if every informative test holds, fails only if every one fails. */
  verdict: Verdict;
  /** The tests behind the verdict: per-seed t and/or per-item test, timing rounds, or exact. */
  tests: PairedDifference[];
}

/**
 * A paper's claim decided by paired statistics: `holds` only when every part holds, `fails` when a
 * part fails, else `inconclusive`. Not holding is a finding, not a failure.
 */
export interface Claim {
  id: string;
  paper: string;
  statement: string;
  verdict: Verdict;
  parts: ClaimPart[];
  /** Human-readable numbers (means with spreads, sizes) beside the tests. */
  evidence: string;
}

/**
 * A claim of a report written before paired statistics: `holds` came from the old tie rule (a tie
 * within one per-arm spread counted as a hold), so it is shown as such, never as a verdict.
 */
export interface LegacyClaim {
  id: string;
  paper: string;
  statement: string;
  holds: boolean;
  evidence: string;
}

/** Share of the routed (token, slot) assignments one expert of one MoE layer received. */
export interface ExpertLoadPoint {
  model: string;
  variant: string;
  /** MoE layer index, 0-based, in forward order. */
  layer: number;
  /** Expert index, 0-based. */
  expert: number;
  /** Fraction of the layer's routed assignments, in [0, 1]; a layer's loads sum to 1. */
  load: number;
  /**
   * The inputs whose assignments are counted, e.g. one weather type (then the loads of a layer
   * and group sum to 1); absent = all inputs.
   */
  group?: string;
}

/** MaxVio ((max load - mean load) / mean load) of one training step. */
export interface BalancePoint {
  model: string;
  variant: string;
  /** Global training step, 1-based. */
  step: number;
  maxVio: number;
}

/** Chart data of a whole suite (the HTML report draws heatmaps and balance curves from it). */
export interface SuiteSeries {
  /** Final per-layer expert load (e.g. on the test set), one point per (model, variant, layer, expert). */
  expertLoad?: ExpertLoadPoint[];
  /** MaxVio over training (subsampled steps), one line per (model, variant). */
  balance?: BalancePoint[];
}

/** A picture a suite returns (e.g. degraded / restored / clean grid); the runner writes it as PNG. */
export interface SuiteFigure {
  /** File-safe name (letters, digits, `-`, `_`, `.`); the file is `<out>/<suite>-<name>.png`. */
  name: string;
  /** Caption shown in the report. */
  title: string;
  /** PNG bytes. */
  png: Uint8Array;
}

/** A figure as listed in the suite JSON; `file` is relative to the report folder. */
export interface FigureRef {
  name: string;
  title: string;
  file: string;
}

/**
 * Whether a suite's latency figures were timed on an otherwise idle machine (`perf/timing.ts`):
 * idle only if every timing was, the highest 1-minute load average seen, the fewest timed rounds.
 */
export interface SuiteTiming {
  /** Every timing saw a 1-minute load average <= the bench's threads + 0.5. */
  idle: boolean;
  /** The highest 1-minute load average read around any timing. */
  loadavg: number;
  /** The fewest timed rounds behind any latency figure. */
  reps: number;
}

/** The JSON each suite writes as `<out>/<suite>.json`. */
export interface SuiteReport {
  suite: string;
  quick: boolean;
  backend: string;
  /** The GPU adapter the backend ran on (`describeAdapter`), e.g. `mesa software (llvmpipe ...)`; absent off the GPU. */
  adapter?: string;
  threads: number;
  seeds: number[];
  startedAt: string;
  durationS: number;
  rows: BenchRow[];
  claims: (Claim | LegacyClaim)[];
  notes?: string[];
  /** Metric names the leaderboard shows first, in this order (default: the first few metrics seen). */
  mainMetrics?: string[];
  /** Chart data (expert load per layer, balance over training). */
  series?: SuiteSeries;
  /** Figures written next to the report as `<suite>-<name>.png`. */
  figures?: FigureRef[];
  /** Whether the latency figures were timed on an idle machine (absent in older reports). */
  timing?: SuiteTiming;
}

/** What a suite gets to run with. */
export interface SuiteContext {
  quick: boolean;
  /**
   * Tiny sizes (`--tiny`: smoke runs on slow backends such as software WebGPU), for suites that
   * have them; the others run quick. Always with `quick`. Absent = false.
   */
  tiny?: boolean;
  seeds: number[];
  backend: BackendInfo;
  progress(label: string, total: number): ProgressHandle;
  log(message: string): void;
  /** Records every latency the suite measures; the runner copies its summary to the report's `timing`. */
  timing: TimingLog;
}

/** What a suite returns; the runner adds the header fields of {@link SuiteReport}. */
export interface SuiteResult {
  rows: BenchRow[];
  claims: Claim[];
  notes?: string[];
  /** Metric names the leaderboard shows first, in this order (default: the first few metrics seen). */
  mainMetrics?: string[];
  /** Chart data (expert load per layer, balance over training). */
  series?: SuiteSeries;
  /** Pictures; the runner writes each to `<out>/<suite>-<name>.png` and lists it in the JSON. */
  figures?: SuiteFigure[];
}

/** A registered bench suite. */
export interface Suite {
  name: string;
  description: string;
  /**
   * False keeps the suite out of the default command (`npm run bench`, every suite) so it does not
   * count against that run's budget; `moe-bench run <name>` runs it. Default true.
   */
  defaultRun?: boolean;
  run(ctx: SuiteContext): Promise<SuiteResult>;
}
