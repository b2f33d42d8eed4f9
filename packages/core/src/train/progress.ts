/**
 * Progress of long work (training runs, bench suites, timing loops): a {@link Reporter} hands out
 * labelled {@link ProgressHandle}s. On a terminal every active handle is a line of a cli-progress
 * MultiBar (label, bar, count/total, ETA, the latest info fields); otherwise plain lines go to the
 * stream, at most one per ~10% of a handle (or one every `every` units) plus one at its end.
 * `log(line)` prints above the bars without garbling them.
 *
 * The {@link Trainer} reports through the same system: {@link createProgress} adapts its
 * {@link ProgressReporter} protocol (start/update/stop) onto a handle.
 */
import { MultiBar, type Params, type SingleBar } from 'cli-progress';

/** A writable stream that may be a terminal. */
export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean };

/** Fields shown next to a handle's count (`loss=0.52`); numbers get four significant digits. */
export type ProgressInfo = Record<string, string | number>;

/** Progress of one long piece of work (a training run, a timing loop). */
export interface ProgressHandle {
  /** Advances by `n` units (default 1) and merges `info` into the fields shown. */
  tick(n?: number, info?: ProgressInfo): void;
  /** Ends the handle and prints its one-line record; later calls do nothing. */
  done(): void;
}

/** Where progress and log lines go. */
export interface Reporter {
  /**
   * Starts a handle for `total` units of work; `start` units are already behind (e.g. after a
   * resume) and do not count towards the rate behind the ETA.
   */
  progress(label: string, total: number, start?: number): ProgressHandle;
  /** A line of text that must not be garbled by the bars. */
  log(message: string): void;
  /** Stops drawing (bars are cleared); call before printing results or exiting. */
  close(): void;
}

/** Options of {@link createReporter}, {@link LineReporter} and {@link BarReporter}. */
export interface ReporterOptions {
  /** Default `process.stderr`. */
  stream?: ProgressStream;
  /** Force bars (true) or plain lines (false); default: whether `stream` is a TTY. */
  tty?: boolean;
  /** Plain lines: one every this many units of a handle instead of one per tenth of its total. */
  every?: number;
  /** Clock in ms, for tests (default `Date.now`). */
  now?: () => number;
}

/** Human-readable duration: `42s`, `3m05s`, `1h02m`. */
export function formatEta(secs: number): string {
  if (!Number.isFinite(secs)) return '?';
  const s = Math.round(secs);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Elapsed time: `12.3s`, `4m05s`, `1h02m`. */
function formatElapsed(s: number): string {
  if (s < 60) return `${s.toFixed(1)}s`;
  return formatEta(s);
}

/** An info value: four significant digits, an exponent only for tiny magnitudes. */
function formatValue(x: number): string {
  if (x === 0) return '0';
  const abs = Math.abs(x);
  if (abs >= 1e4) return String(Math.round(x));
  if (abs < 1e-3) return x.toExponential(2);
  return String(Number(x.toPrecision(4)));
}

/** Count, timing and info of one handle, shared by both renderings. */
class HandleState {
  count: number;
  info: ProgressInfo = {};
  finished = false;
  private readonly started: number;

  constructor(
    readonly label: string,
    readonly total: number,
    private readonly start: number,
    private readonly now: () => number,
  ) {
    this.count = start;
    this.started = now();
  }

  advance(n: number, info: ProgressInfo | undefined): void {
    this.count += n;
    if (info) this.info = { ...this.info, ...info };
  }

  elapsedS(): number {
    return (this.now() - this.started) / 1000;
  }

  etaText(): string {
    const doneHere = this.count - this.start;
    if (doneHere <= 0 || this.total <= 0) return '?';
    const left = Math.max(0, this.total - this.count);
    return formatEta((this.elapsedS() / doneHere) * left);
  }

  infoText(): string {
    return Object.entries(this.info)
      .map(([k, v]) => `${k}=${typeof v === 'number' ? formatValue(v) : v}`)
      .join(' ');
  }

  /** `label: done 100/100 in 10.1s | loss=0.5`. */
  record(): string {
    const count = this.total > 0 ? `${this.count}/${this.total} ` : '';
    return withInfo(`${this.label}: done ${count}in ${formatElapsed(this.elapsedS())}`, this);
  }
}

const withInfo = (text: string, state: HandleState): string => {
  const info = state.infoText();
  return info === '' ? text : `${text} | ${info}`;
};

function checkEvery(every: number | undefined): number | undefined {
  if (every !== undefined && (!Number.isInteger(every) || every < 1)) {
    throw new Error(`progress: every must be an integer >= 1, got ${every}`);
  }
  return every;
}

/** Writes nothing. */
export class SilentReporter implements Reporter {
  progress(): ProgressHandle {
    return { tick: () => {}, done: () => {} };
  }
  log(): void {}
  close(): void {}
}

/**
 * Plain lines for logs and CI: `label: 30/100 (30%) elapsed 3.2s eta 7s | loss=0.52` each time a
 * handle crosses another tenth of its total (or another multiple of `every`), and
 * `label: done 100/100 in 10.1s | loss=0.5` at its end.
 */
export class LineReporter implements Reporter {
  private readonly stream: ProgressStream;
  private readonly now: () => number;
  private readonly every: number | undefined;

  constructor(opts: ReporterOptions = {}) {
    this.stream = opts.stream ?? process.stderr;
    this.now = opts.now ?? Date.now;
    this.every = checkEvery(opts.every);
  }

  progress(label: string, total: number, start = 0): ProgressHandle {
    const state = new HandleState(label, total, start, this.now);
    const every = this.every;
    const mark = (count: number): number =>
      every === undefined ? Math.floor((Math.min(count, total) * 10) / total) : Math.floor(count / every);
    let lastMark = total > 0 ? mark(start) : 0;
    return {
      tick: (n = 1, info) => {
        if (state.finished) return;
        state.advance(n, info);
        if (total <= 0 || state.count >= total) return;
        const m = mark(state.count);
        if (m <= lastMark) return;
        lastMark = m;
        const pct = Math.round((state.count / total) * 100);
        this.log(
          withInfo(
            `${label}: ${state.count}/${total} (${pct}%) elapsed ${formatElapsed(state.elapsedS())} eta ${state.etaText()}`,
            state,
          ),
        );
      },
      done: () => {
        if (state.finished) return;
        state.finished = true;
        this.log(state.record());
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

/** How many {@link BarReporter}s are drawing now (in this process). */
let drawing = 0;

/** Whether a {@link BarReporter} is drawing bars now: a nested default bar would garble them. */
export function barsDrawing(): boolean {
  return drawing > 0;
}

/**
 * A cli-progress MultiBar with one bar per active handle, redrawn in place:
 * `train [████████░░░░] 340/1000 | ETA 55s | epoch=0 loss=0.81230 lr=2.91e-4`. A finished handle
 * leaves its one-line record above the bars; the MultiBar stops (and its timer with it) when no
 * handle is active.
 */
export class BarReporter implements Reporter {
  private readonly stream: ProgressStream;
  private readonly now: () => number;
  private readonly forced: boolean;
  private multi: MultiBar | undefined;
  private readonly active = new Set<SingleBar>();
  private lastDraw = -Infinity;

  constructor(opts: ReporterOptions = {}) {
    this.stream = opts.stream ?? process.stderr;
    this.now = opts.now ?? Date.now;
    // Forced bars must draw even when the stream is not a terminal.
    this.forced = opts.tty === true && !this.stream.isTTY;
  }

  private bars(): MultiBar {
    if (!this.multi) drawing++;
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

  progress(label: string, total: number, start = 0): ProgressHandle {
    const state = new HandleState(label, total, start, this.now);
    const max = Math.max(total, 0);
    const payload = (): BarPayload => ({ label, eta: state.etaText(), info: state.infoText() });
    const bar: SingleBar = this.bars().create(max, Math.min(start, max), payload());
    this.active.add(bar);
    return {
      tick: (n = 1, info) => {
        if (state.finished) return;
        state.advance(n, info);
        bar.update(Math.min(state.count, max), payload());
        this.drawIfDue();
      },
      done: () => {
        if (state.finished) return;
        state.finished = true;
        if (!this.active.delete(bar)) {
          this.log(state.record()); // the reporter was closed meanwhile
          return;
        }
        const multi = this.bars();
        multi.log(`${state.record()}\n`);
        multi.remove(bar);
        if (this.active.size === 0) this.close();
      },
    };
  }

  /**
   * Redraws now if the last redraw from a tick is 200 ms old: the MultiBar's own timer never fires
   * while a synchronous loop (restoreImage's tiles) ticks.
   */
  private drawIfDue(): void {
    const now = this.now();
    if (!this.multi || now - this.lastDraw < 200) return;
    this.lastDraw = now;
    this.multi.update();
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
    drawing--;
    this.active.clear();
  }
}

/**
 * Bars when the stream is a terminal (or `tty: true`), plain lines otherwise.
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
export function createReporter(opts: ReporterOptions = {}): Reporter {
  const stream = opts.stream ?? process.stderr;
  const tty = opts.tty ?? !!stream.isTTY;
  return tty ? new BarReporter({ ...opts, stream }) : new LineReporter({ ...opts, stream });
}

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

/** Receives training progress; {@link createProgress} builds the standard one. */
export interface ProgressReporter {
  /** `done` steps of `total` are already behind (non-zero after a resume). */
  start(total: number, done: number): void;
  update(u: ProgressUpdate): void;
  stop(): void;
}

/** Options of {@link createProgress}: a reporter of its own, or a handle on a shared one. */
export interface ProgressOptions extends ReporterOptions {
  /** Report on this reporter (e.g. the bench's) instead of creating one; it is not closed. */
  reporter?: Reporter;
  /** Label of the handle (default `train`). */
  label?: string;
}

const fmtLoss = (x: number): string => x.toPrecision(5);
const fmtLr = (x: number): string => x.toExponential(2);

/**
 * A trainer's {@link ProgressReporter} on a handle of a {@link Reporter}: step/total with epoch,
 * loss and lr as info fields. Closes the reporter on `stop` when it owns it.
 */
export class HandleProgress implements ProgressReporter {
  private handle: ProgressHandle | undefined;
  private step = 0;

  constructor(
    private readonly reporter: Reporter,
    private readonly label = 'train',
    private readonly ownsReporter = false,
  ) {}

  start(total: number, done: number): void {
    this.handle?.done();
    this.step = done;
    this.handle = this.reporter.progress(this.label, total, done);
  }

  update(u: ProgressUpdate): void {
    this.handle?.tick(u.step - this.step, { epoch: u.epoch, loss: fmtLoss(u.loss), lr: fmtLr(u.lr) });
    this.step = u.step;
  }

  stop(): void {
    this.handle?.done();
    this.handle = undefined;
    if (this.ownsReporter) this.reporter.close();
  }
}

/**
 * The trainer's reporter for a `progress` option: `false` → silent; `true`/options → a handle
 * labelled `train` on `options.reporter` or on a new {@link createReporter} (a bar when the stream
 * is a TTY, plain lines otherwise); a {@link ProgressReporter} is used as is.
 *
 * @example
 * ```ts
 * const p = createProgress({ every: 100 }); // bar in a terminal, a line per 100 steps in CI
 * ```
 */
export function createProgress(
  option: boolean | ProgressOptions | ProgressReporter = true,
): ProgressReporter {
  if (option === false) return new HandleProgress(new SilentReporter());
  if (isProgressReporter(option)) return option;
  const opts = option === true ? {} : option;
  if (opts.reporter) return new HandleProgress(opts.reporter, opts.label);
  return new HandleProgress(createReporter(opts), opts.label, true);
}

function isProgressReporter(x: boolean | ProgressOptions | ProgressReporter): x is ProgressReporter {
  return typeof x === 'object' && typeof (x as Partial<ProgressReporter>).update === 'function';
}
