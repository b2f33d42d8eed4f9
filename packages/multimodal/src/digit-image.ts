/** The one way the Node task functions take a digit image: a file or 28 × 28 pixels in [0, 1]. */
import { readImage } from '@moe-zoo/data';
import { checkDigitPixels, DIGIT_SIDE, type DigitPixels } from './digit-pixels';

/** A digit image: a file path (PNG / JPEG / WebP) or 784 row-major values in [0, 1], light ink on black. */
export type DigitImageInput = string | DigitPixels;

/**
 * The 784 pixels of a digit image: a file is made greyscale and fitted into 28 × 28 (an
 * `ImageError` names a bad file); given pixels are checked for their count and range, with an
 * error that names `caller`.
 */
export async function digitPixels(image: DigitImageInput, caller: string): Promise<Float32Array> {
  if (typeof image !== 'string') return checkDigitPixels(image, caller);
  const img = await readImage(image, { width: DIGIT_SIDE, height: DIGIT_SIDE, channels: 1, fit: 'contain' });
  return img.data;
}
