/** Images in the page: files and URLs decoded to restoration's `RgbImage`, and drawn on canvases. */
import type { RgbImage } from '@moe-zoo/restoration';

/** The longest side a dropped image is shrunk to (restoring is about 1 s per 100 tiles on wasm). */
export const MAX_DROPPED_SIDE = 512;

/**
 * Decodes an image (PNG, JPEG, WebP: whatever the browser decodes) to RGB in [0, 1], exactly as
 * stored (no colour-space conversion); shrunk to fit `maxSide` if given. Alpha is dropped.
 */
export async function decodeImageBlob(blob: Blob, maxSide?: number): Promise<RgbImage> {
  const bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const scale = maxSide ? Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height)) : 1;
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('this browser gives no 2D canvas');
  ctx.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  const rgba = ctx.getImageData(0, 0, width, height).data;
  const data = new Float32Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    data[p * 3] = rgba[p * 4] / 255;
    data[p * 3 + 1] = rgba[p * 4 + 1] / 255;
    data[p * 3 + 2] = rgba[p * 4 + 2] / 255;
  }
  return { width, height, data };
}

/** Fetches and decodes an image URL. */
export async function fetchImage(url: string): Promise<RgbImage> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return decodeImageBlob(await res.blob());
}

/** Draws an image (values clipped to [0, 1]) on a canvas of its size. */
export function drawImage(canvas: HTMLCanvasElement, img: RgbImage): void {
  canvas.width = img.width;
  canvas.height = img.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('this browser gives no 2D canvas');
  const out = ctx.createImageData(img.width, img.height);
  for (let p = 0; p < img.width * img.height; p++) {
    for (let c = 0; c < 3; c++)
      out.data[p * 4 + c] = Math.round(Math.min(1, Math.max(0, img.data[p * 3 + c])) * 255);
    out.data[p * 4 + 3] = 255;
  }
  ctx.putImageData(out, 0, 0);
}

/** Clears a canvas to nothing. */
export function clearCanvas(canvas: HTMLCanvasElement): void {
  canvas.width = 0;
  canvas.height = 0;
}
