/** Training and evaluation of audio classifiers (core's Trainer: Node only). */
import {
  ConfigError,
  evaluateInBatchesAsync,
  ffnAux,
  fitShuffled,
  functionField,
  LearningRateSchema,
  MAX_BATCH_SIZE,
  MAX_EPOCHS,
  parseConfig,
  sizeField,
  tf,
  type TokenClassifier,
} from '@moe-zoo/core';
import { z } from 'zod';
import type { AudioSet } from '../data/spoken-digits';

function batchOf(set: AudioSet, idx: ArrayLike<number>): { x: tf.Tensor3D; y: tf.Tensor1D } {
  const size = set.tokens * set.dims;
  const x = new Float32Array(idx.length * size);
  const y = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    x.set(set.x.subarray(idx[i] * size, (idx[i] + 1) * size), i * size);
    y[i] = set.y[idx[i]];
  }
  return { x: tf.tensor3d(x, [idx.length, set.tokens, set.dims]), y: tf.tensor1d(y, 'int32') };
}

/** Options of {@link trainAudioClassifier} (strict: a misspelt option is a `ConfigError` naming it). */
export const TrainAudioOptionsSchema = z.strictObject({
  epochs: sizeField(MAX_EPOCHS),
  batchSize: sizeField(MAX_BATCH_SIZE).default(32),
  lr: LearningRateSchema.default(3e-3),
  seed: z.number().int().min(0).default(0),
  /** Called after every step with the loss and (MoE) MaxVio. */
  onStep: functionField<(loss: number, maxVio: number | undefined) => void>('a step callback').optional(),
});
/** Options of {@link trainAudioClassifier}. */
export type TrainAudioOptions = z.input<typeof TrainAudioOptionsSchema>;

/** Trains with core's Trainer (AdamW, warmup + cosine, clipping, aux losses on). Returns per-step losses. */
export async function trainAudioClassifier(
  model: TokenClassifier,
  train: AudioSet,
  options: TrainAudioOptions,
): Promise<{ losses: number[]; maxVio: number[]; seconds: number }> {
  const o = parseConfig(TrainAudioOptionsSchema, options, 'trainAudioClassifier options');
  const { batchSize, lr, seed } = o;
  if (train.n < batchSize) {
    throw new ConfigError('trainAudioClassifier options', [
      { path: 'batchSize', message: `${batchSize} is more than the ${train.n} training samples` },
    ]);
  }
  const numClasses = model.options.numClasses;
  const losses: number[] = [];
  const maxVio: number[] = [];
  const { seconds } = await fitShuffled({
    model,
    samples: train.n,
    makeBatch: (idx) => batchOf(train, idx),
    epochs: o.epochs,
    batchSize,
    lr,
    seed,
    loss: ({ x, y }, m) => {
      const { logits, aux } = m.forward(x);
      return { loss: tf.losses.softmaxCrossEntropy(tf.oneHot(y, numClasses), logits) as tf.Scalar, aux };
    },
    callbacks: {
      onStep: (s) => {
        losses.push(s.loss);
        if (s.routing) maxVio.push(s.routing.maxVio);
        o.onStep?.(s.loss, s.routing?.maxVio);
      },
    },
  });
  return { losses, maxVio, seconds };
}

/** Predictions and, for MoE models, per-sample expert usage. */
export interface AudioEvaluation {
  accuracy: number;
  /** Predicted class per sample. */
  predictions: Int32Array;
  /**
   * Expert assignment counts per sample, [n × E], summed over tokens, top-k slots and MoE layers
   * (undefined for a dense model).
   */
  usage?: Float64Array;
  numExperts: number;
}

/**
 * Evaluates in batches in eval mode (core's `evaluateInBatchesAsync`; the training flag is
 * restored afterwards), reading back the predictions and, for MoE models, the routing of each
 * batch for the expert usage. The reads are awaited, so it runs on every backend (webgpu in Node
 * included).
 *
 * @example
 * ```ts
 * const { accuracy, usage } = await evaluateAudio(model, data.test);
 * ```
 */
export async function evaluateAudio(
  model: TokenClassifier,
  set: AudioSet,
  batchSize = 256,
): Promise<AudioEvaluation> {
  const layers = model.moeLayers();
  const numExperts = layers.length ? layers[0].config.numExperts : 0;
  const predictions = new Int32Array(set.n);
  const usage = layers.length ? new Float64Array(set.n * numExperts) : undefined;
  let correct = 0;
  await evaluateInBatchesAsync(model, set.n, batchSize, async ({ from, size, indices }) => {
    const { x, y } = batchOf(set, indices);
    const out = model.forward(x);
    // One aux per MoE FFN layer, in block order; a routed attention's (`source: 'attention'`) is not one.
    const auxes = usage ? ffnAux(out.aux) : [];
    const [pred, labels, ...routes] = await Promise.all([
      tf.argMax(out.logits, -1).data(),
      y.data(),
      ...auxes.map((aux) => aux.indices.data()),
    ]);
    for (let i = 0; i < size; i++) {
      predictions[from + i] = pred[i];
      if (pred[i] === labels[i]) correct++;
    }
    if (!usage) return;
    auxes.forEach((aux, l) => {
      // Token choice: indices [T, k] hold experts; expert choice: [E, C] hold the tokens each expert took.
      const ind = routes[l];
      const [rows, cols] = aux.indices.shape;
      const expertChoice = layers[l].config.router.type === 'expert-choice';
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const v = ind[r * cols + c];
          const [token, expert] = expertChoice ? [v, r] : [r, v];
          usage[(from + Math.floor(token / set.tokens)) * numExperts + expert]++;
        }
      }
    });
  });
  return { accuracy: correct / set.n, predictions, usage, numExperts };
}
