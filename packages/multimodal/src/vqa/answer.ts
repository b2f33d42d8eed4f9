/** Digit VQA on pixels: a 28 × 28 image and a question in, the answer and its probabilities out (no Node built-in). */
import { tf } from '@moe-zoo/core';
import type { DigitVqaModel } from './digit-vqa';
import { VQA_ANSWERS, vqaTokenizer, type VqaAnswer } from './questions';
import { checkDigitPixels, DIGIT_SIDE, type DigitPixels } from '../digit-pixels';
import { splitWords } from '../tokenizer';

/** What `answerQuestion` and {@link answerQuestionPixels} return. */
export interface VqaAnswerResult {
  /** The most probable answer (`yes`, `no`, `top`, ..., `zero` ... `nine`). */
  answer: VqaAnswer;
  /** Softmax probability of every answer, by answer. */
  probs: Record<VqaAnswer, number>;
}

/**
 * The ids of a question in `vqaTokenizer()`'s words, `<pad>`-padded to `len` (a model's
 * `config.vqa.questionLen`); an empty question, an unknown word or a too-long question is an
 * error naming it.
 *
 * @example
 * ```ts
 * const ids = encodeQuestion('is the digit odd ?', model.config.vqa.questionLen);
 * ```
 */
export function encodeQuestion(question: string, len: number): Int32Array {
  const tok = vqaTokenizer();
  const words = splitWords(question);
  if (words.length === 0) throw new Error('answerQuestion: the question is empty');
  const unknown = words.filter((w) => tok.idOf(w) === tok.unkId);
  if (unknown.length) {
    throw new Error(
      `answerQuestion: unknown word${unknown.length > 1 ? 's' : ''} ${unknown.map((w) => `"${w}"`).join(', ')} in "${question}"; ` +
        `the model knows: ${tok.words().join(' ')}`,
    );
  }
  if (words.length > len) {
    throw new Error(
      `answerQuestion: "${question}" has ${words.length} words, the model reads at most ${len}`,
    );
  }
  const ids = new Int32Array(len);
  ids.set(tok.encode(question));
  return ids;
}

/**
 * Answers a question about one digit image with a {@link DigitVqaModel} (e.g. the shipped
 * `moiie-digit-vqa`): the image is 784 row-major values in [0, 1], light ink on a dark background
 * as in MNIST (the Node entry's `answerQuestion` also takes an image file); the question uses the
 * words of `vqaTokenizer()` (see {@link encodeQuestion}). Reads the answer with `await data()`, so
 * it runs on every backend, WebGPU included.
 *
 * @example
 * ```ts
 * const { answer, probs } = await answerQuestionPixels(model, pixels, 'is the digit odd ?'); // 'yes'
 * ```
 */
export async function answerQuestionPixels(
  model: DigitVqaModel,
  pixels: DigitPixels,
  question: string,
): Promise<VqaAnswerResult> {
  const ids = encodeQuestion(question, model.config.vqa.questionLen);
  const x = checkDigitPixels(pixels, 'answerQuestion');
  const wasTraining = model.training;
  model.eval();
  try {
    const probsTensor = tf.tidy(() => {
      const { logits } = model.forward({
        images: tf.tensor4d(x, [1, DIGIT_SIDE, DIGIT_SIDE, 1]),
        question: tf.tensor2d(ids, [1, ids.length], 'int32'),
      });
      return tf.softmax(logits);
    });
    const p = Array.from(await probsTensor.data());
    probsTensor.dispose();
    return answerOf(p);
  } finally {
    if (wasTraining) model.train();
  }
}

/** The answer with the highest probability and every answer's probability, from the softmax in answer order. */
export function answerOf(p: readonly number[]): VqaAnswerResult {
  const probs = Object.fromEntries(VQA_ANSWERS.map((a, i) => [a, p[i]])) as Record<VqaAnswer, number>;
  return { answer: VQA_ANSWERS[p.indexOf(Math.max(...p))], probs };
}
