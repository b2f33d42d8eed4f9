/** Whole held-out photos degraded by each weather type, and their restoration scores. */
import { tf } from '@moe-zoo/core';
import { loadPhoto, TEST_PHOTOS, type PhotoName } from './data';
import { cropImage, downscale, type RgbImage } from './image';
import { psnr, ssim } from './metrics';
import type { RestorationNet } from './model';
import { restoreImageAsync, type RestoreOptions } from './restore';
import { scoresByTask, type TaskScores } from './train';
import { degrade, weatherTaskId, WEATHER_TYPES, type WeatherType } from './weather';

/** One whole photo, clean and degraded by one weather type. */
export interface PhotoPair {
  photo: PhotoName;
  weather: WeatherType;
  clean: RgbImage;
  degraded: RgbImage;
  /** PSNR and SSIM of the degraded photo against the clean one (computed once, here). */
  input: { psnr: number; ssim: number };
}

/** Options of {@link makePhotoPairs}. */
export interface PhotoPairOptions {
  /** Photos to use (default the test photos, which no training patch comes from). */
  photos?: readonly PhotoName[];
  /** Box-downscaling factor (default 1: the photos' full resolution). */
  downscaleFactor?: number;
  /** Seed of the weather synthesis (default 0). */
  seed?: number;
}

/**
 * Every photo degraded by every weather type (photo-major, weather in task order), deterministic
 * for a seed, with the degraded photo's own scores (read back with awaited reads: every backend).
 *
 * @example
 * ```ts
 * const pairs = await makePhotoPairs(); // 2 test photos x 4 weather types at full resolution
 * ```
 */
export async function makePhotoPairs(o: PhotoPairOptions = {}): Promise<PhotoPair[]> {
  const factor = o.downscaleFactor ?? 1;
  const seed = o.seed ?? 0;
  const pairs: PhotoPair[] = [];
  for (const [p, photo] of (o.photos ?? TEST_PHOTOS).entries()) {
    const full = loadPhoto(photo);
    const clean = factor === 1 ? full : downscale(full, factor);
    for (const [w, weather] of WEATHER_TYPES.entries()) {
      const degraded = degrade(clean, weather, seed * 1009 + p * 31 + w);
      pairs.push({ photo, weather, clean, degraded, input: await scoreImage(degraded, clean) });
    }
  }
  return pairs;
}

/**
 * PSNR (dB) and SSIM of `a` against the reference `b`, whole images in [0, 1] of one size (read
 * back with awaited reads: every backend).
 *
 * @example
 * ```ts
 * const { psnr } = await scoreImage(restoreImage(model, rainy), clean);
 * ```
 */
export async function scoreImage(a: RgbImage, b: RgbImage): Promise<{ psnr: number; ssim: number }> {
  const [ta, tb] = [a, b].map((im) => tf.tensor4d(im.data, [1, im.height, im.width, 3]));
  try {
    const [p, s] = await Promise.all([psnr(ta, tb), ssim(ta, tb)]);
    return { psnr: p[0], ssim: s[0] };
  } finally {
    tf.dispose([ta, tb]);
  }
}

/** What {@link evaluatePhotos} returns. */
export interface PhotoEvaluation {
  /** Mean scores per weather type and over all pairs (`all`). */
  byTask: Record<string, TaskScores>;
  /** The restored photos, in pair order. */
  restored: RgbImage[];
}

/**
 * Restores every pair's degraded photo whole (`restoreImageAsync`: overlapping tiles) and scores
 * it against the clean photo, next to the degraded input's own scores, per weather type and
 * overall. Reads are awaited, so it runs on every backend.
 *
 * @example
 * ```ts
 * const { byTask, restored } = await evaluatePhotos(net, await makePhotoPairs({ downscaleFactor: 4 }));
 * ```
 */
export async function evaluatePhotos(
  model: RestorationNet,
  pairs: readonly PhotoPair[],
  options: RestoreOptions = {},
): Promise<PhotoEvaluation> {
  const restored: RgbImage[] = [];
  for (const p of pairs) restored.push(await restoreImageAsync(model, p.degraded, options));
  const out: { psnr: number; ssim: number }[] = [];
  for (const [i, p] of pairs.entries()) out.push(await scoreImage(restored[i], p.clean));
  const byTask = scoresByTask(
    {
      psnr: out.map((o) => o.psnr),
      ssim: out.map((o) => o.ssim),
      inputPsnr: pairs.map((p) => p.input.psnr),
      inputSsim: pairs.map((p) => p.input.ssim),
    },
    pairs.map((p) => weatherTaskId(p.weather)),
  );
  return { byTask, restored };
}

/** A crop box in pixels. */
export interface CropBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The part of `img` inside `box`, the box moved (and shrunk) to fit inside the image. */
export function cropToBox(img: RgbImage, box: CropBox): RgbImage {
  const w = Math.min(box.width, img.width);
  const h = Math.min(box.height, img.height);
  const x = Math.max(0, Math.min(box.x, img.width - w));
  const y = Math.max(0, Math.min(box.y, img.height - h));
  return cropImage(img, x, y, w, h);
}

/**
 * Grid rows for whole-photo crops: per pair, the degraded crop, the same crop of each column's
 * restoration (`columns[c][pair]`), then the clean crop. Lay them out with `composeGrid`.
 */
export function photoCropRows(
  pairs: readonly PhotoPair[],
  columns: readonly (readonly RgbImage[])[],
  box: CropBox,
): RgbImage[][] {
  return pairs.map((p, i) => [
    cropToBox(p.degraded, box),
    ...columns.map((c) => cropToBox(c[i], box)),
    cropToBox(p.clean, box),
  ]);
}
