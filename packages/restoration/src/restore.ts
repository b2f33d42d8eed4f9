import { tf, type MoEAux } from '@moe-zoo/core';
// From @moe-zoo/data itself, not ./image-io (sharp): restoreImage is part of the browser entry.
import { DEFAULT_MAX_PIXELS, ImageError } from '@moe-zoo/data';
import { createImage, type RgbImage } from './image';
import type { RestorationNet } from './model';

/** Options of {@link restoreImage}. */
export interface RestoreOptions {
  /** Overlap between neighbouring tiles in pixels (default tile/4). */
  overlap?: number;
  /** Tiles per forward pass; bounds peak tensor memory (default 64). */
  batchTiles?: number;
  /** Largest image accepted, in pixels (default {@link DEFAULT_MAX_PIXELS}, 40 megapixels). */
  maxPixels?: number;
  /** Most tiles one call may restore (default {@link DEFAULT_MAX_TILES}); checked before any work. */
  maxTiles?: number;
  /** Called after each batch with the tiles restored so far; `done` reaches `total` at the end. */
  onProgress?: (progress: RestoreProgress) => void;
  /**
   * Called inside each batch's `tf.tidy` with the routed layers' outputs (`aux`, one per routed
   * layer: `indices` [tiles x tokens, k], `probs`, `counts`, ...) and the batch's tile origins
   * (see {@link tileOrigins}); `tf.keep` what you want past the call.
   */
  onAux?: (aux: readonly MoEAux[], tiles: readonly [number, number][]) => void;
}

/** Progress of {@link restoreImage}, in tiles. */
export interface RestoreProgress {
  done: number;
  total: number;
}

/**
 * Default bound on the tiles of one {@link restoreImage} call: 30,000 tiles, which a 4000 x 3000
 * photo (12 megapixels, 20,875 tiles of 32 px with overlap 8) stays under, while a 6000 x 6000
 * image (62,500 tiles, minutes on the CPU) needs `maxTiles` raised on purpose.
 */
export const DEFAULT_MAX_TILES = 30_000;

/** Positions 0, stride, ... with the last tile flush with the edge. */
function tileStarts(length: number, tile: number, stride: number): number[] {
  if (length <= tile) return [0];
  const out: number[] = [];
  for (let s = 0; s + tile < length; s += stride) out.push(s);
  out.push(length - tile);
  return out;
}

/**
 * Tile origins `[x, y]` of an image in the order {@link restoreImage} restores them: rows of tiles
 * top to bottom, each left to right, a stride of `tile - overlap`, the last tile flush with the
 * edge. Token `t` of tile `i` in a routed layer's output is row `i * tokensPerTile + t`.
 */
export function tileOrigins(
  width: number,
  height: number,
  tile: number,
  overlap: number,
): [number, number][] {
  const stride = tile - overlap;
  const xs = tileStarts(width, tile, stride);
  return tileStarts(height, tile, stride).flatMap((y) => xs.map((x): [number, number] => [x, y]));
}

/** A separable blending weight that falls off towards the tile border (never 0). */
function blendWindow(tile: number): Float32Array {
  const w1 = Array.from({ length: tile }, (_, i) => Math.min(i + 1, tile - i) / (tile / 2));
  const w = new Float32Array(tile * tile);
  for (let y = 0; y < tile; y++)
    for (let x = 0; x < tile; x++) w[y * tile + x] = Math.min(1, w1[y]) * Math.min(1, w1[x]);
  return w;
}

/** One restore, checked and cut into batches of tiles; shared by the sync and async entry points. */
interface RestorePlan {
  batches: [number, number][][];
  /** Tiles in all batches. */
  total: number;
  /** Runs the net on a batch: the clipped output tensor (the caller reads and disposes it). */
  run(batch: readonly [number, number][]): tf.Tensor;
  /** Blends a batch's restored tiles into the image. */
  blend(batch: readonly [number, number][], out: ArrayLike<number>): void;
  finish(): RgbImage;
}

function planRestore(model: RestorationNet, img: RgbImage, options: RestoreOptions): RestorePlan {
  const tile = model.config.tile;
  const {
    overlap = Math.floor(tile / 4),
    batchTiles = 64,
    maxPixels = DEFAULT_MAX_PIXELS,
    maxTiles = DEFAULT_MAX_TILES,
  } = options;
  if (img.width < 1 || img.height < 1 || img.data.length !== img.width * img.height * 3) {
    throw new ImageError('CORRUPT', `image ${img.width}x${img.height} has ${img.data.length} values`);
  }
  if (img.width * img.height > maxPixels) {
    throw new ImageError('TOO_LARGE', `${img.width}x${img.height} exceeds the limit of ${maxPixels} pixels`);
  }
  if (!(overlap >= 0 && overlap < tile)) throw new Error(`restoreImage: overlap must be in [0, ${tile})`);
  const coords = tileOrigins(img.width, img.height, tile, overlap);
  if (coords.length > maxTiles) {
    throw new ImageError(
      'TOO_LARGE',
      `${img.width}x${img.height} needs ${coords.length} tiles of ${tile}x${tile} (overlap ${overlap}), ` +
        `over the limit of ${maxTiles}: raise maxTiles (moe-restore --max-tiles) or downscale the image`,
    );
  }
  const batches: [number, number][][] = [];
  for (let from = 0; from < coords.length; from += batchTiles)
    batches.push(coords.slice(from, from + batchTiles));
  const acc = new Float32Array(img.width * img.height * 3);
  const weight = new Float32Array(img.width * img.height);
  const win = blendWindow(tile);
  const per = tile * tile * 3;
  model.eval();
  return {
    batches,
    total: coords.length,
    run(batch) {
      const input = new Float32Array(batch.length * per);
      batch.forEach(([x0, y0], b) => {
        for (let ty = 0; ty < tile; ty++) {
          const sy = Math.min(img.height - 1, y0 + ty);
          for (let tx = 0; tx < tile; tx++) {
            const sx = Math.min(img.width - 1, x0 + tx);
            const src = (sy * img.width + sx) * 3;
            const dst = b * per + (ty * tile + tx) * 3;
            input[dst] = img.data[src];
            input[dst + 1] = img.data[src + 1];
            input[dst + 2] = img.data[src + 2];
          }
        }
      });
      return tf.tidy(() => {
        const { y, aux } = model.forward(tf.tensor4d(input, [batch.length, tile, tile, 3]));
        options.onAux?.(aux, batch);
        for (const a of aux)
          tf.dispose([a.counts, a.probs, a.dropped, a.indices, ...Object.values(a.losses)]);
        return tf.clipByValue(y, 0, 1);
      });
    },
    blend(batch, out) {
      batch.forEach(([x0, y0], b) => {
        for (let ty = 0; ty < tile && y0 + ty < img.height; ty++) {
          for (let tx = 0; tx < tile && x0 + tx < img.width; tx++) {
            const p = (y0 + ty) * img.width + x0 + tx;
            const w = win[ty * tile + tx];
            const src = b * per + (ty * tile + tx) * 3;
            acc[p * 3] += out[src] * w;
            acc[p * 3 + 1] += out[src + 1] * w;
            acc[p * 3 + 2] += out[src + 2] * w;
            weight[p] += w;
          }
        }
      });
    },
    finish() {
      const restored = createImage(img.width, img.height);
      for (let p = 0; p < weight.length; p++) {
        for (let c = 0; c < 3; c++) restored.data[p * 3 + c] = acc[p * 3 + c] / weight[p];
      }
      return restored;
    },
  };
}

/**
 * Restores an image of any size with a {@link RestorationNet}: the image is cut into
 * overlapping tiles (edge-padded by replication when smaller than a tile), restored `batchTiles`
 * at a time, and blended with a window that falls off at tile borders. Memory is the image
 * buffers plus one batch of tiles. Reads each batch back synchronously: on a backend without
 * synchronous reads (WebGPU) use {@link restoreImageAsync}.
 *
 * @example
 * ```ts
 * const restored = restoreImage(net, await readImageFile('rainy.jpg'));
 * await writeImageFile('restored.png', restored);
 * ```
 */
export function restoreImage(model: RestorationNet, img: RgbImage, options: RestoreOptions = {}): RgbImage {
  const plan = planRestore(model, img, options);
  let done = 0;
  for (const batch of plan.batches) {
    const result = plan.run(batch);
    try {
      plan.blend(batch, result.dataSync());
    } finally {
      result.dispose();
    }
    done += batch.length;
    options.onProgress?.({ done, total: plan.total });
  }
  return plan.finish();
}

/**
 * {@link restoreImage} with each batch read back asynchronously: the same tiles, blending and
 * result, on every backend (WebGPU included), and the event loop turns between batches.
 *
 * @example
 * ```ts
 * const restored = await restoreImageAsync(net, rainy, { onProgress: (p) => bar.update(p.done) });
 * ```
 */
export async function restoreImageAsync(
  model: RestorationNet,
  img: RgbImage,
  options: RestoreOptions = {},
): Promise<RgbImage> {
  const plan = planRestore(model, img, options);
  let done = 0;
  for (const batch of plan.batches) {
    const result = plan.run(batch);
    try {
      plan.blend(batch, await result.data());
    } finally {
      result.dispose();
    }
    done += batch.length;
    options.onProgress?.({ done, total: plan.total });
  }
  return plan.finish();
}
