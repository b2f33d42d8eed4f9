/** The designs suite's training loop: every arm trains through it, EvoMoE in two stages. */
import {
  AdamW,
  imagePatches,
  makeRng,
  permutation,
  tf,
  Trainer,
  warmupCosine,
  type MoEAux,
  type Module,
  type StepInfo,
} from '@moe-zoo/core';
import type { ImageSet } from '../../data/fashion-mnist';
import { batch } from '../../train/classifier-run';
import { PATCH, type DesignsPlan } from './plan';

/** What the loop trains: a module mapping image patches to class logits and its routed layers' aux. */
export interface PatchClassifier extends Module {
  forward(x: tf.Tensor): { logits: tf.Tensor2D; aux: MoEAux[] };
}

/** Epochs `[from, to)` of one training run, and where each step's record goes. */
export interface EpochRange {
  from: number;
  to: number;
  onStep(info: StepInfo): void;
}

/**
 * Trains `model` (its trainable parameters) on epochs `[from, to)` of the plan's run: the batches and the learning rate are
 * those of those epochs in a single run over all epochs (one warmup + cosine schedule over every
 * step, epoch e shuffled by `makeRng(seed·7919 + e)`), so a run split in stages (EvoMoE) sees the
 * same data and rates as an arm trained in one go. A fresh AdamW per stage.
 */
export async function trainEpochs(
  model: PatchClassifier,
  train: ImageSet,
  plan: Pick<DesignsPlan, 'epochs' | 'batchSize' | 'lr'>,
  seed: number,
  range: EpochRange,
): Promise<void> {
  const perEpoch = Math.floor(train.n / plan.batchSize);
  const schedule = warmupCosine({
    peak: plan.lr,
    warmupSteps: Math.ceil(perEpoch / 4),
    totalSteps: perEpoch * plan.epochs,
    minLr: plan.lr / 20,
  });
  const offset = range.from * perEpoch;
  const optimizer = new AdamW(model, { lr: (step) => schedule(step + offset), weightDecay: 0.01 });
  const order = (epoch: number): Int32Array => permutation(train.n, makeRng(seed * 7919 + epoch));
  const trainer = new Trainer({
    model,
    optimizer,
    epochs: range.to - range.from,
    seed: seed * 1000 + range.from,
    clipNorm: 1,
    progress: false,
    data: {
      numBatches: () => perEpoch,
      batch: (epoch, i) =>
        batch(train, order(epoch + range.from).subarray(i * plan.batchSize, (i + 1) * plan.batchSize)),
    },
    loss: ({ images, labels }, m) => {
      const { logits, aux } = m.forward(imagePatches(images, PATCH));
      return { loss: tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 10), logits) as tf.Scalar, aux };
    },
    callbacks: { onStep: range.onStep },
  });
  try {
    await trainer.fit();
  } finally {
    optimizer.dispose();
  }
}
