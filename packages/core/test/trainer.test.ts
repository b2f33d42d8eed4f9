import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { Module, fanInUniform, initBackend, makeRng, nextSeed, permutation, setSeed, tf } from '../src';
import { CheckpointError } from '../src/io';
import type { MoEAux } from '../src/moe/types';
import {
  AdamW,
  NonFiniteError,
  TensorLeakError,
  Trainer,
  type BatchSource,
  type LossFn,
  type TrainerOptions,
} from '../src/train';

beforeAll(async () => {
  await initBackend();
});

/** 2 → 16 → 3 with dropout, so training consumes the seeded random stream. */
class Mlp extends Module {
  readonly w1 = this.param('fc1.weight', fanInUniform([2, 16], 2));
  readonly b1 = this.param('fc1.bias', tf.zeros([16]));
  readonly w2 = this.param('fc2.weight', fanInUniform([16, 3], 16));
  readonly b2 = this.param('fc2.bias', tf.zeros([3]));

  forward(x: tf.Tensor): tf.Tensor {
    let h = tf.relu(tf.add(tf.matMul(x, this.w1), this.b1));
    if (this.training) h = tf.dropout(h, 0.1, undefined, nextSeed());
    return tf.add(tf.matMul(h, this.w2), this.b2);
  }
}

interface Batch {
  x: tf.Tensor2D;
  y: tf.Tensor2D;
}

const N = 96;
const BATCH = 16;

/** Three Gaussian blobs on a circle of radius 2; batches shuffled per epoch by makeRng(epoch). */
function blobs(): BatchSource<Batch> {
  const rng = makeRng(7);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const xs: number[][] = [];
  const ys: number[][] = [];
  for (let i = 0; i < N; i++) {
    const c = i % 3;
    const a = (2 * Math.PI * c) / 3;
    xs.push([2 * Math.cos(a) + 0.5 * gauss(), 2 * Math.sin(a) + 0.5 * gauss()]);
    ys.push([0, 1, 2].map((k) => (k === c ? 1 : 0)));
  }
  return {
    numBatches: () => N / BATCH,
    batch(epoch, index) {
      const idx = Array.from(permutation(N, makeRng(1000 + epoch)).slice(index * BATCH, (index + 1) * BATCH));
      return { x: tf.tensor2d(idx.map((i) => xs[i])), y: tf.tensor2d(idx.map((i) => ys[i])) };
    },
  };
}

const crossEntropy: LossFn<Batch, Mlp> = (b, m) => {
  const logits = m.forward(b.x);
  return { loss: tf.neg(tf.mean(tf.sum(tf.mul(b.y, tf.logSoftmax(logits)), -1))) as tf.Scalar, logits };
};

function setup(overrides: Partial<TrainerOptions<Batch, Mlp>> = {}, initSeed = 1) {
  setSeed(initSeed);
  const model = new Mlp();
  const optimizer = new AdamW(model, { lr: 0.02 });
  const trainer = new Trainer<Batch, Mlp>({
    model,
    optimizer,
    loss: crossEntropy,
    data: blobs(),
    epochs: 3,
    progress: false,
    seed: 5,
    ...overrides,
  });
  const dispose = () => {
    model.dispose();
    optimizer.dispose();
  };
  return { model, optimizer, trainer, dispose };
}

const paramBytes = (m: Module): number[][] => m.namedParameters().map(([, v]) => Array.from(v.dataSync()));

describe('Trainer', () => {
  it('learns a synthetic classification task in training mode, restoring eval mode after', async () => {
    let sawTraining = true;
    const { model, trainer, dispose } = setup({
      epochs: 10,
      clipNorm: 5,
      loss: (b, m) => {
        sawTraining &&= m.training;
        return crossEntropy(b, m);
      },
    });
    model.eval();
    const h = await trainer.fit();
    expect(sawTraining).toBe(true);
    expect(model.training).toBe(false);
    expect(h.steps).toHaveLength(60);
    expect(h.epochs.map((e) => e.epoch)).toEqual([...Array(10).keys()]);
    expect(h.steps[0]).toMatchObject({ step: 1, epoch: 0, batchIndex: 0, lr: 0.02, auxLosses: {} });
    expect(h.steps[0].totalLoss).toBe(h.steps[0].loss);
    expect(h.epochs[9].meanLoss).toBeLessThan(0.5 * h.epochs[0].meanLoss);
    dispose();
  });

  it('keeps tf.memory().numTensors exactly flat across steps', async () => {
    const counts: number[] = [];
    const { trainer, dispose } = setup({
      callbacks: { onStep: () => void counts.push(tf.memory().numTensors) },
    });
    await trainer.fit();
    expect(counts).toHaveLength(18);
    expect(new Set(counts.slice(1)).size).toBe(1);
    dispose();
  });

  it('throws NonFiniteError naming step 3 and "loss" when the loss turns NaN, leaking nothing', async () => {
    let calls = 0;
    const { trainer, dispose } = setup({
      loss: (b, m) => {
        const out = crossEntropy(b, m);
        return ++calls === 3 ? { loss: tf.mul(out.loss, NaN) } : out;
      },
    });
    const before = tf.memory().numTensors;
    const err = await trainer.fit().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonFiniteError);
    expect(err).toMatchObject({ step: 3, tensor: 'loss' });
    expect((err as Error).message).toMatch(/step 3.*"loss"/);
    expect(trainer.position).toEqual({ step: 2, epoch: 0, batchIndex: 2 });
    expect(tf.memory().numTensors).toBe(before);
    dispose();
  });

  it('throws TensorLeakError when the loss function leaks', async () => {
    const leaked: tf.Tensor[] = [];
    const { trainer, dispose } = setup({
      loss: (b, m) => {
        leaked.push(tf.keep(tf.zeros([1])));
        return crossEntropy(b, m);
      },
    });
    const err = await trainer.fit().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TensorLeakError);
    expect(err).toMatchObject({ step: 2, growth: 1 });
    tf.dispose(leaked);
    dispose();
  });

  it('is deterministic: the same seed gives identical losses and parameters', async () => {
    const a = setup();
    const ha = await a.trainer.fit();
    const b = setup();
    const hb = await b.trainer.fit();
    expect(hb.steps.map((s) => s.loss)).toEqual(ha.steps.map((s) => s.loss));
    expect(paramBytes(b.model)).toEqual(paramBytes(a.model));
    const c = setup({ seed: 6 });
    const hc = await c.trainer.fit();
    expect(hc.steps.map((s) => s.loss)).not.toEqual(ha.steps.map((s) => s.loss));
    [a, b, c].forEach((r) => r.dispose());
  });

  it('resumes bit-exactly: K steps + checkpoint + fresh trainer + K steps == 2K steps', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'moe-trainer-'));
    const ckpt = path.join(dir, 'ckpt');
    try {
      const full = setup();
      const hFull = await full.trainer.fit();
      expect(hFull.steps).toHaveLength(18);

      // K = 9 stops mid-epoch (epoch 1, batch 3).
      let stopAt9: (step: number) => void = () => {};
      const first = setup({
        checkpoint: { dir: ckpt, every: 9, model: 'mlp' },
        callbacks: { onStep: (s) => stopAt9(s.step) },
      });
      stopAt9 = (step) => (step === 9 ? first.trainer.stop() : undefined);
      await first.trainer.fit();
      expect(first.trainer.position).toEqual({ step: 9, epoch: 1, batchIndex: 3 });
      first.dispose();

      setSeed(999); // scramble the stream: resume must restore it
      const second = setup({ resumeFrom: ckpt, checkpoint: { dir: ckpt, every: 9, model: 'mlp' } }, 42);
      expect(paramBytes(second.model)).not.toEqual(paramBytes(full.model));
      const hResumed = await second.trainer.fit();
      expect(hResumed.steps).toEqual(hFull.steps);
      expect(hResumed.epochs).toEqual(hFull.epochs);
      expect(paramBytes(second.model)).toEqual(paramBytes(full.model));
      expect(second.optimizer.stepCount).toBe(18);

      const wrong = setup({ resumeFrom: ckpt, checkpoint: { dir: ckpt, every: 9, model: 'other' } });
      await expect(wrong.trainer.fit()).rejects.toMatchObject({ code: 'MODEL' });
      await expect(wrong.trainer.fit()).rejects.toBeInstanceOf(CheckpointError);
      [full, second, wrong].forEach((r) => r.dispose());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('adds every aux loss term to the differentiated loss and reports them and the routing', async () => {
    const fakeAux = (m: Mlp, main: number): MoEAux => ({
      losses: { aux: tf.scalar(main), z: tf.mul(0.01, tf.sum(tf.square(m.w1))) as tf.Scalar },
      counts: tf.tensor1d([3, 1]),
      probs: tf.tensor2d([
        [0.5, 0.5],
        [1, 0],
      ]),
      dropped: tf.scalar(0),
      indices: tf.tensor2d([[0], [0], [0], [1]], [4, 1], 'int32'),
    });
    const run = async (auxLosses: boolean) => {
      const r = setup({
        epochs: 1,
        auxLosses,
        loss: (b, m) => ({ ...crossEntropy(b, m), aux: [fakeAux(m, 0.25), fakeAux(m, 0.5)] }),
      });
      const h = await r.trainer.fit();
      const w = paramBytes(r.model);
      r.dispose();
      return { h, w };
    };
    const on = await run(true);
    const s = on.h.steps[0];
    expect(s.auxLosses.aux).toBeCloseTo(0.75, 6);
    expect(s.auxLosses.z).toBeGreaterThan(0);
    expect(s.totalLoss).toBeCloseTo(s.loss + 0.75 + s.auxLosses.z, 5);
    expect(s.routing).toMatchObject({ load: [0.75, 0.25], maxVio: 0.5, unusedExperts: 0 });
    expect(s.routing?.entropy).toBeCloseTo(Math.log(2) / 2, 6);

    const off = await run(false);
    expect(off.h.steps[0].totalLoss).toBe(off.h.steps[0].loss);
    expect(off.h.steps[0].auxLosses.aux).toBeCloseTo(0.75, 6);
    // The z term has a gradient, so training with it ends elsewhere.
    expect(off.w).not.toEqual(on.w);
  });
});
