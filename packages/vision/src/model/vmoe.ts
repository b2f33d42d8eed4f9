import { fitShuffled, imagePatches, makeRng, permutation, tf, TokenClassifier } from '@moe-zoo/core';
import { z } from 'zod';
import { imagePool, poolImage } from '../data/npm-images';

/**
 * Config of {@link createViT}: a small ViT on 28×28 images cut into `patch`×`patch` patches.
 * `kind: 'moe'` is V-MoE (Riquelme et al. 2021): MoE FFNs (top-k of `numExperts` experts of
 * width `hidden`, Switch aux loss) in every `moeEvery`-th block counting from the last, dense
 * FFNs of width `topK · hidden` elsewhere; `kind: 'dense'` uses width `topK · hidden`
 * everywhere, so both have the same active parameters per token (up to the router).
 */
export const ViTConfigSchema = z.object({
  kind: z.enum(['dense', 'moe']),
  patch: z.number().int().positive().default(7),
  dim: z.number().int().positive().default(48),
  heads: z.number().int().positive().default(4),
  depth: z.number().int().positive().default(2),
  hidden: z.number().int().positive().default(48),
  numExperts: z.number().int().positive().default(8),
  topK: z.number().int().positive().default(2),
  moeEvery: z.number().int().positive().default(2),
  /** Coefficient of the Switch load-balancing loss. */
  aux: z.number().min(0).default(0.01),
  numClasses: z.number().int().positive().default(10),
  imageSize: z.number().int().positive().default(28),
});

/** Parsed ViT config. */
export type ViTConfig = z.infer<typeof ViTConfigSchema>;

/** A ViT (dense) or V-MoE classifier; see {@link ViTConfigSchema}. */
export function createViT(input: z.input<typeof ViTConfigSchema>): TokenClassifier {
  const c = ViTConfigSchema.parse(input);
  if (c.imageSize % c.patch !== 0)
    throw new Error(`createViT: imageSize ${c.imageSize} is not divisible by patch ${c.patch}`);
  return new TokenClassifier({
    inputDim: c.patch * c.patch,
    tokens: (c.imageSize / c.patch) ** 2,
    dim: c.dim,
    heads: c.heads,
    depth: c.depth,
    numClasses: c.numClasses,
    moeEvery: c.moeEvery,
    ffn:
      c.kind === 'moe'
        ? {
            kind: 'moe',
            moe: { hidden: c.hidden, numExperts: c.numExperts, topK: c.topK, losses: { aux: c.aux } },
          }
        : { kind: 'dense', hidden: c.hidden * c.topK },
  });
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

/** Options of {@link trainViT}. */
export interface TrainViTOptions {
  epochs: number;
  batchSize?: number;
  lr?: number;
  seed?: number;
  onStep?: (loss: number) => void;
}

/**
 * Trains a {@link createViT} model with core's `fitShuffled` (AdamW, warmup + cosine,
 * clipping; the MoE balancing loss is added by the trainer). Returns the per-step losses and,
 * for V-MoE, the per-step MaxVio (load imbalance).
 */
export async function trainViT(
  model: TokenClassifier,
  set: LabelledImages,
  patch: number,
  o: TrainViTOptions,
): Promise<{ seconds: number; losses: number[]; maxVio: number[] }> {
  const losses: number[] = [];
  const maxVio: number[] = [];
  const numClasses = model.options.numClasses;
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

/** Test accuracy (eval mode, batches of 250). */
export function evaluateViT(model: TokenClassifier, set: LabelledImages, patch: number): number {
  const wasTraining = model.training;
  model.eval();
  let correct = 0;
  for (let from = 0; from < set.n; from += 250) {
    const idx = Array.from({ length: Math.min(250, set.n - from) }, (_, i) => from + i);
    const { x, y } = batch(set, idx, patch);
    correct += tf.tidy(() => {
      const pred = tf.argMax(model.forward(x).logits, -1);
      return tf.sum(tf.cast(tf.equal(pred, y), 'int32')).dataSync()[0];
    });
    tf.dispose([x, y]);
  }
  model.train(wasTraining);
  return correct / set.n;
}
