/** One-call digit VQA on an image file or pixels. */
import type { DigitVqaModel } from './digit-vqa';
import { answerQuestionPixels, type VqaAnswerResult } from './answer';
import { digitPixels, type DigitImageInput } from '../digit-image';

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
  return answerQuestionPixels(model, await digitPixels(image, 'answerQuestion'), question);
}
