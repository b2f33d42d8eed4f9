import {
  ConfigError,
  evaluateInBatchesAsync,
  fitShuffled,
  functionField,
  Linear,
  Module,
  objectField,
  parseConfig,
  setSeed,
  tf,
  TrainOptionsSchema,
} from '@moe-zoo/core';
import { z } from 'zod';
import { ConvEncoder } from '../model/conv-encoder';
import { NUM_CAPTIONS, type VqaSet } from '../data/vqa';
import {
  CONTENT_TYPES,
  MAX_BARS,
  MAX_TEXT_LENGTH,
  MIN_BARS,
  TEXT_ALPHABET,
  type ContentType,
} from '../data/vocab';

/** Who an encoder is: the generalist `base` or the specialist of one content type. */
export type EncoderRole = 'base' | ContentType;

/** Channels of the generalist base encoder. */
export const BASE_CHANNELS = [16, 32, 32];
/** Strides of the base encoder's convolutions. */
export const BASE_STRIDES = [1, 2, 2];
/** The base sees the image at a quarter of the resolution (8 px for 32 px images). */
export const BASE_DOWNSAMPLE = 4;
/** Channels of each specialist expert encoder (full resolution, four stride-2 convolutions). */
export const EXPERT_CHANNELS = [16, 32, 32, 32];

/**
 * A new (untrained) encoder of the standard size for `role`: the generalist base runs at a
 * quarter of the resolution (the miniature's CLIP at low resolution: it gets the gist, not the
 * fine print), the specialists at full resolution. Both give the same 2×2 grid of 32-wide
 * tokens for 32 px images (few tokens keep every attention in the answer models cheap; the
 * detail lives in the channels).
 */
export function createEncoder(role: EncoderRole, imageSize = 32): ConvEncoder {
  return role === 'base'
    ? new ConvEncoder({
        channels: BASE_CHANNELS,
        strides: BASE_STRIDES,
        imageSize,
        downsample: BASE_DOWNSAMPLE,
      })
    : new ConvEncoder({ channels: EXPERT_CHANNELS, imageSize });
}

/**
 * What each encoder is pretrained on. The generalist base predicts one caption-level label
 * for every image (the digit, the clothing class, the first letter of a string, the number of
 * bars), like a contrastive image-caption model that knows the gist but not the details. The
 * specialists learn dense targets of their own type only: the digit, the clothing class, every
 * letter slot (OCR), every bar height, the bar count and the tallest / shortest bar (chart
 * parsing, like a chart-to-table model). Every head is linear
 * on the flattened token grid.
 */
export const PRETRAIN_TARGETS: Record<EncoderRole, string> = {
  base: 'caption class of every content type (digit / clothing / first letter / bar count)',
  mnist: 'digit class',
  'fashion-mnist': 'clothing class',
  text: `each of ${MAX_TEXT_LENGTH} letter slots (letter or blank)`,
  chart: `each of ${MAX_BARS} bar heights (regression), the bar count and which bar is tallest / shortest`,
};

/**
 * What the generalist base learns in pretraining: `caption` (the default) is the caption-level
 * label of {@link PRETRAIN_TARGETS}; `content-type` only which of the content types an image is
 * (a gist that answers none of the questions, so that the detail has to come from a specialist).
 */
export const BASE_TARGETS = ['caption', 'content-type'] as const;
/** One of {@link BASE_TARGETS}. */
export type BaseTarget = (typeof BASE_TARGETS)[number];

const BLANK = TEXT_ALPHABET.length;

class PretrainHead extends Module {
  readonly fc: Linear;
  constructor(
    readonly role: EncoderRole,
    enc: ConvEncoder,
    baseTarget: BaseTarget,
  ) {
    super();
    const outputs =
      role === 'base'
        ? baseTarget === 'caption'
          ? NUM_CAPTIONS
          : CONTENT_TYPES.length
        : role === 'text'
          ? MAX_TEXT_LENGTH * (BLANK + 1)
          : role === 'chart'
            ? MAX_BARS + (MAX_BARS - MIN_BARS + 1) + 2 * MAX_BARS
            : 10;
    this.fc = this.child('fc', new Linear(enc.dim * enc.tokens, outputs));
  }

  forward(tokens: tf.Tensor3D): tf.Tensor2D {
    return tf.tidy(() => this.fc.forward(tf.reshape(tokens, [tokens.shape[0], -1])) as tf.Tensor2D);
  }
}

class PretrainNet extends Module {
  constructor(
    readonly encoder: ConvEncoder,
    readonly head: PretrainHead,
  ) {
    super();
    this.child('encoder', encoder);
    this.child('head', head);
  }
}

interface Targets {
  images: tf.Tensor3D;
  cls?: tf.Tensor1D;
  slots?: tf.Tensor2D;
  heights?: tf.Tensor2D;
  count?: tf.Tensor1D;
  /** Index of the tallest and of the shortest bar, [n, 2]. */
  extremes?: tf.Tensor2D;
}

/** Indices of the samples an encoder of `role` trains on. */
export function samplesFor(role: EncoderRole, set: VqaSet): Int32Array {
  if (role === 'base') return Int32Array.from({ length: set.n }, (_, i) => i);
  const t = CONTENT_TYPES.indexOf(role);
  const out: number[] = [];
  for (let i = 0; i < set.n; i++) if (set.type[i] === t) out.push(i);
  return Int32Array.from(out);
}

function targets(
  role: EncoderRole,
  set: VqaSet,
  idx: ArrayLike<number>,
  baseTarget: BaseTarget = 'caption',
): Targets {
  const per = set.size * set.size;
  const n = idx.length;
  const px = new Float32Array(n * per);
  for (let i = 0; i < n; i++) px.set(set.images.subarray(idx[i] * per, (idx[i] + 1) * per), i * per);
  const images = tf.tensor3d(px, [n, set.size, set.size]);
  const pick = (f: (k: number) => number) => Int32Array.from({ length: n }, (_, i) => f(idx[i]));
  if (role === 'base')
    return {
      images,
      cls: tf.tensor1d(
        pick((k) => (baseTarget === 'caption' ? set.caption[k] : set.type[k])),
        'int32',
      ),
    };
  if (role === 'mnist' || role === 'fashion-mnist')
    return {
      images,
      cls: tf.tensor1d(
        pick((k) => set.label[k]),
        'int32',
      ),
    };
  if (role === 'text') {
    const slots = new Int32Array(n * MAX_TEXT_LENGTH);
    for (let i = 0; i < n; i++) {
      const s = set.text[idx[i]];
      for (let j = 0; j < MAX_TEXT_LENGTH; j++)
        slots[i * MAX_TEXT_LENGTH + j] = j < s.length ? TEXT_ALPHABET.indexOf(s[j]) : BLANK;
    }
    return { images, slots: tf.tensor2d(slots, [n, MAX_TEXT_LENGTH], 'int32') };
  }
  const heights = new Float32Array(n * MAX_BARS);
  const extremes = new Int32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const bars = set.bars[idx[i]];
    bars.forEach((h, j) => (heights[i * MAX_BARS + j] = h));
    extremes[i * 2] = bars.indexOf(Math.max(...bars));
    extremes[i * 2 + 1] = bars.indexOf(Math.min(...bars));
  }
  return {
    images,
    heights: tf.tensor2d(heights, [n, MAX_BARS]),
    extremes: tf.tensor2d(extremes, [n, 2], 'int32'),
    count: tf.tensor1d(
      pick((k) => set.bars[k].length - MIN_BARS),
      'int32',
    ),
  };
}

function lossOf(role: EncoderRole, logits: tf.Tensor2D, t: Targets): tf.Scalar {
  return tf.tidy(() => {
    if (t.cls) return tf.losses.softmaxCrossEntropy(tf.oneHot(t.cls, logits.shape[1]), logits) as tf.Scalar;
    if (role === 'text' && t.slots) {
      const l = tf.reshape(logits, [-1, BLANK + 1]);
      return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.reshape(t.slots, [-1]), BLANK + 1), l) as tf.Scalar;
    }
    const counts = MAX_BARS - MIN_BARS + 1;
    const h = tf.slice(logits, [0, 0], [-1, MAX_BARS]);
    const c = tf.slice(logits, [0, MAX_BARS], [-1, counts]);
    const ext = tf.reshape(tf.slice(logits, [0, MAX_BARS + counts], [-1, 2 * MAX_BARS]), [-1, MAX_BARS]);
    const mse = tf.mean(tf.square(tf.sub(h, t.heights as tf.Tensor2D)));
    const ce = tf.losses.softmaxCrossEntropy(tf.oneHot(t.count as tf.Tensor1D, counts), c);
    const rank = tf.losses.softmaxCrossEntropy(
      tf.oneHot(tf.reshape(t.extremes as tf.Tensor2D, [-1]), MAX_BARS),
      ext,
    );
    return tf.addN([tf.mul(mse, 20), ce, rank]) as tf.Scalar;
  });
}

/** Options of {@link pretrainEncoder} (strict: a misspelt option is a `ConfigError` naming it). */
export const PretrainOptionsSchema = TrainOptionsSchema.extend({
  /** Scores the trained encoder + head on this set (e.g. the test split). */
  evaluateOn: objectField<VqaSet>('a VQA set').optional(),
  /** What the base learns (see {@link BASE_TARGETS}; default `caption`); ignored for specialists. */
  baseTarget: z.enum(BASE_TARGETS).optional(),
  onStep: functionField<(loss: number) => void>('a step callback').optional(),
});
/** Options of {@link pretrainEncoder}. */
export type PretrainOptions = z.input<typeof PretrainOptionsSchema>;

/** Result of {@link pretrainEncoder}. */
export interface PretrainResult {
  seconds: number;
  losses: number[];
  /**
   * Quality of the pretraining task on `evaluateOn`: caption / class accuracy, letter-slot
   * accuracy (text) or tallest / shortest bar accuracy (chart); undefined without `evaluateOn`.
   */
  score?: number;
}

/**
 * Pretrains `encoder` for `role` on `set` (the base on every sample, a specialist on its own
 * content type only) with a temporary head that is thrown away afterwards (see
 * {@link PRETRAIN_TARGETS}), then standardises its output channels on its training images
 * ({@link ConvEncoder.calibrate}). The encoder is frozen later by the caller.
 *
 * @example
 * ```ts
 * const text = createEncoder('text');
 * await pretrainEncoder(text, 'text', data.pretrain, { epochs: 6, seed: 0 });
 * ```
 */
export async function pretrainEncoder(
  encoder: ConvEncoder,
  role: EncoderRole,
  set: VqaSet,
  options: PretrainOptions,
): Promise<PretrainResult> {
  const o = parseConfig(PretrainOptionsSchema, options, 'pretrainEncoder options');
  const idx = samplesFor(role, set);
  const batchSize = o.batchSize ?? 64;
  if (idx.length < batchSize) {
    throw new ConfigError('pretrainEncoder options', [
      { path: 'batchSize', message: `${batchSize} is more than the ${idx.length} ${role} samples` },
    ]);
  }
  setSeed((o.seed ?? 0) * 1000 + 17);
  const baseTarget = o.baseTarget ?? 'caption';
  const head = new PretrainHead(role, encoder, baseTarget);
  const net = new PretrainNet(encoder, head);
  const losses: number[] = [];
  try {
    const { seconds } = await fitShuffled({
      model: net,
      samples: idx.length,
      makeBatch: (b) =>
        targets(
          role,
          set,
          Array.from(b, (i) => idx[i]),
          baseTarget,
        ),
      epochs: o.epochs,
      batchSize,
      lr: o.lr ?? 1e-2,
      seed: o.seed ?? 0,
      loss: (t, m) => ({ loss: lossOf(role, m.head.forward(m.encoder.forward(t.images)), t) }),
      callbacks: {
        onStep: (s) => {
          losses.push(s.loss);
          o.onStep?.(s.loss);
        },
      },
    });
    const score = o.evaluateOn ? await scorePretrain(net, role, o.evaluateOn, baseTarget) : undefined;
    calibrateOn(encoder, set, idx);
    return { seconds, losses, score };
  } finally {
    head.dispose();
  }
}

async function scorePretrain(
  net: PretrainNet,
  role: EncoderRole,
  set: VqaSet,
  baseTarget: BaseTarget,
): Promise<number> {
  const idx = samplesFor(role, set);
  let ok = 0;
  let total = 0;
  await evaluateInBatchesAsync(net, idx.length, 256, async ({ from, size }) => {
    const t = targets(role, set, idx.subarray(from, from + size), baseTarget);
    const target = (t.cls ?? t.slots ?? t.extremes) as tf.Tensor;
    const [l, y] = await Promise.all([
      net.head.forward(net.encoder.forward(t.images)).array() as Promise<number[][]>,
      target.data(),
    ]);
    if (t.cls) {
      l.forEach((row, i) => {
        ok += argmax(row) === y[i] ? 1 : 0;
        total++;
      });
    } else if (t.slots) {
      l.forEach((row, i) => {
        for (let j = 0; j < MAX_TEXT_LENGTH; j++) {
          ok +=
            argmax(row.slice(j * (BLANK + 1), (j + 1) * (BLANK + 1))) === y[i * MAX_TEXT_LENGTH + j] ? 1 : 0;
          total++;
        }
      });
    } else {
      // Which bar is tallest / shortest (the bar count is learned perfectly and says little).
      const at = MAX_BARS + (MAX_BARS - MIN_BARS + 1);
      l.forEach((row, i) => {
        for (let k = 0; k < 2; k++) {
          ok += argmax(row.slice(at + k * MAX_BARS, at + (k + 1) * MAX_BARS)) === y[i * 2 + k] ? 1 : 0;
          total++;
        }
      });
    }
  });
  return ok / total;
}

/** Standardises the encoder's output channels over (up to 1000 of) its training images. */
function calibrateOn(encoder: ConvEncoder, set: VqaSet, idx: Int32Array): void {
  const per = set.size * set.size;
  const take = idx.subarray(0, Math.min(1000, idx.length));
  const px = new Float32Array(take.length * per);
  take.forEach((k, i) => px.set(set.images.subarray(k * per, (k + 1) * per), i * per));
  const images = tf.tensor3d(px, [take.length, set.size, set.size]);
  encoder.calibrate(images);
  images.dispose();
}

function argmax(xs: number[]): number {
  return xs.reduce((b, v, i) => (v > xs[b] ? i : b), 0);
}

/**
 * Runs a frozen encoder over every image of `set` in eval mode (core's `evaluateInBatchesAsync`;
 * the training flag is restored afterwards): tokens [n × tokens × dim] in host memory (the
 * features the answer models train on), read back with awaited reads.
 */
export async function encodeImages(
  encoder: ConvEncoder,
  set: VqaSet,
  batchSize = 256,
): Promise<Float32Array> {
  const per = set.size * set.size;
  const out = new Float32Array(set.n * encoder.tokens * encoder.dim);
  await evaluateInBatchesAsync(encoder, set.n, batchSize, async ({ from, size: n }) => {
    const images = tf.tensor3d(set.images.subarray(from * per, (from + n) * per), [n, set.size, set.size]);
    out.set(await encoder.forward(images).data(), from * encoder.tokens * encoder.dim);
  });
  return out;
}
