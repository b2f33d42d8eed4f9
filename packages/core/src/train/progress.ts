import { Presets, SingleBar } from 'cli-progress';

/** What the trainer reports after each step. */
export interface ProgressUpdate {
  /** Global step just finished (1-based). */
  step: number;
  epoch: number;
  /** Task loss of the step. */
  loss: number;
  /** Learning rate the step used. */
  lr: number;
}

/** Receives training progress; {@link createProgress} builds the standard ones. */
export interface ProgressReporter {
  /** `done` steps of `total` are already behind (non-zero after a resume). */
  start(total: number, done: number): void;
  update(u: ProgressUpdate): void;
  stop(): void;
}

/** A writable stream that may be a terminal. */
export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean };

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** Where to write (default `process.stderr`). */
  stream?: ProgressStream;
  /** Force the bar (true) or plain lines (false); default: whether `stream` is a TTY. */
  tty?: boolean;
  /** Plain mode: print a line every this many steps, and at the last one (default 10). */
  every?: number;
  /** Prefix of the bar or line (default `train`). */
  label?: string;
  /** Clock in ms, for tests (default `Date.now`). */
  now?: () => number;
}

/** Steps per second since `start` and the time left at that rate. */
class Rate {
  private t0 = 0;
  private done0 = 0;
  constructor(private readonly now: () => number) {}

  start(done: number): void {
    this.t0 = this.now();
    this.done0 = done;
  }

  stepsPerSec(step: number): number {
    const secs = (this.now() - this.t0) / 1000;
    return secs > 0 ? (step - this.done0) / secs : 0;
  }

  etaSecs(step: number, total: number): number {
    const r = this.stepsPerSec(step);
    return r > 0 ? (total - step) / r : Infinity;
  }
}

/** Human-readable duration: `42s`, `3m05s`, `1h02m`. */
export function formatEta(secs: number): string {
  if (!Number.isFinite(secs)) return '?';
  const s = Math.round(secs);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

const fmtLoss = (x: number): string => x.toPrecision(5);
const fmtLr = (x: number): string => x.toExponential(2);

/** Writes nothing. */
export class NoProgress implements ProgressReporter {
  start(): void {}
  update(): void {}
  stop(): void {}
}

/**
 * One plain line every `every` steps and at the last step, for CI logs.
 *
 * @example
 * ```ts
 * const p = new LineProgress({ every: 50 });
 * // train step 50/1000 epoch 0 loss 1.2345 lr 3.00e-4 12.5 steps/s eta 1m16s
 * ```
 */
export class LineProgress implements ProgressReporter {
  private readonly stream: ProgressStream;
  private readonly every: number;
  private readonly label: string;
  private readonly rate: Rate;
  private total = 0;

  constructor(opts: ProgressOptions = {}) {
    this.stream = opts.stream ?? process.stderr;
    this.every = opts.every ?? 10;
    if (!Number.isInteger(this.every) || this.every < 1) {
      throw new Error(`progress: every must be an integer >= 1, got ${this.every}`);
    }
    this.label = opts.label ?? 'train';
    this.rate = new Rate(opts.now ?? Date.now);
  }

  start(total: number, done: number): void {
    this.total = total;
    this.rate.start(done);
  }

  update(u: ProgressUpdate): void {
    if (u.step % this.every !== 0 && u.step !== this.total) return;
    const speed = this.rate.stepsPerSec(u.step);
    this.stream.write(
      `${this.label} step ${u.step}/${this.total} epoch ${u.epoch} loss ${fmtLoss(u.loss)} lr ${fmtLr(u.lr)} ` +
        `${speed.toFixed(1)} steps/s eta ${formatEta(this.rate.etaSecs(u.step, this.total))}\n`,
    );
  }

  stop(): void {}
}

/**
 * A cli-progress bar: step/total, loss, lr, steps/s and ETA, redrawn in place on a terminal.
 *
 * @example
 * ```ts
 * const p = new BarProgress();
 * // train [========----------------] 340/1000 | loss 0.8123 | lr 2.91e-4 | 11.9 steps/s | ETA 55s
 * ```
 */
export class BarProgress implements ProgressReporter {
  private readonly bar: SingleBar;
  private readonly rate: Rate;
  private total = 0;

  constructor(opts: ProgressOptions = {}) {
    const label = opts.label ?? 'train';
    this.rate = new Rate(opts.now ?? Date.now);
    this.bar = new SingleBar(
      {
        format: `${label} [{bar}] {value}/{total} | loss {loss} | lr {lr} | {speed} steps/s | ETA {etaText}`,
        stream: opts.stream ?? process.stderr,
        fps: 5,
        // Forced tty mode must draw even when the stream is not a terminal.
        noTTYOutput: opts.tty === true,
      },
      Presets.shades_classic,
    );
  }

  start(total: number, done: number): void {
    this.total = total;
    this.rate.start(done);
    this.bar.start(total, done, { loss: '-', lr: '-', speed: '-', etaText: '?' });
  }

  update(u: ProgressUpdate): void {
    this.bar.update(u.step, {
      loss: fmtLoss(u.loss),
      lr: fmtLr(u.lr),
      speed: this.rate.stepsPerSec(u.step).toFixed(1),
      etaText: formatEta(this.rate.etaSecs(u.step, this.total)),
    });
  }

  stop(): void {
    this.bar.stop();
  }
}

/**
 * The reporter for a `progress` option: `false` → silent; `true`/options → a bar when the
 * stream is a TTY, plain lines otherwise; a {@link ProgressReporter} is used as is.
 *
 * @example
 * ```ts
 * const p = createProgress({ every: 100 }); // bar in a terminal, a line per 100 steps in CI
 * ```
 */
export function createProgress(
  option: boolean | ProgressOptions | ProgressReporter = true,
): ProgressReporter {
  if (option === false) return new NoProgress();
  if (isReporter(option)) return option;
  const opts = option === true ? {} : option;
  const tty = opts.tty ?? !!(opts.stream ?? process.stderr).isTTY;
  return tty ? new BarProgress(opts) : new LineProgress(opts);
}

function isReporter(x: boolean | ProgressOptions | ProgressReporter): x is ProgressReporter {
  return typeof x === 'object' && typeof (x as Partial<ProgressReporter>).update === 'function';
}
