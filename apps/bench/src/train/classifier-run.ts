import {
  evaluateInBatchesAsync,
  fitShuffled,
  imagePatches,
  RoutingMetrics,
  tf,
  TokenClassifier,
} from '@moe-zoo/core';
import type { ImageSet } from '../data/fashion-mnist';
import type { RowHead } from '../stats';
import type { ProgressHandle } from '../types';
import { settle, timeMedianAsync, type TimingInfo } from '../perf/timing';

export interface ClassifierRun {
  accuracy: number;
  /** 1/0 per test image: whether the prediction was right (paired item tests). */
  correct: number[];
  trainSeconds: number;
  /** Median ms of one forward pass of a batch of `batchSize` test images (eval mode). */
  latencyMsPerBatch: number;
  /** Whether that timing ran on an idle machine. */
  timing: TimingInfo;
  losses: number[];
  maxVio: number[];
  load: number[] | undefined;
}

/** A training or test batch of `set` at the sample indices `idx`: images [n, H, W], labels [n]. */
/** The row head of a token-classifier arm: its size and FLOPs, for `seedRunsRow`. */
export function classifierRowHead(model: TokenClassifier, variant: string, task: string): RowHead {
  return {
    model: 'token-classifier',
    variant,
    task,
    paramsTotal: model.countParams(),
    paramsActive: model.activeParams(),
    flopsPerSample: model.flopsPerSample(),
  };
}

export function batch(set: ImageSet, idx: ArrayLike<number>) {
  const size = set.height * set.width;
  const x = new Float32Array(idx.length * size);
  const y = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    x.set(set.x.subarray(idx[i] * size, (idx[i] + 1) * size), i * size);
    y[i] = set.y[idx[i]];
  }
  return { images: tf.tensor3d(x, [idx.length, set.height, set.width]), labels: tf.tensor1d(y, 'int32') };
}

/**
 * 1/0 per test image, in order: whether the model (eval mode, batches of 500) classified it right.
 * Reads each batch back with `await data()`, so it runs on every backend (webgpu too).
 */
export async function evaluate(model: TokenClassifier, set: ImageSet, patch: number): Promise<number[]> {
  const batches = await evaluateInBatchesAsync(model, set.n, 500, async ({ indices }) => {
    const { images, labels } = batch(set, indices);
    const pred = tf.argMax(model.forward(imagePatches(images, patch)).logits, -1);
    return Array.from(await tf.cast(tf.equal(pred, labels), 'int32').data());
  });
  return batches.flat();
}

/**
 * Trains a patch classifier with core's `fitShuffled` (AdamW, warmup + cosine, aux losses on) and
 * reports test accuracy, training time, per-step loss and MaxVio, and inference latency.
 */
export async function runClassifier(o: {
  model: TokenClassifier;
  train: ImageSet;
  test: ImageSet;
  patch: number;
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  progress: ProgressHandle;
}): Promise<ClassifierRun> {
  const { model, train, patch, batchSize, seed } = o;
  const losses: number[] = [];
  const maxVio: number[] = [];
  let lastRouting: RoutingMetrics | undefined;
  const { seconds: trainSeconds } = await fitShuffled({
    model,
    samples: train.n,
    makeBatch: (idx) => batch(train, idx),
    epochs: o.epochs,
    batchSize,
    lr: o.lr,
    seed,
    loss: ({ images, labels }, m) => {
      const { logits, aux } = m.forward(imagePatches(images, patch));
      return { loss: tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 10), logits) as tf.Scalar, aux };
    },
    callbacks: {
      onStep: (s) => {
        losses.push(s.loss);
        if (s.routing) {
          maxVio.push(s.routing.maxVio);
          lastRouting = s.routing;
        }
        o.progress.tick(1, { loss: s.loss.toFixed(3) });
      },
    },
  });
  o.progress.done();
  const correct = await evaluate(model, o.test, patch);
  const accuracy = correct.reduce((a, b) => a + b, 0) / correct.length;
  model.eval();
  const probe = batch(
    o.test,
    Array.from({ length: batchSize }, (_, i) => i),
  );
  const infer = () => settle(tf.tidy(() => model.forward(imagePatches(probe.images, patch)).logits));
  const timing = await timeMedianAsync(infer);
  tf.dispose([probe.images, probe.labels]);
  return {
    accuracy,
    correct,
    trainSeconds,
    latencyMsPerBatch: timing.medianMs,
    timing,
    losses,
    maxVio,
    load: lastRouting?.load,
  };
}
