/**
 * One-call tasks of a MoMa digit LM: name the digit in an image (image tokens in, a digit word
 * out) and draw a digit (a digit word in, image tokens out). Both run the LM causally, each
 * expert group routing token by token with its auxiliary router, as MoMa does at inference.
 */
import { DIGIT_WORDS } from '@moe-zoo/audio';
import { makeRng, tf } from '@moe-zoo/core';
import { DIGIT_SIDE } from '../digit-pixels';
import { decodeImageTokens, encodeImages, type ImageCodebook } from '../lm/image-tokens';
import { interleavedTokenizer, MODALITY } from '../lm/interleaved';
import type { DigitLmModel } from './digit-lm';

/** What `nameDigit` returns. */
export interface DigitNaming {
  /** The most probable digit 0..9. */
  digit: number;
  /** Its word (`zero` ... `nine`). */
  word: string;
  /** Probability of every digit word after `<bos> <img> [image tokens] is`, renormalised over the ten words. */
  probs: number[];
}

/** One drawing of {@link drawDigits}: the image tokens and the 28 × 28 image rebuilt from them. */
export interface DigitDrawing {
  codes: Int32Array;
  /** Greyscale pixels in [0, 1], light ink on black (`writeImage` writes it as a PNG). */
  image: { width: number; height: number; channels: 1; data: Float32Array };
}

/** Options of {@link drawDigits}. */
export interface DrawDigitOptions {
  /** Drawings to make (default 1, at most 10,000). */
  count?: number;
  /** Sampling temperature: 0 (default) takes the most probable code at every step; 1 samples the model's distribution. */
  temperature?: number;
  /** Seed of the sampling (default 0). */
  seed?: number;
}

/** Prompts are run in batches of this many sequences. */
const BATCH = 256;

/** Next-token logits [n × vocab] at the last of `l` positions of every row of `ids` [n × l] (causal routing, eval mode). */
function nextLogits(
  model: DigitLmModel,
  ids: Int32Array,
  modality: Uint8Array,
  n: number,
  l: number,
): Float32Array {
  const vocab = model.config.lm.vocabSize;
  const last = tf.tidy(() => {
    const { logits } = model.lm.forward(tf.tensor2d(ids, [n, l], 'int32'), modality, { routing: 'aux' });
    return logits.slice([0, l - 1, 0], [n, 1, vocab]).reshape([n, vocab]);
  });
  try {
    return last.dataSync() as Float32Array;
  } finally {
    last.dispose();
  }
}

/** Runs `fn` with the model in eval mode, restoring its mode afterwards. */
function inEval<T>(model: DigitLmModel, fn: () => T): T {
  const wasTraining = model.training;
  model.eval();
  try {
    return fn();
  } finally {
    if (wasTraining) model.train();
  }
}

/** Softmax of `logits[from..from+ids]` at the given ids, in float64. */
function softmaxAt(logits: Float32Array, from: number, ids: readonly number[], temperature = 1): number[] {
  const z = ids.map((id) => logits[from + id] / temperature);
  const max = Math.max(...z);
  const e = z.map((v) => Math.exp(v - max));
  const sum = e.reduce((s, v) => s + v, 0);
  return e.map((v) => v / sum);
}

/**
 * Names the digits of `n` images given as pixels [n × 784] (light ink on black, values in [0, 1]):
 * per image the most probable digit and the ten words' probabilities [n × 10].
 */
export function nameDigitPixels(
  model: DigitLmModel,
  pixels: Float32Array,
  n: number,
): { digits: Int32Array; probs: Float32Array } {
  const side = DIGIT_SIDE * DIGIT_SIDE;
  if (!Number.isInteger(n) || n < 1 || pixels.length !== n * side)
    throw new Error(
      `nameDigitPixels: ${pixels.length} pixels are not ${n} images of ${DIGIT_SIDE}x${DIGIT_SIDE}`,
    );
  const tok = interleavedTokenizer();
  const codebook = model.codebook();
  const codes = encodeImages({ n, x: pixels, y: new Int32Array(n) }, codebook);
  const words = DIGIT_WORDS.map((w) => tok.idOf(w));
  const t = codebook.tokensPerImage;
  const l = t + 3;
  const digits = new Int32Array(n);
  const probs = new Float32Array(n * words.length);
  inEval(model, () => {
    for (let from = 0; from < n; from += BATCH) {
      const b = Math.min(BATCH, n - from);
      const ids = new Int32Array(b * l);
      const modality = new Uint8Array(b * l).fill(MODALITY.text);
      for (let i = 0; i < b; i++) {
        const row = i * l;
        ids[row] = tok.bosId;
        ids[row + 1] = tok.imgId;
        for (let j = 0; j < t; j++) {
          ids[row + 2 + j] = tok.vocabSize + codes[(from + i) * t + j];
          modality[row + 2 + j] = MODALITY.image;
        }
        ids[row + l - 1] = tok.idOf('is');
      }
      const logits = nextLogits(model, ids, modality, b, l);
      for (let i = 0; i < b; i++) {
        const p = softmaxAt(logits, i * model.config.lm.vocabSize, words);
        probs.set(p, (from + i) * words.length);
        digits[from + i] = p.indexOf(Math.max(...p));
      }
    }
  });
  return { digits, probs };
}

function digitOf(digit: number | string): number {
  const d = typeof digit === 'string' ? DIGIT_WORDS.indexOf(digit.trim().toLowerCase()) : digit;
  if (!(Number.isInteger(d) && d >= 0 && d <= 9))
    throw new RangeError(
      `drawDigits: digit must be 0..9 or one of ${DIGIT_WORDS.join(' ')}, got ${String(digit)}`,
    );
  return d;
}

/** Picks a code from the image-token logits of one row: the most probable, or sampled at `temperature`. */
function pickCode(
  logits: Float32Array,
  from: number,
  codebook: ImageCodebook,
  temperature: number,
  rng: () => number,
): number {
  let best = 0;
  for (let c = 1; c < codebook.k; c++) if (logits[from + c] > logits[from + best]) best = c;
  if (temperature === 0) return best;
  const p = softmaxAt(
    logits,
    from,
    Array.from({ length: codebook.k }, (_, c) => c),
    temperature,
  );
  let u = rng();
  for (let c = 0; c < p.length; c++) {
    u -= p[c];
    if (u <= 0) return c;
  }
  return best;
}

/**
 * Draws a digit with a {@link DigitLmModel}: the LM reads `<bos> seven <img>` and writes the 16
 * image tokens one by one (each the most probable code, or sampled at `temperature`), which the
 * codebook turns back into a 28 × 28 image. `count` drawings run as one batch.
 *
 * @example
 * ```ts
 * const { model } = await loadPretrained('moma-digit-lm');
 * const [seven] = drawDigits(model, 'seven');
 * await writeImage('seven.png', seven.image);
 * const sampled = drawDigits(model, 7, { count: 8, temperature: 1, seed: 1 });
 * ```
 */
export function drawDigits(
  model: DigitLmModel,
  digit: number | string,
  o: DrawDigitOptions = {},
): DigitDrawing[] {
  const d = digitOf(digit);
  const count = o.count ?? 1;
  const temperature = o.temperature ?? 0;
  if (!(Number.isInteger(count) && count >= 1 && count <= 10_000))
    throw new RangeError(`drawDigits: count must be an integer in [1, 10000], got ${count}`);
  if (!(Number.isFinite(temperature) && temperature >= 0))
    throw new RangeError(`drawDigits: temperature must be a finite number >= 0, got ${temperature}`);
  const tok = interleavedTokenizer();
  const codebook = model.codebook();
  const t = codebook.tokensPerImage;
  const vocab = model.config.lm.vocabSize;
  const rng = makeRng(o.seed ?? 0);
  const codes = new Int32Array(count * t);
  const prompt = [tok.bosId, tok.idOf(DIGIT_WORDS[d]), tok.imgId];
  inEval(model, () => {
    for (let from = 0; from < count; from += BATCH) {
      const b = Math.min(BATCH, count - from);
      for (let j = 0; j < t; j++) {
        const l = prompt.length + j;
        const ids = new Int32Array(b * l);
        const modality = new Uint8Array(b * l);
        for (let i = 0; i < b; i++) {
          ids.set(prompt, i * l);
          modality.fill(MODALITY.text, i * l, i * l + prompt.length);
          for (let q = 0; q < j; q++)
            ids[i * l + prompt.length + q] = tok.vocabSize + codes[(from + i) * t + q];
          modality.fill(MODALITY.image, i * l + prompt.length, (i + 1) * l);
        }
        const logits = nextLogits(model, ids, modality, b, l);
        for (let i = 0; i < b; i++)
          codes[(from + i) * t + j] = pickCode(logits, i * vocab + tok.vocabSize, codebook, temperature, rng);
      }
    }
  });
  const pixels = decodeImageTokens(codes, codebook);
  const side = DIGIT_SIDE * DIGIT_SIDE;
  return Array.from({ length: count }, (_, i) => ({
    codes: codes.slice(i * t, (i + 1) * t),
    image: {
      width: DIGIT_SIDE,
      height: DIGIT_SIDE,
      channels: 1 as const,
      data: pixels.slice(i * side, (i + 1) * side),
    },
  }));
}
