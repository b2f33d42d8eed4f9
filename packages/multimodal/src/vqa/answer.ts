/** One-call digit VQA: an image (pixels or a file) and a question in, the answer and its probabilities out. */
import { tf } from '@moe-zoo/core';
import type { DigitVqaModel } from './digit-vqa';
import { VQA_ANSWERS, vqaTokenizer, type VqaAnswer } from './questions';
import { DIGIT_SIDE, digitPixels, type DigitImageInput } from '../digit-pixels';
import { splitWords } from '../tokenizer';

/** What {@link answerQuestion} returns. */
export interface VqaAnswerResult {
  /** The most probable answer (`yes`, `no`, `top`, ..., `zero` ... `nine`). */
  answer: VqaAnswer;
  /** Softmax probability of every answer, by answer. */
  probs: Record<VqaAnswer, number>;
}

/** Question ids of `vqaTokenizer()`, padded to `len`; an unknown word or a too-long question is an error naming it. */
function questionIds(question: string, len: number): Int32Array {
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
 * `moiie-digit-vqa`). The image is a file (PNG / JPEG / WebP, made greyscale and fitted into
 * 28 × 28; an `ImageError` names a bad file) or 784 row-major values in [0, 1], light ink on a dark
 * background as in MNIST. The question uses the words of `vqaTokenizer()` (case and spacing do not
 * matter): `what is the digit ?`, `is the digit even ?`, `is the digit greater than five ?`,
 * `more ink : top or bottom ?`, ...; any other word is an error naming it.
 *
 * @example
 * ```ts
 * const { model } = await loadPretrained('moiie-digit-vqa');
 * const { answer, probs } = await answerQuestion(model, 'seven.png', 'is the digit odd ?'); // 'yes'
 * ```
 */
export async function answerQuestion(
  model: DigitVqaModel,
  image: DigitImageInput,
  question: string,
): Promise<VqaAnswerResult> {
  const ids = questionIds(question, model.config.vqa.questionLen);
  const x = await digitPixels(image, 'answerQuestion');
  const wasTraining = model.training;
  model.eval();
  try {
    const p = tf.tidy(() => {
      const { logits } = model.forward({
        images: tf.tensor4d(x, [1, DIGIT_SIDE, DIGIT_SIDE, 1]),
        question: tf.tensor2d(ids, [1, ids.length], 'int32'),
      });
      return Array.from(tf.softmax(logits).dataSync());
    });
    const probs = Object.fromEntries(VQA_ANSWERS.map((a, i) => [a, p[i]])) as Record<VqaAnswer, number>;
    return { answer: VQA_ANSWERS[p.indexOf(Math.max(...p))], probs };
  } finally {
    if (wasTraining) model.train();
  }
}
