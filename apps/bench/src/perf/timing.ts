/**
 * The one timing helper of the bench: every latency figure (`latencyMsPerBatch`, `latencyMs_*`,
 * the perf suite's milliseconds) comes from {@link timeArms} or its single-arm form
 * {@link timeMedian}.
 *
 * Method: `warmup` untimed passes over every arm, then `reps` timed rounds; in each round every arm
 * runs once, in an order that rotates by one arm per round (round 0: a b c, round 1: b c a, ...),
 * so slow phases of a shared machine and "who runs right after whom" effects spread over all arms.
 * The figure to quote is the median of an arm's samples.
 *
 * Idle rule: the 1-minute load average (`os.loadavg()[0]`) is read before and after the timing;
 * the machine counts as otherwise idle when the larger of the two readings is at most the number
 * of threads the bench itself computes with (the wasm thread pool of core's `backendInfo()`,
 * 1 on the cpu backend) plus 0.5. The bench's own threads keep the load near their count (the
 * 1-minute average also still holds the training that ran just before); anything more than half a
 * core above that is another process competing for the CPU, and the figures are then suspect.
 */
import * as os from 'os';
import { performance } from 'perf_hooks';
import { backendInfo } from '@moe-zoo/core';

/** One arm of a comparison: a name and a synchronous call to time (it must finish its work, e.g. `dataSync`). */
export interface TimedArm<N extends string = string> {
  name: N;
  run: () => void;
}

/** Options of {@link timeArms} and {@link timeMedian}. */
export interface TimingOptions {
  /** Untimed passes over every arm before the timed rounds (default 1). */
  warmup?: number;
  /** Timed rounds; every arm runs once per round (default 5). */
  reps?: number;
  /** Called after each timed round with its 0-based index (progress bars). */
  onRep?: (rep: number) => void;
  /** The clock, in ms (default `performance.now`); injectable for tests. */
  now?: () => number;
  /** The 1-minute load average (default `os.loadavg()[0]`); injectable for tests. */
  loadavg?: () => number;
  /** Threads the bench computes with, for the idle rule (default core's `backendInfo().threads`, else 1). */
  threads?: number;
}

/** The samples of one arm and their summary, in ms. */
export interface ArmTiming {
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Interquartile range (q3 - q1, linear interpolation); only with 4 or more samples. */
  iqrMs?: number;
  /** The timed samples, in the order they were taken. */
  samplesMs: number[];
}

/** Whether a timing ran on an otherwise idle machine; also the `timing` field of a suite report. */
export interface TimingInfo {
  /** Larger load average reading <= the bench's threads + 0.5 (see the module comment). */
  idle: boolean;
  /** The larger of the 1-minute load averages read before and after. */
  loadavg: number;
  /** Timed rounds. */
  reps: number;
}

/** What {@link timeArms} returns. */
export interface ArmsTiming<N extends string = string> extends TimingInfo {
  arms: Record<N, ArmTiming>;
  /** Threads the idle rule compared the load average with. */
  threads: number;
}

/** What {@link timeMedian} returns: the one arm's timing and the idle information. */
export type SingleTiming = ArmTiming & TimingInfo & { threads: number };

/** Median of a list of numbers. */
export function median(values: number[]): number {
  return quantile(values, 0.5);
}

/** The `q` quantile (0..1) with linear interpolation between order statistics. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) throw new RangeError('quantile of no values');
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** Summary of one arm's samples. */
export function summarize(samplesMs: number[]): ArmTiming {
  return {
    medianMs: median(samplesMs),
    minMs: Math.min(...samplesMs),
    maxMs: Math.max(...samplesMs),
    ...(samplesMs.length >= 4 ? { iqrMs: quantile(samplesMs, 0.75) - quantile(samplesMs, 0.25) } : {}),
    samplesMs,
  };
}

/** The idle rule of the module comment. */
export function isIdle(loadavg: number, threads: number): boolean {
  return loadavg <= threads + 0.5;
}

/**
 * Times `arms` together: `warmup` untimed passes, then `reps` rounds in which every arm runs once,
 * the order rotating by one arm per round. Returns each arm's samples, median, min, max (and IQR),
 * and whether the machine was otherwise idle (see the module comment).
 *
 * @example
 * ```ts
 * const t = timeArms([{ name: 'sorted', run: a }, { name: 'dense', run: b }], { reps: 7 });
 * t.arms.sorted.medianMs; t.idle;
 * ```
 */
export function timeArms<N extends string>(
  arms: readonly TimedArm<N>[],
  options: TimingOptions = {},
): ArmsTiming<N> {
  const { warmup = 1, reps = 5, onRep } = options;
  if (arms.length === 0) throw new RangeError('timeArms needs at least one arm');
  if (!Number.isInteger(reps) || reps < 1)
    throw new RangeError(`reps must be a positive integer, got ${reps}`);
  if (!Number.isInteger(warmup) || warmup < 0) {
    throw new RangeError(`warmup must be a non-negative integer, got ${warmup}`);
  }
  if (new Set(arms.map((a) => a.name)).size !== arms.length)
    throw new Error('timeArms: arm names must differ');
  const now = options.now ?? (() => performance.now());
  const load = options.loadavg ?? (() => os.loadavg()[0]);
  const threads = options.threads ?? backendInfo()?.threads ?? 1;
  const before = load();
  for (let w = 0; w < warmup; w++) for (const arm of arms) arm.run();
  const samples = arms.map((): number[] => []);
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < arms.length; i++) {
      const a = (r + i) % arms.length;
      const t0 = now();
      arms[a].run();
      samples[a].push(now() - t0);
    }
    onRep?.(r);
  }
  const loadavg = Math.max(before, load());
  return {
    arms: Object.fromEntries(arms.map((arm, a) => [arm.name, summarize(samples[a])])) as Record<N, ArmTiming>,
    idle: isIdle(loadavg, threads),
    loadavg,
    reps,
    threads,
  };
}

/**
 * {@link timeArms} with one arm: `warmup` untimed calls, then `reps` timed ones.
 *
 * @example
 * ```ts
 * const { medianMs, idle } = timeMedian(() => tf.tidy(() => void model.forward(x).dataSync()));
 * ```
 */
export function timeMedian(run: () => void, options: TimingOptions = {}): SingleTiming {
  const { arms, ...info } = timeArms([{ name: 'run', run }], options);
  return { ...arms.run, ...info };
}

/**
 * The {@link TimingInfo} of a suite from all its timings: idle only if every one was, the highest
 * load average, the fewest rounds. Undefined when nothing was timed.
 */
export function mergeTiming(parts: readonly (TimingInfo | undefined)[]): TimingInfo | undefined {
  const ps = parts.filter((p): p is TimingInfo => p !== undefined);
  if (ps.length === 0) return undefined;
  return {
    idle: ps.every((p) => p.idle),
    loadavg: Math.max(...ps.map((p) => p.loadavg)),
    reps: Math.min(...ps.map((p) => p.reps)),
  };
}

/** Collects the timings of a suite; {@link TimingLog.summary} is the report's `timing` field. */
export class TimingLog {
  private readonly parts: TimingInfo[] = [];

  /** Records `t` (its idle flag, load average and rounds) and returns it. */
  add<T extends TimingInfo>(t: T): T {
    this.parts.push({ idle: t.idle, loadavg: t.loadavg, reps: t.reps });
    return t;
  }

  /** See {@link mergeTiming}. */
  summary(): TimingInfo | undefined {
    return mergeTiming(this.parts);
  }
}
