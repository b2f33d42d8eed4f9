import { tf } from '@moe-zoo/core';
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

/** A separable blending weight that falls off towards the tile border (never 0). */
function blendWindow(tile: number): Float32Array {
  const w1 = Array.from({ length: tile }, (_, i) => Math.min(i + 1, tile - i) / (tile / 2));
  const w = new Float32Array(tile * tile);
  for (let y = 0; y < tile; y++)
    for (let x = 0; x < tile; x++) w[y * tile + x] = Math.min(1, w1[y]) * Math.min(1, w1[x]);
  return w;
}

/**
 * Restores an image of any size with a {@link RestorationNet}: the image is cut into
 * overlapping tiles (edge-padded by replication when smaller than a tile), restored `batchTiles`
 * at a time, and blended with a window that falls off at tile borders. Memory is the image
 * buffers plus one batch of tiles.
 *
 * @example
 * ```ts
 * const restored = restoreImage(net, await readImageFile('rainy.jpg'));
 * await writeImageFile('restored.png', restored);
 * ```
 */
export function restoreImage(model: RestorationNet, img: RgbImage, options: RestoreOptions = {}): RgbImage {
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
  const stride = tile - overlap;
  const xs = tileStarts(img.width, tile, stride);
  const ys = tileStarts(img.height, tile, stride);
  if (xs.length * ys.length > maxTiles) {
    throw new ImageError(
      'TOO_LARGE',
      `${img.width}x${img.height} needs ${xs.length * ys.length} tiles of ${tile}x${tile} (overlap ${overlap}), ` +
        `over the limit of ${maxTiles}: raise maxTiles (moe-restore --max-tiles) or downscale the image`,
    );
  }
  const coords = ys.flatMap((y) => xs.map((x) => [x, y] as const));
  const acc = new Float32Array(img.width * img.height * 3);
  const weight = new Float32Array(img.width * img.height);
  const win = blendWindow(tile);
  const per = tile * tile * 3;
  model.eval();
  for (let from = 0; from < coords.length; from += batchTiles) {
    const batch = coords.slice(from, from + batchTiles);
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
    const result = tf.tidy(() => {
      const { y, aux } = model.forward(tf.tensor4d(input, [batch.length, tile, tile, 3]));
      for (const a of aux) tf.dispose([a.counts, a.probs, a.dropped, a.indices, ...Object.values(a.losses)]);
      return tf.clipByValue(y, 0, 1);
    });
    const out = result.dataSync();
    result.dispose();
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
    options.onProgress?.({ done: from + batch.length, total: coords.length });
  }
  const restored = createImage(img.width, img.height);
  for (let p = 0; p < weight.length; p++) {
    for (let c = 0; c < 3; c++) restored.data[p * 3 + c] = acc[p * 3 + c] / weight[p];
  }
  return restored;
}
