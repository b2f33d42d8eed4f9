/** The one way the multimodal task functions take a digit image: a file or 28 × 28 pixels in [0, 1]. */
import { readImage } from '@moe-zoo/data';

/** Side of the digit images every multimodal model reads (MNIST's). */
export const DIGIT_SIDE = 28;

/** A digit image: a file path (PNG / JPEG / WebP) or 784 row-major values in [0, 1], light ink on black. */
export type DigitImageInput = string | Float32Array | readonly number[];

/**
 * The 784 pixels of a digit image: a file is made greyscale and fitted into 28 × 28 (an
 * `ImageError` names a bad file); given pixels are checked for their count and range, with an
 * error that names `caller`.
 */
export async function digitPixels(image: DigitImageInput, caller: string): Promise<Float32Array> {
  if (typeof image === 'string') {
    const img = await readImage(image, {
      width: DIGIT_SIDE,
      height: DIGIT_SIDE,
      channels: 1,
      fit: 'contain',
    });
    return img.data;
  }
  if (image.length !== DIGIT_SIDE * DIGIT_SIDE)
    throw new Error(
      `${caller}: the image has ${image.length} values, expected ${DIGIT_SIDE}x${DIGIT_SIDE} = ${DIGIT_SIDE * DIGIT_SIDE}`,
    );
  for (let i = 0; i < image.length; i++) {
    const v = image[i];
    if (!(v >= 0 && v <= 1))
      throw new RangeError(`${caller}: pixel ${i} is ${v}, expected a value in [0, 1]`);
  }
  return Float32Array.from(image);
}
