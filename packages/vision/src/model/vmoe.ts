import {
  evaluateInBatchesAsync,
  fitShuffled,
  imagePatches,
  loadModel,
  makeRng,
  functionField,
  LIMITS,
  parseConfig,
  permutation,
  refineTokenClassifier,
  sizeField,
  tokenClassifierSizeChecks,
  TrainOptionsSchema,
  saveModel,
  tf,
  TokenClassifier,
  TokenClassifierConfigSchema,
  type LoadedModel,
  type ModelFormat,
} from '@moe-zoo/core';
import { z } from 'zod';
import { imagePool, poolImage } from '../data/npm-images';

const shape = TokenClassifierConfigSchema.shape;

/**
 * Config of {@link ViT}: a small ViT on `imageSize`×`imageSize` images cut into
 * `patch`×`patch` patches — core's `TokenClassifierConfigSchema` with the input (`inputDim`,
 * `tokens`) taken from the patching. `ffn` is core's `FfnSlotConfigSchema`, so every MoE option
 * of core (router, dispatch, capacity, shared experts, losses) reaches the model. With an MoE
 * slot it is V-MoE (Riquelme et al. 2021): MoE FFNs in every `moeEvery`-th block counting from
 * the last (default 2: alternate blocks), dense FFNs of the MoE's active width `topK · hidden`
 * elsewhere (or `denseHidden`). The dense ViT with `{ kind: 'dense', hidden: topK · hidden }` has
 * the same active parameters per token (up to the router).
 *
 * @example
 * ```ts
 * const vmoe = new ViT({ ffn: { kind: 'moe', moe: { hidden: 48, numExperts: 8, topK: 2 } } });
 * const vit = new ViT({ ffn: { kind: 'dense', hidden: 96 } });
 * ```
 */
export const ViTConfigSchema = TokenClassifierConfigSchema.omit({ inputDim: true, tokens: true })
  .extend({
    patch: sizeField(LIMITS.patch).default(7),
    imageSize: sizeField(LIMITS.imageSize).default(28),
    dim: shape.dim.default(48),
    heads: shape.heads.default(4),
    depth: shape.depth.default(2),
    numClasses: shape.numClasses.default(10),
    moeEvery: shape.moeEvery.unwrap().default(2),
  })
  .superRefine((c, ctx) => {
    if (ctx.issues.length > 0) return;
    if (c.imageSize % c.patch !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['patch'],
        message: `${c.patch} does not divide imageSize (${c.imageSize})`,
      });
      return;
    }
    const tokens = (c.imageSize / c.patch) ** 2;
    if (tokens > LIMITS.tokens) {
      ctx.addIssue({
        code: 'custom',
        path: ['imageSize'],
        message: `${tokens} patches, more than ${LIMITS.tokens}`,
      });
      return;
    }
    refineTokenClassifier({ ...c, inputDim: c.patch * c.patch, tokens }, ctx);
  });

/** Parsed ViT config. */
export type ViTConfig = z.output<typeof ViTConfigSchema>;
/** ViT config as written by a caller (defaults not yet applied). */
export type ViTConfigInput = z.input<typeof ViTConfigSchema>;

/** A ViT (dense FFNs) or V-MoE (MoE FFNs) classifier that keeps its config; see {@link ViTConfigSchema}. */
export class ViT extends TokenClassifier {
  readonly config: ViTConfig;

  constructor(input: ViTConfigInput) {
    const config = parseConfig(ViTConfigSchema, input, 'vit config');
    const { patch, imageSize, ...c } = config;
    super({ ...c, inputDim: patch * patch, tokens: (imageSize / patch) ** 2 });
    this.config = config;
  }
}

/** How a {@link ViT} is stored (core's checkpoint format). */
export const VIT_FORMAT: ModelFormat<ViT, typeof ViTConfigSchema> = {
  name: 'moe-zoo/vit',
  configSchema: ViTConfigSchema,
  configOf: (model) => model.config,
  build: (config) => new ViT(config),
  sizeChecks: (config) => {
    const { patch, imageSize } = config;
    const rename: Record<string, string> = { inputDim: 'patch', tokens: 'imageSize' };
    return tokenClassifierSizeChecks({
      ...config,
      inputDim: patch * patch,
      tokens: (imageSize / patch) ** 2,
    }).map((c) => ({ ...c, field: rename[c.field] ?? c.field }));
  },
};

/**
 * Saves a ViT / V-MoE (weights, config and optional JSON `extra`) with core's checkpoint format.
 *
 * @example
 * ```ts
 * await saveViTModel('runs/vmoe', model, { accuracy: 0.74 });
 * const { model: again, config, extra } = await loadViTModel('runs/vmoe');
 * ```
 */
export async function saveViTModel(dir: string, model: ViT, extra?: Record<string, unknown>): Promise<void> {
  await saveModel(dir, VIT_FORMAT, model, extra);
}

/** Loads a model saved by {@link saveViTModel}; the config is validated before weights are allocated. */
export async function loadViTModel(dir: string): Promise<LoadedModel<ViT, ViTConfig>> {
  return loadModel(dir, VIT_FORMAT);
}

/** Labelled greyscale images in host memory. */
export interface LabelledImages {
  n: number;
  size: number;
  /** [n × size × size] in [0, 1] */
  x: Float32Array;
  y: Int32Array;
}

/**
 * Fashion-MNIST at 28×28 from the fixed pools (train images from the first 6000 of each class,
 * test images from the rest), `perClass` images of each class per split, drawn by seed.
 */
export function loadFashion(o: { trainPerClass: number; testPerClass: number; seed?: number }): {
  train: LabelledImages;
  test: LabelledImages;
} {
  const pick = (split: 'train' | 'test', perClass: number): LabelledImages => {
    const pool = imagePool('fashion-mnist', split);
    const order = permutation(
      pool.label.length,
      makeRng((o.seed ?? 0) * 7919 + (split === 'train' ? 71 : 72)),
    );
    const taken = new Array<number>(10).fill(0);
    const chosen: number[] = [];
    for (const k of order) {
      if (taken[pool.label[k]] < perClass) {
        taken[pool.label[k]]++;
        chosen.push(k);
      }
      if (chosen.length === perClass * 10) break;
    }
    const x = new Float32Array(chosen.length * 784);
    const y = new Int32Array(chosen.length);
    chosen.forEach((k, i) => {
      x.set(poolImage('fashion-mnist', pool.label[k], pool.index[k], 28), i * 784);
      y[i] = pool.label[k];
    });
    return { n: chosen.length, size: 28, x, y };
  };
  return { train: pick('train', o.trainPerClass), test: pick('test', o.testPerClass) };
}

function batch(set: LabelledImages, idx: ArrayLike<number>, patch: number) {
  const per = set.size * set.size;
  const x = new Float32Array(idx.length * per);
  const y = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    x.set(set.x.subarray(idx[i] * per, (idx[i] + 1) * per), i * per);
    y[i] = set.y[idx[i]];
  }
  return tf.tidy(() => ({
    x: imagePatches(tf.tensor3d(x, [idx.length, set.size, set.size]), patch),
    y: tf.tensor1d(y, 'int32'),
  }));
}

/** Options of {@link trainViT} (strict: a misspelt option is a `ConfigError` naming it). */
export const TrainViTOptionsSchema = TrainOptionsSchema.extend({
  onStep: functionField<(loss: number) => void>('a step callback').optional(),
});
/** Options of {@link trainViT}. */
export type TrainViTOptions = z.input<typeof TrainViTOptionsSchema>;

/**
 * Trains a {@link ViT} with core's `fitShuffled` (AdamW, warmup + cosine,
 * clipping; the MoE balancing loss is added by the trainer). Returns the per-step losses and,
 * for V-MoE, the per-step MaxVio (load imbalance).
 */
export async function trainViT(
  model: ViT,
  set: LabelledImages,
  options: TrainViTOptions,
): Promise<{ seconds: number; losses: number[]; maxVio: number[] }> {
  const o = parseConfig(TrainViTOptionsSchema, options, 'trainViT options');
  const losses: number[] = [];
  const maxVio: number[] = [];
  const { numClasses, patch } = model.config;
  const { seconds } = await fitShuffled({
    model,
    samples: set.n,
    makeBatch: (idx) => batch(set, idx, patch),
    epochs: o.epochs,
    batchSize: o.batchSize ?? 64,
    lr: o.lr ?? 3e-3,
    seed: o.seed ?? 0,
    loss: ({ x, y }, m) => {
      const { logits, aux } = m.forward(x);
      return { loss: tf.losses.softmaxCrossEntropy(tf.oneHot(y, numClasses), logits) as tf.Scalar, aux };
    },
    callbacks: {
      onStep: (s) => {
        losses.push(s.loss);
        if (s.routing) maxVio.push(s.routing.maxVio);
        o.onStep?.(s.loss);
      },
    },
  });
  return { seconds, losses, maxVio };
}

/**
 * Test accuracy (eval mode, batches of 250; core's `evaluateInBatchesAsync`, awaited reads: every
 * backend).
 *
 * @example
 * ```ts
 * const accuracy = await evaluateViT(model, data.test);
 * ```
 */
export async function evaluateViT(model: ViT, set: LabelledImages): Promise<number> {
  const { patch } = model.config;
  const correct = await evaluateInBatchesAsync(model, set.n, 250, async ({ indices }) => {
    const { x, y } = batch(set, indices, patch);
    const pred = tf.argMax(model.forward(x).logits, -1);
    // Float sum of the hits (webgpu sums int32 wrongly); exact for batch-sized counts.
    return (await tf.sum(tf.cast(tf.equal(pred, y), 'float32')).data())[0];
  });
  return correct.reduce((a, b) => a + b, 0) / set.n;
}
