import { instanceField, LIMITS, makeRng, parseConfig, permutation, sizeField, tf } from '@moe-zoo/core';
import { z } from 'zod';
import { WordTokenizer } from '../tokenizer';
import type { DigitImages } from '../mnist';
import { patchify } from '../digit-pixels';
import {
  askQuestion,
  captionOf,
  CROSS_MODAL_TYPES,
  inkHalves,
  QUESTION_TYPES,
  shiftImage,
  type InkHalves,
} from './questions';

/** Visual tokens of every sample of a set: `data` [n × count × dim]. */
export interface VisualTokens {
  count: number;
  dim: number;
  data: Float32Array;
}

/**
 * A digit-VQA set in host memory. Sample i pairs a (shifted) 28 × 28 image with a tokenized
 * question and an answer class; `caption` holds the text caption of the same image for the
 * text-only stage. The model sees the image as `tokens` (pixel patches from {@link withPatchTokens}
 * or vision-encoder features from `withEncoderTokens`). A text-only set has no pixels.
 */
export interface VqaSet {
  n: number;
  /** [n × 784] shifted images in [0, 1] (empty for a text-only set). */
  pixels: Float32Array;
  /** Visual tokens the model reads (absent until computed). */
  tokens?: VisualTokens;
  /** [n × questionLen] token ids, `<pad>`-padded. */
  question: Int32Array;
  questionLen: number;
  /** [n × captionLen] caption token ids (digit name, heavier vertical half, heavier horizontal half). */
  caption: Int32Array;
  captionLen: number;
  /** [n] answer class, index into VQA_ANSWERS. */
  answer: Int32Array;
  /** [n] question family, index into QUESTION_TYPES. */
  type: Uint8Array;
  /** [n] the digit shown (or described). */
  label: Int32Array;
}

/** The most samples one question set may hold (each keeps its 28 x 28 image: 313 MB at the bound). */
export const MAX_VQA_SAMPLES = 100_000;

/** Options of {@link makeVqaSet} (strict; sizes bounded). */
export const MakeVqaOptionsSchema = z.strictObject({
  /** Number of (image, question) samples. */
  n: sizeField(MAX_VQA_SAMPLES),
  seed: z.number().int().min(0),
  tokenizer: instanceField(WordTokenizer),
  /** Question length in tokens (default 8). */
  questionLen: sizeField(LIMITS.tokens).optional(),
  /** Minimum relative ink difference for an ink question (default 0.1). */
  inkMargin: z.number().min(0).max(1).optional(),
  /** Question families to draw from (default the cross-modal ones: parity, compare, ink). */
  families: z.array(z.enum(QUESTION_TYPES)).min(1).max(16).readonly().optional(),
  /** Each image is shifted by a random integer offset in [-shift, shift] on both axes (default 4). */
  shift: z.number().int().min(0).max(14).optional(),
});
/** Options of {@link makeVqaSet}. */
export type MakeVqaOptions = z.input<typeof MakeVqaOptionsSchema>;

/** Caption length in tokens. */
export const CAPTION_LEN = 3;

function encodeInto(
  tok: WordTokenizer,
  text: string,
  len: number,
  out: Int32Array,
  offset: number,
  what: string,
) {
  const ids = tok.encode(text);
  if (ids.length > len)
    throw new Error(`makeVqaSet: ${what} "${text}" has ${ids.length} tokens, more than ${len}`);
  if (ids.includes(tok.unkId))
    throw new Error(`makeVqaSet: ${what} "${text}" has words outside the tokenizer`);
  out.set(ids, offset); // the rest stays 0 = <pad>
}

/**
 * Builds digit-VQA samples: images are visited in a seeded random order (cycling if n exceeds the
 * image count), shifted by a random offset (so the ink can sit in any half), each with one random
 * question (see `askQuestion`). Without `images`, a text-only set
 * is made from random labels and random ink halves (captions and questions only), for the text
 * pre-training stage. Deterministic in `seed`; the first m samples of a set are a valid smaller set.
 *
 * @example
 * ```ts
 * const tok = vqaTokenizer();
 * const train = makeVqaSet(loadDigitImages(0, 200), { n: 2000, seed: 0, tokenizer: tok });
 * const text = makeVqaSet(undefined, { n: 2000, seed: 0, tokenizer: tok });
 * ```
 */
export function makeVqaSet(images: DigitImages | undefined, options: MakeVqaOptions): VqaSet {
  const o = parseConfig(MakeVqaOptionsSchema, options, 'makeVqaSet options');
  const questionLen = o.questionLen ?? 8;
  if (images && images.n < 1) throw new Error('makeVqaSet: the image set is empty');
  const rng = makeRng(o.seed);
  const order = images ? permutation(images.n, rng) : new Int32Array(0);
  const set: VqaSet = {
    n: o.n,
    pixels: new Float32Array(images ? o.n * 784 : 0),
    question: new Int32Array(o.n * questionLen),
    questionLen,
    caption: new Int32Array(o.n * CAPTION_LEN),
    captionLen: CAPTION_LEN,
    answer: new Int32Array(o.n),
    type: new Uint8Array(o.n),
    label: new Int32Array(o.n),
  };
  for (let i = 0; i < o.n; i++) {
    let label: number;
    let ink: InkHalves;
    if (images) {
      const j = order[i % images.n];
      const s = o.shift ?? 4;
      const dx = Math.floor(rng() * (2 * s + 1)) - s;
      const dy = Math.floor(rng() * (2 * s + 1)) - s;
      const img = shiftImage(images.x.subarray(j * 784, (j + 1) * 784), dx, dy);
      label = images.y[j];
      ink = inkHalves(img);
      set.pixels.set(img, i * 784);
    } else {
      label = Math.floor(rng() * 10);
      const v = rng() < 0.5 ? [1, 0] : [0, 1];
      const h = rng() < 0.5 ? [1, 0] : [0, 1];
      ink = { top: v[0], bottom: v[1], left: h[0], right: h[1] };
    }
    const q = askQuestion(label, ink, rng, {
      inkMargin: o.inkMargin,
      families: o.families ?? CROSS_MODAL_TYPES,
    });
    encodeInto(o.tokenizer, q.text, questionLen, set.question, i * questionLen, 'question');
    encodeInto(o.tokenizer, captionOf(label, ink), CAPTION_LEN, set.caption, i * CAPTION_LEN, 'caption');
    set.answer[i] = q.answer;
    set.type[i] = QUESTION_TYPES.indexOf(q.type);
    set.label[i] = label;
  }
  return set;
}

/** The first `m` samples of a set (a view, no copy). */
export function takeVqa(set: VqaSet, m: number): VqaSet {
  if (!Number.isInteger(m) || m < 1 || m > set.n)
    throw new RangeError(`takeVqa: m must be in [1, ${set.n}], got ${m}`);
  const t = set.tokens;
  return {
    ...set,
    n: m,
    pixels: set.pixels.length ? set.pixels.subarray(0, m * 784) : set.pixels,
    tokens: t && { ...t, data: t.data.subarray(0, m * t.count * t.dim) },
    question: set.question.subarray(0, m * set.questionLen),
    caption: set.caption.subarray(0, m * set.captionLen),
    answer: set.answer.subarray(0, m),
    type: set.type.subarray(0, m),
    label: set.label.subarray(0, m),
  };
}

/** The set with pixel-patch tokens: p × p patches (row-major) → (28/p)² tokens of p² pixels. */
export function withPatchTokens(set: VqaSet, p = 7): VqaSet {
  if (!Number.isInteger(p) || p < 1 || 28 % p !== 0)
    throw new RangeError(`withPatchTokens: p must divide 28, got ${p}`);
  if (set.pixels.length === 0) throw new Error('withPatchTokens: this is a text-only set (no images)');
  const count = (28 / p) ** 2;
  const data = new Float32Array(set.n * 784);
  for (let i = 0; i < set.n; i++) patchify(set.pixels.subarray(i * 784, (i + 1) * 784), p, data, i * 784);
  return { ...set, tokens: { count, dim: p * p, data } };
}

/** Model input of one batch: visual tokens (or caption ids for the text-only stage) and question ids. */
export interface VqaInput {
  /** [B, imageTokens, tokenDim] visual tokens; absent in caption mode. */
  image?: tf.Tensor3D;
  /** [B, captionLen] int32 caption ids; used when `image` is absent. */
  caption?: tf.Tensor2D;
  /** [B, questionLen] int32 question ids. */
  question: tf.Tensor2D;
}

/** A training batch: the input and the answer classes [B] (int32). */
export interface VqaBatch extends VqaInput {
  answer: tf.Tensor1D;
}

function gatherRows<T extends Float32Array | Int32Array>(
  src: T,
  width: number,
  idx: ArrayLike<number>,
  out: T,
): T {
  for (let i = 0; i < idx.length; i++) out.set(src.subarray(idx[i] * width, (idx[i] + 1) * width), i * width);
  return out;
}

/**
 * Builds a batch from sample indices. `mode` 'image' feeds the visual tokens, 'caption' the text
 * caption instead (the text-only stage); a text-only set only supports 'caption'.
 */
export function vqaBatch(set: VqaSet, idx: ArrayLike<number>, mode: 'image' | 'caption' = 'image'): VqaBatch {
  const b = idx.length;
  const question = tf.tensor2d(
    gatherRows(set.question, set.questionLen, idx, new Int32Array(b * set.questionLen)),
    [b, set.questionLen],
    'int32',
  );
  const answer = tf.tensor1d(
    Int32Array.from(idx, (i) => set.answer[i]),
    'int32',
  );
  if (mode === 'caption') {
    const caption = tf.tensor2d(
      gatherRows(set.caption, set.captionLen, idx, new Int32Array(b * set.captionLen)),
      [b, set.captionLen],
      'int32',
    );
    return { caption, question, answer };
  }
  const t = set.tokens;
  if (!t) {
    tf.dispose([question, answer]);
    throw new Error(
      'vqaBatch: the set has no visual tokens (use withPatchTokens/withEncoderTokens, or mode "caption")',
    );
  }
  const w = t.count * t.dim;
  const image = tf.tensor3d(gatherRows(t.data, w, idx, new Float32Array(b * w)), [b, t.count, t.dim]);
  return { image, question, answer };
}
