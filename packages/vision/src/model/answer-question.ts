/** One-call visual question answering with a {@link MoVASystem} (e.g. the shipped `mova-vqa`). */
import { tf } from '@moe-zoo/core';
import { ANSWERS, CONTENT_TYPES, MAX_WORDS, tokenize, WORDS } from '../data/vocab';
import { readImage } from '../image/io';
import type { MoVASystem } from './mova-system';

/** What {@link answerVisualQuestion} returns. */
export interface VisualAnswer {
  /** The most probable answer (a word of `ANSWERS`). */
  answer: string;
  /** Softmax probability of every answer, in `ANSWERS` order. */
  probs: number[];
  /** The content-type experts the router ran (names of `CONTENT_TYPES`), in expert order. */
  experts: string[];
}

const KNOWN = new Set(WORDS.slice(1));

/** Word ids of a question; every unknown word is named in one error, with the words the model knows. */
function questionWords(question: string): Int32Array {
  const words = question
    .trim()
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== '');
  if (!words.length) throw new Error('answerVisualQuestion: the question is empty');
  const unknown = [...new Set(words.filter((w) => !KNOWN.has(w)))];
  if (unknown.length)
    throw new Error(
      `answerVisualQuestion: unknown word${unknown.length > 1 ? 's' : ''} ${unknown
        .map((w) => `"${w}"`)
        .join(', ')} in "${question}"; the model knows only: ${[...KNOWN].join(' ')}`,
    );
  if (words.length > MAX_WORDS)
    throw new Error(`answerVisualQuestion: "${question}" has ${words.length} words, at most ${MAX_WORDS}`);
  return tokenize(words.join(' '));
}

async function pixels(image: string | ArrayLike<number>, size: number): Promise<Float32Array> {
  if (typeof image === 'string') {
    const img = await readImage(image, { width: size, height: size, channels: 1, fit: 'contain' });
    return img.data;
  }
  if (image.length !== size * size)
    throw new Error(
      `answerVisualQuestion: the image has ${image.length} values, expected ${size}x${size} = ${size * size}`,
    );
  return Float32Array.from(image);
}

/**
 * Answers a question about one greyscale image with a MoVA system: the base encoder reads the
 * image, the coarse router picks content-type experts from the image and the question, the
 * routed experts run, and the MoV-Adapter answers. `image` is a file (PNG / JPEG / WebP, resized
 * to the system's input side, greyscale; an `ImageError` names a bad file) or `size × size`
 * values in [0, 1], row-major, light content on a dark background. Questions use the training
 * vocabulary (`WORDS`); unknown words are an error naming them.
 *
 * @example
 * ```ts
 * const { model } = await loadPretrained('mova-vqa');
 * const { answer, experts } = await answerVisualQuestion(model, 'digit.png', 'what digit is this');
 * ```
 */
export async function answerVisualQuestion(
  system: MoVASystem,
  image: string | ArrayLike<number>,
  question: string,
): Promise<VisualAnswer> {
  const words = questionWords(question);
  const size = system.base.imageSize;
  const x = await pixels(image, size);
  const answerer = system.answerSystem();
  const wasTraining = answerer.modules.map((m) => m.training);
  answerer.modules.forEach((m) => m.eval());
  const wasRouterTraining = system.router.training;
  system.router.eval();
  const images = tf.tensor3d(x, [1, size, size]);
  const wordIds = tf.tensor2d(words, [1, words.length], 'int32');
  try {
    const out = await answerer.predict(images, wordIds);
    const routed = out.routed;
    const soft = tf.tidy(() => tf.softmax(out.logits));
    out.logits.dispose();
    const probs = Array.from(await soft.data());
    soft.dispose();
    const best = probs.indexOf(Math.max(...probs));
    const experts = CONTENT_TYPES.filter((_, j) => routed?.[j] === 1);
    return { answer: ANSWERS[best], probs, experts };
  } finally {
    tf.dispose([images, wordIds]);
    answerer.modules.forEach((m, i) => m.train(wasTraining[i]));
    system.router.train(wasRouterTraining);
  }
}
