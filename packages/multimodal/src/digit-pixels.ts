/** The pixels every multimodal task function reads: 28 × 28 greyscale values in [0, 1]. */

/** Side of the digit images every multimodal model reads (MNIST's). */
export const DIGIT_SIDE = 28;

/** A digit image as pixels: 784 row-major values in [0, 1], light ink on black (as in MNIST). */
export type DigitPixels = Float32Array | readonly number[];

/** The 784 pixels as a new Float32Array, checked for their count and range, with an error naming `caller`. */
export function checkDigitPixels(image: DigitPixels, caller: string): Float32Array {
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

/** Cuts one 28 × 28 image into p × p patches (row-major patches, row-major pixels) into `out` at `offset`. */
export function patchify(
  image: ArrayLike<number>,
  p: number,
  out: Float32Array,
  offset: number,
  size = DIGIT_SIDE,
): void {
  const g = size / p;
  let o = offset;
  for (let pr = 0; pr < g; pr++) {
    for (let pc = 0; pc < g; pc++) {
      for (let r = 0; r < p; r++) {
        const row = (pr * p + r) * size + pc * p;
        for (let c = 0; c < p; c++) out[o++] = image[row + c];
      }
    }
  }
}
