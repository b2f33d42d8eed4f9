import { Writable } from 'stream';
import { initBackend, Linear, setSeed, tf } from '../src';
import { addAll } from '../src/train/add-all';
import {
  AdamW,
  BarReporter,
  LineReporter,
  NonFiniteError,
  TensorLeakError,
  TensorLeakGuard,
  assertFinite,
  clipByGlobalNorm,
  constantLr,
  createProgress,
  createReporter,
  defaultNoDecay,
  formatEta,
  globalNorm,
  warmupCosine,
  warmupLinear,
  type ProgressReporter,
  type Reporter,
} from '../src/train';

beforeAll(async () => {
  await initBackend();
});

/** PyTorch AdamW in float64 for one scalar parameter. */
function referenceAdamW(p0: number, grads: number[], lrs: number[], wd: number, decay: boolean): number {
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  let [p, m, v] = [p0, 0, 0];
  grads.forEach((g, i) => {
    const t = i + 1;
    const lr = lrs[i];
    if (decay) p *= 1 - lr * wd;
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    p -= ((lr / (1 - b1 ** t)) * m) / (Math.sqrt(v) / Math.sqrt(1 - b2 ** t) + eps);
  });
  return p;
}

describe('AdamW', () => {
  it('matches a hand-computed two-step update (decay, no decay, scheduled lr)', () => {
    const w = tf.variable(tf.scalar(1));
    const bias = tf.variable(tf.scalar(1));
    const opt = new AdamW({ w, bias }, { lr: (step) => [0.1, 0.05][step], weightDecay: 0.01 });
    expect(opt.decays('w')).toBe(true);
    expect(opt.decays('bias')).toBe(false);
    const grads = [0.5, -0.2];
    for (const g of grads) {
      const gt = tf.scalar(g);
      opt.step({ w: gt, bias: gt });
      gt.dispose();
    }
    // Step 1 by hand: p = 1 * (1 - 0.1 * 0.01) - 0.1 * 0.5 / (0.5 + 1e-8) ≈ 0.899.
    expect(referenceAdamW(1, [0.5], [0.1], 0.01, true)).toBeCloseTo(0.899, 6);
    expect(w.dataSync()[0]).toBeCloseTo(referenceAdamW(1, grads, [0.1, 0.05], 0.01, true), 6);
    expect(bias.dataSync()[0]).toBeCloseTo(referenceAdamW(1, grads, [0.1, 0.05], 0.01, false), 6);
    expect(opt.stepCount).toBe(2);
    opt.dispose();
    tf.dispose([w, bias]);
  });

  it('round-trips its state so a restored optimizer continues identically', () => {
    const mk = () => tf.variable(tf.tensor1d([1, -2, 3]));
    const [a, b] = [mk(), mk()];
    const optA = new AdamW([['p', a]], { lr: 0.01 });
    const g = tf.tensor1d([0.3, -0.1, 0.7]);
    optA.step({ p: g });
    const saved = optA.state();
    expect(Object.keys(saved).sort()).toEqual(['m.p', 'step', 'v.p']);
    expect(saved.step.dtype).toBe('int32');
    b.assign(a);
    const optB = new AdamW([['p', b]], { lr: 0.01 });
    optB.loadState(saved);
    expect(optB.stepCount).toBe(1);
    optA.step({ p: g });
    optB.step({ p: g });
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(() => optB.loadState({ step: saved.step })).toThrow(/missing "m.p"/);
    tf.dispose([a, b, g, ...Object.values(saved)]);
    optA.dispose();
    optB.dispose();
  });

  it('rejects unknown names and wrong shapes, and does not leak tensors', () => {
    const p = tf.variable(tf.zeros([2]));
    const opt = new AdamW({ p });
    const before = tf.memory().numTensors;
    const g = tf.ones([2]);
    opt.step({ p: g });
    g.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const [g2, g3] = [tf.ones([2]), tf.ones([3])];
    expect(() => opt.step({ q: g2 })).toThrow(/unknown parameter "q"/);
    expect(() => opt.step({ p: g3 })).toThrow(/gradient of "p" has shape \[3\]/);
    expect(opt.stepCount).toBe(1);
    opt.dispose();
    tf.dispose([p, g2, g3]);
  });

  it('exempts biases and norm weights from decay by default', () => {
    expect(defaultNoDecay('fc1.bias')).toBe(true);
    expect(defaultNoDecay('blocks.0.attnNorm.weight')).toBe(true);
    expect(defaultNoDecay('ln_f.gamma')).toBe(true);
    expect(defaultNoDecay('blocks.1.ln1.beta')).toBe(true);
    expect(defaultNoDecay('blocks.1.moe.experts.w1')).toBe(false);
    expect(defaultNoDecay('linear.weight')).toBe(false);
  });
});

describe('schedules', () => {
  const opts = { peak: 1, warmupSteps: 10, totalSteps: 110, minLr: 0.1 };

  it('warmupCosine: 0 at step 0, peak at the end of warm-up, mid-value half-way, minLr at the end', () => {
    const lr = warmupCosine(opts);
    expect(lr(0)).toBe(0);
    expect(lr(5)).toBeCloseTo(0.5, 12);
    expect(lr(10)).toBe(1);
    expect(lr(60)).toBeCloseTo(0.55, 12);
    expect(lr(110)).toBeCloseTo(0.1, 12);
    expect(lr(500)).toBeCloseTo(0.1, 12);
  });

  it('warmupLinear: same shape, linear decay', () => {
    const lr = warmupLinear(opts);
    expect(lr(0)).toBe(0);
    expect(lr(10)).toBe(1);
    expect(lr(35)).toBeCloseTo(0.775, 12);
    expect(lr(60)).toBeCloseTo(0.55, 12);
    expect(lr(110)).toBeCloseTo(0.1, 12);
  });

  it('constantLr, zero warm-up, and invalid arguments', () => {
    expect(constantLr(3e-4)(12345)).toBe(3e-4);
    expect(warmupCosine({ peak: 2, warmupSteps: 0, totalSteps: 4 })(0)).toBe(2);
    expect(() => warmupCosine({ peak: 1, warmupSteps: 10, totalSteps: 5 })).toThrow(/totalSteps/);
    expect(() => constantLr(-1)).toThrow(/lr/);
  });
});

describe('clipByGlobalNorm', () => {
  it('computes the global norm and scales every gradient by one factor', () => {
    const grads = { a: tf.tensor1d([3, 0]), b: tf.tensor2d([[4]]) };
    const before = tf.memory().numTensors;
    const { grads: c, norm } = clipByGlobalNorm(grads, 1);
    expect(norm.dataSync()[0]).toBeCloseTo(5, 6);
    expect(c.a.dataSync()[0]).toBeCloseTo(0.6, 5);
    expect(c.b.dataSync()[0]).toBeCloseTo(0.8, 5);
    const loose = clipByGlobalNorm(grads, 10);
    expect(Array.from(loose.grads.a.dataSync())).toEqual([3, 0]);
    tf.dispose([c, norm, loose.grads, loose.norm]);
    expect(tf.memory().numTensors).toBe(before);
    const n = globalNorm({ x: tf.tensor1d([1, 2, 2]) });
    expect(n.dataSync()[0]).toBeCloseTo(3, 6);
    expect(() => clipByGlobalNorm(grads, 0)).toThrow(/maxNorm/);
    tf.dispose([grads, n]);
  });
});

describe('guards', () => {
  it('assertFinite names the step and the first non-finite tensor', () => {
    const ok = tf.tensor1d([1, 2]);
    const bad = tf.tensor1d([1, Infinity]);
    const nan = tf.scalar(NaN);
    const ints = tf.tensor1d([1], 'int32');
    expect(() => assertFinite(1, { ok, ints })).not.toThrow();
    let err: unknown;
    try {
      assertFinite(7, { ok, 'grad:fc.w': bad, loss: nan });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NonFiniteError);
    expect((err as NonFiniteError).step).toBe(7);
    expect((err as NonFiniteError).tensor).toBe('grad:fc.w');
    expect((err as Error).message).toMatch(/step 7.*"grad:fc.w"/);
    tf.dispose([ok, bad, nan, ints]);
  });

  it('TensorLeakGuard throws on growth after the warm-up, within tolerance it does not', () => {
    const guard = new TensorLeakGuard({ warmupSteps: 1 });
    const lazy = tf.zeros([1]); // allowed: created during warm-up
    guard.check(1);
    guard.check(2);
    const leak = tf.zeros([1]);
    expect(() => guard.check(3)).toThrow(TensorLeakError);
    expect(() => guard.check(4)).toThrow(/step 4: tensor leak, 1 more live tensors/);
    expect(guard.baseline).toBeDefined();
    const tolerant = new TensorLeakGuard({ tolerance: 1 });
    tolerant.check(1);
    const leak2 = tf.zeros([1]);
    expect(() => tolerant.check(2)).not.toThrow();
    tf.dispose([lazy, leak, leak2]);
  });
});

class Sink extends Writable {
  text = '';
  constructor(readonly isTTY: boolean) {
    super();
  }
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

describe('progress', () => {
  it('plain mode prints a line every N steps and one at the end', () => {
    const sink = new Sink(false);
    let t = 0;
    const p = createProgress({ stream: sink, every: 2, now: () => t });
    p.start(5, 0);
    for (let step = 1; step <= 5; step++) {
      t = step * 500;
      p.update({ step, epoch: 0, loss: 1 / step, lr: 1e-3 });
    }
    p.stop();
    const lines = sink.text.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('train: 2/5 (40%) elapsed 1.0s eta 2s | epoch=0 loss=0.50000 lr=1.00e-3');
    expect(lines[1]).toMatch(
      /^train: 4\/5 \(80%\) elapsed 2\.0s eta \ds \| epoch=0 loss=0\.25000 lr=1\.00e-3$/,
    );
    expect(lines[2]).toBe('train: done 5/5 in 2.5s | epoch=0 loss=0.20000 lr=1.00e-3');
  });

  it('a resumed run counts from where it stopped, its rate from the resume', () => {
    const sink = new Sink(false);
    let t = 0;
    const p = createProgress({ stream: sink, every: 2, label: 'fit', now: () => t });
    p.start(10, 4);
    t = 500;
    p.update({ step: 5, epoch: 1, loss: 1, lr: 1e-3 });
    t = 1000;
    p.update({ step: 6, epoch: 1, loss: 0.5, lr: 1e-3 });
    p.stop();
    expect(sink.text).toBe(
      'fit: 6/10 (60%) elapsed 1.0s eta 2s | epoch=1 loss=0.50000 lr=1.00e-3\n' +
        'fit: done 6/10 in 1.0s | epoch=1 loss=0.50000 lr=1.00e-3\n',
    );
  });

  it('bar mode on a terminal, silent when disabled, custom reporters pass through', () => {
    const sink = new Sink(true);
    jest.useFakeTimers();
    try {
      const bar = createProgress({ stream: sink });
      bar.start(5, 2);
      bar.update({ step: 3, epoch: 0, loss: 0.25, lr: 1e-3 });
      jest.advanceTimersByTime(250); // one redraw of the MultiBar
      bar.stop();
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
    const drawn = `train [${'█'.repeat(14)}${'░'.repeat(10)}] 3/5 | ETA `;
    expect(sink.text).toContain(drawn);
    expect(sink.text).toMatch(/3\/5 \| ETA \S+ \| epoch=0 loss=0\.25000 lr=1\.00e-3/);
    expect(sink.text).toMatch(/train: done 3\/5 in \S+ \| epoch=0 loss=0\.25000 lr=1\.00e-3\n/);

    const write = jest.spyOn(process.stderr, 'write');
    try {
      const silent = createProgress(false);
      silent.start(5, 0);
      silent.update({ step: 5, epoch: 0, loss: 0.25, lr: 1e-3 });
      silent.stop();
      expect(write).not.toHaveBeenCalled();
    } finally {
      write.mockRestore();
    }
    const custom: ProgressReporter = { start() {}, update() {}, stop() {} };
    expect(createProgress(custom)).toBe(custom);
    expect(formatEta(125)).toBe('2m05s');
    expect(formatEta(Infinity)).toBe('?');
    expect(() => createProgress({ every: 0 })).toThrow(/every must be an integer >= 1/);
  });

  it('trains on a handle of a shared reporter without closing it', () => {
    const calls: string[] = [];
    const reporter: Reporter = {
      progress: (label, total, start) => {
        calls.push(`progress ${label} ${total} ${start}`);
        return {
          tick: (n, info) => calls.push(`tick ${n} ${JSON.stringify(info)}`),
          done: () => calls.push('done'),
        };
      },
      log: () => {},
      close: () => calls.push('close'),
    };
    const p = createProgress({ reporter, label: 'moe seed 0' });
    p.start(4, 1);
    p.update({ step: 2, epoch: 0, loss: 2, lr: 0.01 });
    p.stop();
    expect(calls).toEqual([
      'progress moe seed 0 4 1',
      'tick 1 {"epoch":0,"loss":"2.0000","lr":"1.00e-2"}',
      'done',
    ]);
  });
});

describe('reporter', () => {
  it('picks bars on a terminal (or when forced) and lines otherwise', () => {
    expect(createReporter({ stream: new Sink(false) })).toBeInstanceOf(LineReporter);
    expect(createReporter({ stream: new Sink(true) })).toBeInstanceOf(BarReporter);
    expect(createReporter({ stream: new Sink(true), tty: false })).toBeInstanceOf(LineReporter);
    expect(createReporter({ stream: new Sink(false), tty: true })).toBeInstanceOf(BarReporter);
  });

  it('plain lines: at most one per tenth of a handle plus its end, logs in between', () => {
    const sink = new Sink(false);
    let t = 0;
    const reporter = new LineReporter({ stream: sink, now: () => t });
    const a = reporter.progress('a', 20);
    const b = reporter.progress('b', 0);
    for (let i = 0; i < 20; i++) {
      t += 100;
      a.tick(1, { loss: 1 / (i + 1) });
      b.tick();
    }
    reporter.log('between');
    a.done();
    b.done();
    a.done();
    const lines = sink.text.trimEnd().split('\n');
    expect(lines).toHaveLength(12);
    expect(lines[0]).toBe('a: 2/20 (10%) elapsed 0.2s eta 2s | loss=0.5');
    expect(lines.slice(9)).toEqual(['between', 'a: done 20/20 in 2.0s | loss=0.05', 'b: done in 2.0s']);
  });

  it('bars: one line per active handle, records and logs above them, stops when all are done', () => {
    const sink = new Sink(true);
    jest.useFakeTimers();
    try {
      let t = 0;
      const reporter = new BarReporter({ stream: sink, now: () => t });
      const a = reporter.progress('suite a', 4);
      const b = reporter.progress('suite b', 2);
      t = 1000;
      a.tick(2, { loss: 0.5 });
      b.tick();
      reporter.log('a log line');
      jest.advanceTimersByTime(250);
      expect(sink.text).toContain(`suite a [${'█'.repeat(12)}${'░'.repeat(12)}] 2/4 | ETA 1s | loss=0.5`);
      expect(sink.text).toContain(`suite b [${'█'.repeat(12)}${'░'.repeat(12)}] 1/2 | ETA 1s`);
      expect(sink.text).toContain('a log line\n');
      b.done();
      expect(jest.getTimerCount()).toBe(1); // a is still drawn
      a.done();
      expect(jest.getTimerCount()).toBe(0);
      expect(sink.text).toContain('suite b: done 1/2 in 1.0s\n');
      expect(sink.text).toContain('suite a: done 2/4 in 1.0s | loss=0.5\n');
      reporter.log('after');
      expect(sink.text.endsWith('after\n')).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('addAll', () => {
  it('equals tf.addN for any number of inputs, in chunks a webgpu adapter can bind, leaving nothing behind', () => {
    for (const n of [1, 2, 4, 5, 13, 25]) {
      const xs = Array.from({ length: n }, (_, i) => tf.fill([3], i + 1));
      const before = tf.memory().numTensors;
      const sum = addAll(xs);
      expect(tf.memory().numTensors).toBe(before + 1);
      expect(Array.from(sum.dataSync())).toEqual(Array(3).fill((n * (n + 1)) / 2));
      tf.dispose([sum, ...xs]);
    }
    expect(() => addAll([])).toThrow(/no tensors/);
  });
});

describe('AdamW.minimizeAsync', () => {
  it('gives the losses and weights of minimize, bit for bit, and leaves nothing behind', async () => {
    const x = tf.tensor2d([
      [1, -2, 3],
      [0.5, 1, -1],
    ]);
    const run = async (useAsync: boolean) => {
      setSeed(4);
      const model = new Linear(3, 1);
      const opt = new AdamW(model, { lr: 0.1 });
      const loss = () => tf.sum(tf.square(model.forward(x))) as tf.Scalar;
      const before = tf.memory().numTensors;
      const losses: number[] = [];
      for (let i = 0; i < 5; i++) losses.push(useAsync ? await opt.minimizeAsync(loss) : opt.minimize(loss));
      const out = {
        losses,
        weights: Object.values(model.stateDict()).map((v) => Array.from(v.dataSync())),
        grew: tf.memory().numTensors - before,
      };
      opt.dispose();
      model.dispose();
      return out;
    };
    const sync = await run(false);
    expect(await run(true)).toEqual(sync);
    expect(sync.grew).toBe(0);
    expect(sync.losses[4]).toBeLessThan(sync.losses[0]);
    x.dispose();
  });
});
