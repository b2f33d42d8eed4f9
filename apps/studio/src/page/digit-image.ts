/**
 * A digit image in the page as the VQA model reads it: decoded by the browser, made greyscale and
 * fitted (aspect kept, centred on black) into 28 × 28, as multimodal's Node entry fits a file.
 */
import { DIGIT_SIDE } from '@moe-zoo/multimodal';

/** The 784 pixels in [0, 1] of an image blob; also drawn, enlarged, on `preview`. */
export async function digitPixelsOf(blob: Blob, preview: HTMLCanvasElement): Promise<Float32Array> {
  const bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const scale = Math.min(DIGIT_SIDE / bitmap.width, DIGIT_SIDE / bitmap.height);
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = new OffscreenCanvas(DIGIT_SIDE, DIGIT_SIDE);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('this browser gives no 2D canvas');
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, DIGIT_SIDE, DIGIT_SIDE);
  ctx.drawImage(
    bitmap,
    Math.floor((DIGIT_SIDE - width) / 2),
    Math.floor((DIGIT_SIDE - height) / 2),
    width,
    height,
  );
  bitmap.close();
  const rgba = ctx.getImageData(0, 0, DIGIT_SIDE, DIGIT_SIDE).data;
  const pixels = new Float32Array(DIGIT_SIDE * DIGIT_SIDE);
  for (let p = 0; p < pixels.length; p++) {
    const [r, g, b] = [rgba[p * 4], rgba[p * 4 + 1], rgba[p * 4 + 2]];
    // A grey pixel is read as stored (bit for bit what Node reads); colour through BT.601 luma.
    pixels[p] = (r === g && g === b ? r : 0.299 * r + 0.587 * g + 0.114 * b) / 255;
  }
  preview.width = preview.height = DIGIT_SIDE * 6;
  const view = preview.getContext('2d');
  if (!view) throw new Error('this browser gives no 2D canvas');
  view.imageSmoothingEnabled = false;
  view.drawImage(canvas, 0, 0, preview.width, preview.height);
  return pixels;
}
