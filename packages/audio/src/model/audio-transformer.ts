import {
  evaluateInBatches,
  fitShuffled,
  functionField,
  LearningRateSchema,
  LIMITS,
  loadModel,
  MAX_BATCH_SIZE,
  MAX_EPOCHS,
  ConfigError,
  parseConfig,
  refineTokenClassifier,
  saveModel,
  sizeField,
  tf,
  TokenClassifier,
  TokenClassifierConfigSchema,
  tokenClassifierSizeChecks,
  type LoadedModel,
  type ModelFormat,
  type SizeCheck,
} from '@moe-zoo/core';
import { z } from 'zod';
import type { AudioSet } from '../data/spoken-digits';
import {
  DEFAULT_FEATURES,
  FeatureConfigSchema as AudioFeatureConfigSchema,
  featureShape,
} from '../data/preprocess';

const shape = TokenClassifierConfigSchema.shape;

/**
 * Config of {@link createAudioTransformer}: core's `TokenClassifierConfigSchema` with the input
 * (`inputDim`, `tokens`) taken from the log-mel `features`, and the audio defaults (D=48, 4 heads,
 * depth 2, 10 classes). `ffn` is core's `FfnSlotConfigSchema`, so every MoE option of core (router,
 * dispatch, capacity, shared experts, balancing losses) reaches the model, e.g.
 * `{ kind: 'moe', moe: { hidden: 48, numExperts: 8, topK: 2 } }` or its dense twin at equal active
 * parameters `{ kind: 'dense', hidden: 96 }` (width topK x hidden).
 */
export const AudioModelConfigSchema = TokenClassifierConfigSchema.omit({
  inputDim: true,
  tokens: true,
})
  .extend({
    dim: shape.dim.default(48),
    heads: shape.heads.default(4),
    depth: shape.depth.default(2),
    numClasses: shape.numClasses.default(10),
    features: AudioFeatureConfigSchema.default(DEFAULT_FEATURES),
  })
  .superRefine((c, ctx) => {
    if (ctx.issues.length > 0) return;
    const { tokens, dims } = featureShape(c.features);
    refineTokenClassifier({ ...c, inputDim: dims, tokens }, ctx);
  });

/** Parsed model config. */
export type AudioModelConfig = z.output<typeof AudioModelConfigSchema>;
/** Model config as written by a caller (defaults not yet applied). */
export type AudioModelConfigInput = z.input<typeof AudioModelConfigSchema>;

/**
 * The flat config that checkpoints saved before the FFN-slot config hold
 * (`{ kind, hidden, numExperts, topK, ... }`): MoE = `numExperts` experts of width `hidden`, top-k,
 * with core's default router, dispatch and losses; dense = one FFN of width `topK · hidden`.
 */
const LegacyAudioModelConfigSchema = z.strictObject({
  kind: z.enum(['dense', 'moe']),
  dim: sizeField(LIMITS.dim).default(48),
  heads: sizeField(LIMITS.heads).default(4),
  depth: sizeField(LIMITS.depth).default(2),
  hidden: sizeField(LIMITS.hidden).default(48),
  numExperts: sizeField(LIMITS.numExperts).default(8),
  topK: sizeField(LIMITS.numExperts).default(2),
  numClasses: sizeField(LIMITS.vocab, 2).default(10),
  features: AudioFeatureConfigSchema.default(DEFAULT_FEATURES),
});

function isLegacyConfig(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'kind' in value && !('ffn' in value);
}

/**
 * A checkpoint's stored config: the current form ({@link AudioModelConfigSchema}), or the flat form
 * of older checkpoints (`{ kind: 'moe' | 'dense', hidden, numExperts, topK, ... }`), converted to
 * the model it described.
 */
export const AudioCheckpointConfigSchema = z.preprocess((value, ctx) => {
  if (!isLegacyConfig(value)) return value;
  const legacy = LegacyAudioModelConfigSchema.safeParse(value);
  if (!legacy.success) {
    for (const issue of legacy.error.issues)
      ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    return z.NEVER;
  }
  const { kind, hidden, numExperts, topK, ...rest } = legacy.data;
  const ffn =
    kind === 'moe'
      ? { kind: 'moe' as const, moe: { hidden, numExperts, topK } }
      : { kind: 'dense' as const, hidden: hidden * topK };
  return { ...rest, ffn };
}, AudioModelConfigSchema);

/**
 * An audio transformer over log-mel tokens (frames → tokens): core's TokenClassifier with the FFN
 * slots of `config.ffn` (MoE or dense; see {@link AudioModelConfigSchema}), which keeps its config.
 *
 * @example
 * ```ts
 * const moe = new AudioTransformer({ ffn: { kind: 'moe', moe: { hidden: 48, numExperts: 8, topK: 2 } } });
 * const dense = new AudioTransformer({ ffn: { kind: 'dense', hidden: 96 } }); // equal active parameters
 * ```
 */
export class AudioTransformer extends TokenClassifier {
  readonly config: AudioModelConfig;

  constructor(input: AudioModelConfigInput) {
    const config = parseConfig(AudioModelConfigSchema, input, 'audio model config');
    const { features, ...c } = config;
    const { tokens, dims } = featureShape(features);
    super({ ...c, inputDim: dims, tokens });
    this.config = config;
  }
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
 * Evaluates in batches in eval mode (core's `evaluateInBatches`; the training flag is restored
 * afterwards), reading back the MoE routing of each batch for the expert usage.
 */
export function evaluateAudio(model: TokenClassifier, set: AudioSet, batchSize = 256): AudioEvaluation {
  const layers = model.moeLayers();
  const numExperts = layers.length ? layers[0].config.numExperts : 0;
  const predictions = new Int32Array(set.n);
  const usage = layers.length ? new Float64Array(set.n * numExperts) : undefined;
  let correct = 0;
  evaluateInBatches(model, set.n, batchSize, ({ from, size, indices }) => {
    const { x, y } = batchOf(set, indices);
    const out = model.forward(x);
    const pred = tf.argMax(out.logits, -1).dataSync();
    const labels = y.dataSync();
    for (let i = 0; i < size; i++) {
      predictions[from + i] = pred[i];
      if (pred[i] === labels[i]) correct++;
    }
    if (!usage) return;
    out.aux.forEach((aux, l) => {
      // Token choice: indices [T, k] hold experts; expert choice: [E, C] hold the tokens each expert took.
      const ind = aux.indices.dataSync();
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

/**
 * How an {@link AudioTransformer} is stored (core's checkpoint format). Checkpoints with the older
 * flat config (`{ kind, hidden, numExperts, topK }`) load too, converted to the current form.
 */
export const AUDIO_FORMAT: ModelFormat<AudioTransformer, typeof AudioCheckpointConfigSchema> = {
  name: 'moe-zoo-audio-transformer',
  configSchema: AudioCheckpointConfigSchema,
  configOf: (model) => model.config,
  build: (config) => new AudioTransformer(config),
  sizeChecks: audioSizeChecks,
};

/** Where an audio transformer's weights show its size fields (the token classifier's, features). */
export function audioSizeChecks(config: AudioModelConfig): SizeCheck[] {
  const { tokens, dims } = featureShape(config.features);
  const rename: Record<string, string> = { inputDim: 'features.nMels', tokens: 'features.windowSeconds' };
  return tokenClassifierSizeChecks({ ...config, inputDim: dims, tokens }).map((c) => ({
    ...c,
    field: rename[c.field] ?? c.field,
  }));
}

/**
 * Saves the model, its config and optional JSON `extra` with core's checkpoint format.
 *
 * @example
 * ```ts
 * await saveAudioModel('runs/digits', model, { accuracy: 0.81 });
 * const { model: again, config, extra } = await loadAudioModel('runs/digits');
 * ```
 */
export async function saveAudioModel(
  dir: string,
  model: AudioTransformer,
  extra?: Record<string, unknown>,
): Promise<void> {
  await saveModel(dir, AUDIO_FORMAT, model, extra);
}

/** Loads a model saved by {@link saveAudioModel}; the config is validated before weights are allocated. */
export async function loadAudioModel(dir: string): Promise<LoadedModel<AudioTransformer, AudioModelConfig>> {
  return loadModel(dir, AUDIO_FORMAT);
}
