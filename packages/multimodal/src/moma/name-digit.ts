/** Names the digit in an image file or pixels with a MoMa digit LM. */
import { DIGIT_WORDS } from '@moe-zoo/audio';
import { digitPixels, type DigitImageInput } from '../digit-image';
import type { DigitLmModel } from './digit-lm';
import { nameDigitPixels, type DigitNaming } from './digit-lm-tasks';

/**
 * Names the digit in one image with a {@link DigitLmModel} (e.g. the shipped `moma-digit-lm`):
 * the image is cut into patches, each replaced by its nearest code, and the LM reads
 * `<bos> <img> [16 image tokens] is` and predicts the word. The image is a file (made greyscale
 * and fitted into 28 × 28; an `ImageError` names a bad file) or 784 values in [0, 1], light ink
 * on black as in MNIST.
 *
 * @example
 * ```ts
 * const { model } = await loadPretrained('moma-digit-lm');
 * const { word, probs } = await nameDigit(model, 'seven.png'); // 'seven'
 * ```
 */
export async function nameDigit(model: DigitLmModel, image: DigitImageInput): Promise<DigitNaming> {
  const { digits, probs } = nameDigitPixels(model, await digitPixels(image, 'nameDigit'), 1);
  return { digit: digits[0], word: DIGIT_WORDS[digits[0]], probs: Array.from(probs) };
}
