import { makeRng, permutation } from '@moe-zoo/core';
import type { DigitImages } from '../mnist';
import { kmeans, nearestCentroids } from './kmeans';

/** A k-means codebook over p × p patches of 28 × 28 images: image → (28/p)² discrete tokens. */
export interface ImageCodebook {
  patch: number;
  /** Codes. */
  k: number;
  /** [k × p²] */
  centroids: Float32Array;
  /** Tokens per image, (28/p)². */
  tokensPerImage: number;
}

/** Options of {@link fitImageCodebook}. */
export interface ImageCodebookOptions {
  /** Patch size, must divide 28 (default 7 → 16 tokens per image). */
  patch?: number;
  /** Codebook size (default 64). */
  k?: number;
  seed?: number;
  /** Fit on at most this many patches, drawn by seed (default 8000). */
  maxPatches?: number;
  maxIter?: number;
}

/** Row-major p × p patches of every image: [n × (28/p)² × p²]. */
export function imagePatchRows(images: DigitImages, patch: number): Float32Array {
  if (!(Number.isInteger(patch) && patch > 0 && 28 % patch === 0))
    throw new Error(`imagePatchRows: patch must divide 28, got ${patch}`);
  const g = 28 / patch;
  const out = new Float32Array(images.n * 784);
  let k = 0;
  for (let i = 0; i < images.n; i++) {
    const base = i * 784;
    for (let pr = 0; pr < g; pr++)
      for (let pc = 0; pc < g; pc++)
        for (let r = 0; r < patch; r++)
          for (let c = 0; c < patch; c++) out[k++] = images.x[base + (pr * patch + r) * 28 + pc * patch + c];
  }
  return out;
}

/**
 * Fits the image-token codebook: k-means (seeded k-means++) over the p × p patches of the
 * images (a seeded subsample of at most `maxPatches`). Deterministic per seed.
 *
 * @example
 * ```ts
 * const codebook = fitImageCodebook(loadDigitImages(0, 100), { k: 64, seed: 0 });
 * const codes = encodeImages(images, codebook); // Int32Array [n × 16]
 * ```
 */
export function fitImageCodebook(images: DigitImages, o: ImageCodebookOptions = {}): ImageCodebook {
  const patch = o.patch ?? 7;
  const k = o.k ?? 64;
  const dim = patch * patch;
  const rows = imagePatchRows(images, patch);
  const total = rows.length / dim;
  const take = Math.min(total, o.maxPatches ?? 8000);
  let sample = rows;
  if (take < total) {
    const order = permutation(total, makeRng((o.seed ?? 0) * 31 + 7));
    sample = new Float32Array(take * dim);
    for (let i = 0; i < take; i++) sample.set(rows.subarray(order[i] * dim, (order[i] + 1) * dim), i * dim);
  }
  const fit = kmeans(sample, dim, k, { seed: o.seed, maxIter: o.maxIter });
  return { patch, k, centroids: fit.centroids, tokensPerImage: (28 / patch) ** 2 };
}

/** Image tokens: the nearest code of every patch, [n × tokensPerImage]. */
export function encodeImages(images: DigitImages, codebook: ImageCodebook): Int32Array {
  return nearestCentroids(imagePatchRows(images, codebook.patch), codebook.patch ** 2, codebook.centroids)
    .assignments;
}

/** Images [n × 784] rebuilt from their tokens (each patch replaced by its code's centroid). */
export function decodeImageTokens(codes: Int32Array, codebook: ImageCodebook): Float32Array {
  const { patch: p, tokensPerImage: t, k } = codebook;
  if (codes.length % t !== 0)
    throw new Error(`decodeImageTokens: ${codes.length} codes is not a multiple of ${t} tokens per image`);
  const n = codes.length / t;
  const g = 28 / p;
  const out = new Float32Array(n * 784);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < t; j++) {
      const c = codes[i * t + j];
      if (!(c >= 0 && c < k))
        throw new Error(`decodeImageTokens: code ${c} at [${i}, ${j}] outside [0, ${k})`);
      const pr = Math.floor(j / g);
      const pc = j % g;
      for (let r = 0; r < p; r++)
        for (let q = 0; q < p; q++)
          out[i * 784 + (pr * p + r) * 28 + pc * p + q] = codebook.centroids[c * p * p + r * p + q];
    }
  }
  return out;
}
