/**
 * The one timing helper of the bench: every latency figure (`latencyMsPerBatch`, `latencyMs_*`,
 * the perf suite's milliseconds) comes from {@link timeArms} or its single-arm form
 * {@link timeMedian}, or from their forms for calls that may await the device,
 * {@link timeArmsAsync} / {@link timeMedianAsync}, whose calls end with {@link settle} (a
 * `dataSync()` where the backend reads synchronously, an awaited read on webgpu).
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
import { backendCapabilities, backendInfo, tf } from '@moe-zoo/core';

/** One arm of a comparison: a name and a synchronous call to time (it must finish its work, e.g. `dataSync`). */
export interface TimedArm<N extends string = string> {
  name: N;
  run: () => void;
}

/**
 * An arm of {@link timeArmsAsync}: its call may return a promise (awaited inside the timed span),
 * e.g. {@link settle}'s device read on a backend without synchronous reads.
 */
export interface AsyncTimedArm<N extends string = string> {
  name: N;
  run: () => void | Promise<void>;
}

/**
 * Ends a timed call: waits until the device has computed `result`, then disposes it. Where the
 * backend reads synchronously (`backendCapabilities().syncReadback`: wasm, cpu, tensorflow) it
 * reads every tensor back with `dataSync()` and returns nothing, so {@link timeArmsAsync} times the
 * call exactly as {@link timeArms} would. Elsewhere (webgpu) it returns a promise that awaits the
 * read of one value taken from every tensor: the device runs its queue in order, so that read
 * completes only after all the work before it, without copying whole outputs back to the host.
 *
 * @example
 * ```ts
 * await timeMedianAsync(() => settle(tf.tidy(() => model.forward(x).logits)));
 * ```
 */
export function settle(result: tf.Tensor | readonly tf.Tensor[]): void | Promise<void> {
  const tensors: readonly tf.Tensor[] = Array.isArray(result) ? result : [result as tf.Tensor];
  if (backendCapabilities().syncReadback) {
    try {
      for (const t of tensors) t.dataSync();
    } finally {
      tf.dispose([...tensors]);
    }
    return;
  }
  return (async () => {
    try {
      const filled = tensors.filter((t) => t.size > 0);
      if (filled.length === 0) return;
      const marker = tf.tidy(() =>
        tf.addN(filled.map((t) => tf.cast(tf.slice(tf.reshape(t, [-1]), 0, 1), 'float32'))),
      );
      try {
        await marker.data();
      } finally {
        marker.dispose();
      }
    } finally {
      tf.dispose([...tensors]);
    }
  })();
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
  const run = startTiming(arms, options);
  for (let w = 0; w < run.warmup; w++) for (const arm of arms) arm.run();
  for (let r = 0; r < run.reps; r++) {
    for (let i = 0; i < arms.length; i++) {
      const a = (r + i) % arms.length;
      const t0 = run.now();
      arms[a].run();
      run.samples[a].push(run.now() - t0);
    }
    run.onRep?.(r);
  }
  return run.finish();
}

/**
 * {@link timeArms} for arms that may finish asynchronously: a call that returns a promise is
 * awaited inside its timed span, so an arm ends by awaiting a device read (`await t.data()`, see
 * {@link settle}) where the backend has no synchronous one (webgpu). A call that returns nothing is
 * timed exactly as {@link timeArms} times it (no await in the timed span).
 *
 * @example
 * ```ts
 * const t = await timeArmsAsync([{ name: 'fwd', run: () => settle(tf.tidy(() => f(x))) }]);
 * ```
 */
export async function timeArmsAsync<N extends string>(
  arms: readonly AsyncTimedArm<N>[],
  options: TimingOptions = {},
): Promise<ArmsTiming<N>> {
  const run = startTiming(arms, options);
  for (let w = 0; w < run.warmup; w++) {
    for (const arm of arms) {
      const done = arm.run();
      if (done) await done;
      await nextTurn();
    }
  }
  for (let r = 0; r < run.reps; r++) {
    for (let i = 0; i < arms.length; i++) {
      const a = (r + i) % arms.length;
      const t0 = run.now();
      const done = arms[a].run();
      if (done) await done;
      run.samples[a].push(run.now() - t0);
      await nextTurn();
    }
    run.onRep?.(r);
  }
  return run.finish();
}

/**
 * Lets the event loop run between timed calls (outside the timed span): on wasm every arm is
 * synchronous, and without a turn a Ctrl-C (SIGINT) waited for the whole perf suite (54 s).
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The state of one {@link timeArms} / {@link timeArmsAsync} call: checked options, clock, samples. */
interface TimingRun<N extends string> {
  warmup: number;
  reps: number;
  onRep?: (rep: number) => void;
  now: () => number;
  samples: number[][];
  finish(): ArmsTiming<N>;
}

/** Checks the options, reads the load average before, and returns what the timing loops need. */
function startTiming<N extends string>(arms: readonly { name: N }[], options: TimingOptions): TimingRun<N> {
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
  const samples = arms.map((): number[] => []);
  return {
    warmup,
    reps,
    onRep,
    now,
    samples,
    finish: () => {
      const loadavg = Math.max(before, load());
      return {
        arms: Object.fromEntries(arms.map((arm, a) => [arm.name, summarize(samples[a])])) as Record<
          N,
          ArmTiming
        >,
        idle: isIdle(loadavg, threads),
        loadavg,
        reps,
        threads,
      };
    },
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
 * {@link timeArmsAsync} with one arm: for calls that end by awaiting a device read.
 *
 * @example
 * ```ts
 * const { medianMs } = await timeMedianAsync(() => settle(tf.tidy(() => model.forward(x).logits)));
 * ```
 */
export async function timeMedianAsync(
  run: () => void | Promise<void>,
  options: TimingOptions = {},
): Promise<SingleTiming> {
  const { arms, ...info } = await timeArmsAsync([{ name: 'run', run }], options);
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
