/**
 * Progress of suites and of the training runs inside them. On a terminal every active handle
 * is a line of a cli-progress MultiBar (label, bar, count/total, ETA, the latest info fields);
 * otherwise plain lines go to stderr, at most one per ~10% of a handle plus one at its end.
 */
import { MultiBar, type Params, type SingleBar } from 'cli-progress';
import { formatEta, type ProgressStream } from '@moe-zoo/core';
import { formatNumber, formatSeconds } from './format';
import type { ProgressHandle } from './types';

/** Where the runner sends progress and log lines; `SuiteContext.progress`/`log` delegate here. */
export interface BenchReporter {
  /** Starts a handle for `total` units of work (a training run's steps, a timing loop). */
  progress(label: string, total: number): ProgressHandle;
  /** A line of text that must not be garbled by the bars. */
  log(message: string): void;
  /** Stops drawing (bars are cleared); call before printing results or exiting. */
  close(): void;
}

/** Options of {@link createReporter}. */
export interface ReporterOptions {
  /** Default `process.stderr`. */
  stream?: ProgressStream;
  /** Force bars (true) or plain lines (false); default: whether `stream` is a TTY. */
  tty?: boolean;
  /** Clock in ms, for tests (default `Date.now`). */
  now?: () => number;
}

type Info = Record<string, string | number>;

/** Count, timing and info of one handle, shared by both renderings. */
class HandleState {
  count = 0;
  info: Info = {};
  finished = false;
  readonly started: number;

  constructor(
    readonly label: string,
    readonly total: number,
    private readonly now: () => number,
  ) {
    this.started = now();
  }

  advance(n: number, info: Info | undefined): void {
    this.count += n;
    if (info) this.info = { ...this.info, ...info };
  }

  elapsedS(): number {
    return (this.now() - this.started) / 1000;
  }

  etaText(): string {
    if (this.count <= 0 || this.total <= 0) return '?';
    const left = Math.max(0, this.total - this.count);
    return formatEta((this.elapsedS() / this.count) * left);
  }

  infoText(): string {
    return Object.entries(this.info)
      .map(([k, v]) => `${k}=${typeof v === 'number' ? formatNumber(v) : v}`)
      .join(' ');
  }
}

const withInfo = (text: string, state: HandleState): string => {
  const info = state.infoText();
  return info === '' ? text : `${text} | ${info}`;
};

/**
 * Plain lines for logs and CI: `label: 30/100 (30%) elapsed 3.2s eta 7s | loss=0.52` each time a
 * handle crosses another tenth of its total, and `label: done 100/100 in 10.1s` at its end.
 */
export class LineReporter implements BenchReporter {
  private readonly stream: ProgressStream;
  private readonly now: () => number;

  constructor(opts: ReporterOptions = {}) {
    this.stream = opts.stream ?? process.stderr;
    this.now = opts.now ?? Date.now;
  }

  progress(label: string, total: number): ProgressHandle {
    const state = new HandleState(label, total, this.now);
    let lastTenth = 0;
    return {
      tick: (n = 1, info) => {
        if (state.finished) return;
        state.advance(n, info);
        if (state.total <= 0) return;
        const tenth = Math.floor((Math.min(state.count, state.total) * 10) / state.total);
        if (tenth > lastTenth && tenth < 10) {
          lastTenth = tenth;
          const pct = Math.round((state.count / state.total) * 100);
          this.log(
            withInfo(
              `${label}: ${state.count}/${state.total} (${pct}%) elapsed ${formatSeconds(state.elapsedS())} eta ${state.etaText()}`,
              state,
            ),
          );
        }
      },
      done: () => {
        if (state.finished) return;
        state.finished = true;
        const count = state.total > 0 ? `${state.count}/${state.total} ` : '';
        this.log(withInfo(`${label}: done ${count}in ${formatSeconds(state.elapsedS())}`, state));
      },
    };
  }

  log(message: string): void {
    this.stream.write(`${message}\n`);
  }

  close(): void {}
}

interface BarPayload {
  label: string;
  eta: string;
  info: string;
}

const BAR_WIDTH = 24;

function formatBarLine(_options: unknown, params: Params, payload: BarPayload): string {
  const filled = Math.round(Math.min(1, Math.max(0, params.progress)) * BAR_WIDTH);
  const bar = '█'.repeat(filled) + '░'.repeat(BAR_WIDTH - filled);
  const info = payload.info === '' ? '' : ` | ${payload.info}`;
  return `${payload.label} [${bar}] ${params.value}/${params.total} | ETA ${payload.eta}${info}`;
}

/**
 * A cli-progress MultiBar with one bar per active handle. A finished handle leaves a one-line
 * record above the bars; the MultiBar stops (and its timer with it) when no handle is active.
 */
export class BarReporter implements BenchReporter {
  private readonly stream: ProgressStream;
  private readonly now: () => number;
  private readonly forced: boolean;
  private multi: MultiBar | undefined;
  private active = 0;

  constructor(opts: ReporterOptions = {}) {
    this.stream = opts.stream ?? process.stderr;
    this.now = opts.now ?? Date.now;
    this.forced = opts.tty === true && !this.stream.isTTY;
  }

  private bars(): MultiBar {
    this.multi ??= new MultiBar({
      stream: this.stream,
      format: formatBarLine,
      fps: 5,
      clearOnComplete: true,
      hideCursor: true,
      gracefulExit: false,
      noTTYOutput: this.forced,
    });
    return this.multi;
  }

  progress(label: string, total: number): ProgressHandle {
    const state = new HandleState(label, total, this.now);
    const payload = (): BarPayload => ({ label, eta: state.etaText(), info: state.infoText() });
    const bar: SingleBar = this.bars().create(Math.max(total, 0), 0, payload());
    this.active++;
    return {
      tick: (n = 1, info) => {
        if (state.finished) return;
        state.advance(n, info);
        bar.update(Math.min(state.count, Math.max(total, 0)), payload());
      },
      done: () => {
        if (state.finished) return;
        state.finished = true;
        const multi = this.bars();
        const count = total > 0 ? `${state.count}/${total} ` : '';
        multi.log(`${withInfo(`${label}: done ${count}in ${formatSeconds(state.elapsedS())}`, state)}\n`);
        multi.remove(bar);
        if (--this.active === 0) this.close();
      },
    };
  }

  log(message: string): void {
    if (this.multi) this.multi.log(`${message}\n`);
    else this.stream.write(`${message}\n`);
  }

  close(): void {
    if (!this.multi) return;
    this.multi.update(); // flush pending log lines before clearing the bars
    this.multi.stop();
    this.multi = undefined;
    this.active = 0;
  }
}

/**
 * The reporter for the bench: bars when the stream is a terminal (or `tty: true`), plain lines
 * otherwise.
 *
 * @example
 * ```ts
 * const reporter = createReporter();
 * const h = reporter.progress('train mofme seed 0', 300);
 * h.tick(1, { loss: 0.52 });
 * h.done();
 * reporter.close();
 * ```
 */
export function createReporter(opts: ReporterOptions = {}): BenchReporter {
  const stream = opts.stream ?? process.stderr;
  const tty = opts.tty ?? !!stream.isTTY;
  return tty ? new BarReporter({ ...opts, stream }) : new LineReporter({ ...opts, stream });
}
