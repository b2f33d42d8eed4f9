import {
  Conv2d,
  evaluateInBatchesAsync,
  fitShuffled,
  functionField,
  Linear,
  makeRng,
  Module,
  parseConfig,
  sizeField,
  tf,
  TrainOptionsSchema,
} from '@moe-zoo/core';
import { z } from 'zod';
import type { VqaSet } from './data';
import type { DigitImages } from '../mnist';
import { shiftImage } from './questions';

/** Shape of a {@link DigitEncoder}. */
export const DigitEncoderConfigSchema = z.strictObject({
  /** Channels of the first convolution (default 16; at most 1024). */
  channels1: sizeField(1024).default(16),
  /** Channels of the second and third convolutions = the token width (default 32; at most 1024). */
  channels: sizeField(1024).default(32),
});
export type DigitEncoderConfig = z.output<typeof DigitEncoderConfigSchema>;
/** Options of {@link DigitEncoder} (every field optional). */
export type DigitEncoderOptions = z.input<typeof DigitEncoderConfigSchema>;

/**
 * A small CNN "vision tower" (the miniature of a frozen pretrained image encoder such as SigLIP):
 * three stride-2 ReLU convolutions 28×28 → 14×14 → 7×7 → 4×4, read out as 16 visual tokens of
 * `channels` features. `head` (mean over tokens → 10 digits) is only used for its pre-training, so
 * every token carries digit evidence while its activation still tells where the ink is.
 *
 * @example
 * ```ts
 * const enc = new DigitEncoder();
 * const tokens = enc.tokens(tf.zeros([2, 28, 28, 1])); // [2, 16, 32]
 * ```
 */
export class DigitEncoder extends Module {
  readonly c1: Conv2d;
  readonly c2: Conv2d;
  readonly c3: Conv2d;
  readonly head: Linear;
  /** The parsed shape (stored in checkpoints of models that hold an encoder). */
  readonly config: DigitEncoderConfig;
  /** Features per token. */
  readonly channels: number;
  /** Tokens per image (a 4 × 4 grid). */
  readonly count = 16;

  constructor(o: DigitEncoderOptions = {}) {
    super();
    this.config = parseConfig(DigitEncoderConfigSchema, o, 'digit encoder config');
    const c1 = this.config.channels1;
    this.channels = this.config.channels;
    this.c1 = this.child('c1', new Conv2d(1, c1, 5, { stride: 2, padding: 'same' }));
    this.c2 = this.child('c2', new Conv2d(c1, this.channels, 3, { stride: 2, padding: 'same' }));
    this.c3 = this.child('c3', new Conv2d(this.channels, this.channels, 3, { stride: 2, padding: 'same' }));
    this.head = this.child('head', new Linear(this.channels, 10));
  }

  /** Images [B, 28, 28, 1] → visual tokens [B, 16, channels]. */
  tokens(images: tf.Tensor4D): tf.Tensor3D {
    if (images.rank !== 4 || images.shape[1] !== 28 || images.shape[2] !== 28 || images.shape[3] !== 1) {
      throw new Error(`DigitEncoder: images must be [B, 28, 28, 1], got [${images.shape}]`);
    }
    return tf.tidy(() => {
      const h = tf.relu(this.c3.forward(tf.relu(this.c2.forward(tf.relu(this.c1.forward(images))))));
      return tf.reshape(h, [images.shape[0], this.count, this.channels]) as tf.Tensor3D;
    });
  }

  /** Digit logits [B, 10] (pre-training head). */
  forward(images: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => this.head.forward(tf.mean(this.tokens(images), 1)) as tf.Tensor2D);
  }
}

function imageBatch(pixels: Float32Array, idx: ArrayLike<number>): tf.Tensor4D {
  const x = new Float32Array(idx.length * 784);
  for (let i = 0; i < idx.length; i++) x.set(pixels.subarray(idx[i] * 784, (idx[i] + 1) * 784), i * 784);
  return tf.tensor4d(x, [idx.length, 28, 28, 1]);
}

/** Options of {@link pretrainDigitEncoder} (strict: a misspelt option is a `ConfigError` naming it). */
export const PretrainEncoderOptionsSchema = TrainOptionsSchema.omit({ seed: true }).extend({
  seed: z.number().int().min(0),
  /** Random shift in [-shift, shift] pixels per axis, drawn once per image (default 4, as in the VQA sets). */
  shift: z.number().int().min(0).max(14).optional(),
  /** Called after every step with the loss. */
  onStep: functionField<(loss: number) => void>('a step callback').optional(),
});
/** Options of {@link pretrainDigitEncoder} (`batchSize` default 64, `lr` default 1e-2). */
export type PretrainEncoderOptions = z.input<typeof PretrainEncoderOptionsSchema>;

/**
 * Pre-trains a {@link DigitEncoder} on digit classification (shifted images, as the VQA sets use),
 * then freezes it. Returns the wall time.
 */
export async function pretrainDigitEncoder(
  encoder: DigitEncoder,
  images: DigitImages,
  options: PretrainEncoderOptions,
): Promise<{ seconds: number; losses: number[] }> {
  const o = parseConfig(PretrainEncoderOptionsSchema, options, 'pretrainDigitEncoder options');
  const s = o.shift ?? 4;
  const rng = makeRng(o.seed * 31 + 7);
  const pixels = new Float32Array(images.n * 784);
  for (let i = 0; i < images.n; i++) {
    const dx = Math.floor(rng() * (2 * s + 1)) - s;
    const dy = Math.floor(rng() * (2 * s + 1)) - s;
    pixels.set(shiftImage(images.x.subarray(i * 784, (i + 1) * 784), dx, dy), i * 784);
  }
  encoder.setTrainable(true);
  const losses: number[] = [];
  const { seconds } = await fitShuffled({
    model: encoder,
    samples: images.n,
    makeBatch: (idx) => ({
      x: imageBatch(pixels, idx),
      y: tf.tensor1d(
        Int32Array.from(idx, (i) => images.y[i]),
        'int32',
      ),
    }),
    epochs: o.epochs,
    batchSize: o.batchSize ?? 64,
    lr: o.lr ?? 1e-2,
    seed: o.seed,
    loss: ({ x, y }, m) => ({
      loss: tf.losses.softmaxCrossEntropy(tf.oneHot(y, 10), m.forward(x)) as tf.Scalar,
    }),
    callbacks: {
      onStep: (st) => {
        losses.push(st.loss);
        o.onStep?.(st.loss);
      },
    },
  });
  encoder.setTrainable(false);
  return { seconds, losses };
}

/**
 * Digit accuracy of the encoder's pre-training head on unshifted images (awaited reads: every
 * backend).
 *
 * @example
 * ```ts
 * const accuracy = await encoderAccuracy(encoder, images.test);
 * ```
 */
export async function encoderAccuracy(
  encoder: DigitEncoder,
  images: DigitImages,
  batchSize = 500,
): Promise<number> {
  const correct = await evaluateInBatchesAsync(encoder, images.n, batchSize, async ({ indices }) => {
    const pred = await tf.argMax(encoder.forward(imageBatch(images.x, indices)), -1).data();
    return indices.reduce((s, j, i) => s + (pred[i] === images.y[j] ? 1 : 0), 0);
  });
  return correct.reduce((a, b) => a + b, 0) / images.n;
}

/**
 * The set with the (frozen) encoder's visual tokens computed for every image (awaited reads:
 * every backend).
 *
 * @example
 * ```ts
 * const test = await withEncoderTokens(questions, encoder); // questions: a VqaSet with images
 * ```
 */
export async function withEncoderTokens(
  set: VqaSet,
  encoder: DigitEncoder,
  batchSize = 500,
): Promise<VqaSet> {
  if (set.pixels.length === 0) throw new Error('withEncoderTokens: this is a text-only set (no images)');
  const per = encoder.count * encoder.channels;
  const data = new Float32Array(set.n * per);
  await evaluateInBatchesAsync(encoder, set.n, batchSize, async ({ from, indices }) =>
    data.set(await encoder.tokens(imageBatch(set.pixels, indices)).data(), from * per),
  );
  return { ...set, tokens: { count: encoder.count, dim: encoder.channels, data } };
}
