import { fitShuffled, loadCheckpoint, saveCheckpoint, tf, TokenClassifier } from '@moe-zoo/core';
import { z } from 'zod';
import type { AudioSet } from '../data/spoken-digits';
import { DEFAULT_FEATURES, featureShape } from '../data/preprocess';

/** Config of {@link createAudioTransformer}; `kind: 'dense'` gives the twin at equal active parameters. */
export const AudioModelConfigSchema = z.object({
  kind: z.enum(['dense', 'moe']),
  dim: z.number().int().positive().default(48),
  heads: z.number().int().positive().default(4),
  depth: z.number().int().positive().default(2),
  /** Hidden width of one expert; the dense twin uses topK × hidden. */
  hidden: z.number().int().positive().default(48),
  numExperts: z.number().int().positive().default(8),
  topK: z.number().int().positive().default(2),
  numClasses: z.number().int().positive().default(10),
  features: z
    .object({
      sampleRate: z.number().positive(),
      windowSeconds: z.number().positive(),
      frameLength: z.number().int().positive(),
      hop: z.number().int().positive(),
      fftSize: z.number().int().positive(),
      nMels: z.number().int().positive(),
      stack: z.number().int().positive(),
    })
    .default(DEFAULT_FEATURES),
});

/** Parsed model config. */
export type AudioModelConfig = z.infer<typeof AudioModelConfigSchema>;

/** The checkpoint model name. */
export const AUDIO_MODEL_NAME = 'moe-zoo-audio-transformer';

/**
 * An audio transformer over log-mel tokens (frames → tokens): core's TokenClassifier with MoE
 * FFNs (`numExperts` experts of width `hidden`, top-k) or dense FFNs of width `topK·hidden`, so
 * the twins have equal active parameters.
 */
export function createAudioTransformer(input: z.input<typeof AudioModelConfigSchema>): TokenClassifier {
  const c = AudioModelConfigSchema.parse(input);
  const { tokens, dims } = featureShape(c.features);
  return new TokenClassifier({
    inputDim: dims,
    tokens,
    dim: c.dim,
    heads: c.heads,
    depth: c.depth,
    numClasses: c.numClasses,
    ffn:
      c.kind === 'moe'
        ? { kind: 'moe', moe: { hidden: c.hidden, numExperts: c.numExperts, topK: c.topK } }
        : { kind: 'dense', hidden: c.hidden * c.topK },
  });
}

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

/** Options of {@link trainAudioClassifier}. */
export interface TrainAudioOptions {
  epochs: number;
  batchSize?: number;
  lr?: number;
  seed?: number;
  /** Called after every step with the loss and (MoE) MaxVio. */
  onStep?: (loss: number, maxVio: number | undefined) => void;
}

/** Trains with core's Trainer (AdamW, warmup + cosine, clipping, aux losses on). Returns per-step losses. */
export async function trainAudioClassifier(
  model: TokenClassifier,
  train: AudioSet,
  o: TrainAudioOptions,
): Promise<{ losses: number[]; maxVio: number[]; seconds: number }> {
  const batchSize = o.batchSize ?? 32;
  const lr = o.lr ?? 3e-3;
  const seed = o.seed ?? 0;
  if (train.n < batchSize)
    throw new Error(`trainAudioClassifier: ${train.n} samples < batch size ${batchSize}`);
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

/** Evaluates in eval mode in batches, reading back the MoE routing indices of each batch. */
export function evaluateAudio(model: TokenClassifier, set: AudioSet, batchSize = 256): AudioEvaluation {
  model.eval();
  const layers = model.moeLayers();
  const numExperts = layers.length ? layers[0].config.numExperts : 0;
  const predictions = new Int32Array(set.n);
  const usage = layers.length ? new Float64Array(set.n * numExperts) : undefined;
  let correct = 0;
  for (let from = 0; from < set.n; from += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, set.n - from) }, (_, i) => from + i);
    const { x, y } = batchOf(set, idx);
    const { pred, indices } = tf.tidy(() => {
      const out = model.forward(x);
      return {
        pred: tf.argMax(out.logits, -1).dataSync() as Int32Array,
        indices: out.aux.map((a) => a.indices.dataSync() as Int32Array),
      };
    });
    const labels = y.dataSync();
    tf.dispose([x, y]);
    for (let i = 0; i < idx.length; i++) {
      predictions[from + i] = pred[i];
      if (pred[i] === labels[i]) correct++;
    }
    if (usage) {
      for (const ind of indices) {
        const perSample = ind.length / idx.length;
        for (let t = 0; t < ind.length; t++) {
          const sample = from + Math.floor(t / perSample);
          usage[sample * numExperts + ind[t]]++;
        }
      }
    }
  }
  model.train();
  return { accuracy: correct / set.n, predictions, usage, numExperts };
}

/** Saves the model and its config with core's checkpoint format. */
export async function saveAudioModel(
  dir: string,
  model: TokenClassifier,
  config: z.input<typeof AudioModelConfigSchema>,
): Promise<void> {
  await saveCheckpoint(dir, {
    model: AUDIO_MODEL_NAME,
    state: model.stateDict(),
    config: AudioModelConfigSchema.parse(config),
    configSchema: AudioModelConfigSchema,
  });
}

/** Loads a model saved by {@link saveAudioModel}; the config is validated before weights are allocated. */
export async function loadAudioModel(
  dir: string,
): Promise<{ model: TokenClassifier; config: AudioModelConfig }> {
  const { manifest, state, files } = await loadCheckpoint(dir, {
    expectModel: AUDIO_MODEL_NAME,
    configSchema: AudioModelConfigSchema,
  });
  const config = AudioModelConfigSchema.parse(manifest.config);
  const model = createAudioTransformer(config);
  try {
    model.loadStateDict(state);
  } finally {
    tf.dispose([...Object.values(state), ...Object.values(files).flatMap((f) => Object.values(f))]);
  }
  return { model, config };
}
