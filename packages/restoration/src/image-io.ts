import { promises as fsp } from 'fs';
import * as path from 'path';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { ImageError, type ImageErrorCode } from '@moe-zoo/core';
import type { RgbImage } from './image';

export { ImageError, type ImageErrorCode };

/** Options of {@link decodeImage}. */
export interface DecodeOptions {
  /** Largest accepted width x height (default 40 megapixels), checked before decoding. */
  maxPixels?: number;
  /** Name used in error messages. */
  source?: string;
}

/** The default pixel limit of {@link decodeImage}. */
export const DEFAULT_MAX_PIXELS = 40_000_000;

/** The image format from the magic bytes, or undefined. */
export function sniffFormat(bytes: Uint8Array): 'jpeg' | 'png' | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= 8 && sig.every((v, i) => bytes[i] === v)) return 'png';
  return undefined;
}

/** Width and height from a JPEG's SOF marker or a PNG's IHDR, without decoding pixels. */
export function peekSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const format = sniffFormat(bytes);
  if (format === 'png') {
    if (bytes.length < 24) return undefined;
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return { width: v.getUint32(16), height: v.getUint32(20) };
  }
  if (format !== 'jpeg') return undefined;
  let i = 2;
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) return undefined;
    const marker = bytes[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    const len = (bytes[i + 2] << 8) | bytes[i + 3];
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      return { height: (bytes[i + 5] << 8) | bytes[i + 6], width: (bytes[i + 7] << 8) | bytes[i + 8] };
    }
    i += 2 + len;
  }
  return undefined;
}

/**
 * Decodes a JPEG or PNG into an {@link RgbImage} (alpha dropped). Unsupported formats, corrupt
 * data and images over `maxPixels` fail with an {@link ImageError} before large allocations.
 *
 * @example
 * ```ts
 * const img = decodeImage(fs.readFileSync('photo.jpg'), { maxPixels: 4e6 });
 * ```
 */
export function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): RgbImage {
  const { maxPixels = DEFAULT_MAX_PIXELS, source } = options;
  const format = sniffFormat(bytes);
  if (!format) throw new ImageError('UNSUPPORTED', 'not a JPEG or PNG file (unknown magic bytes)', source);
  const size = peekSize(bytes);
  if (!size || size.width < 1 || size.height < 1) {
    throw new ImageError('CORRUPT', `cannot read the ${format.toUpperCase()} header`, source);
  }
  if (size.width * size.height > maxPixels) {
    throw new ImageError(
      'TOO_LARGE',
      `${size.width}x${size.height} = ${size.width * size.height} pixels exceeds the limit of ${maxPixels}`,
      source,
    );
  }
  let rgba: Uint8Array;
  let width: number;
  let height: number;
  try {
    if (format === 'jpeg') {
      const d = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        maxResolutionInMP: Math.ceil(maxPixels / 1e6) + 1,
        maxMemoryUsageInMB: 2048,
      });
      ({ width, height } = d);
      rgba = d.data;
    } else {
      const d = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      ({ width, height } = d);
      rgba = d.data;
    }
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new ImageError('CORRUPT', `cannot decode the ${format.toUpperCase()} data (${why})`, source);
  }
  if (rgba.length < width * height * 4) {
    throw new ImageError('CORRUPT', `truncated ${format.toUpperCase()} pixel data`, source);
  }
  const data = new Float32Array(width * height * 3);
  for (let p = 0, q = 0; p < width * height; p++, q += 4) {
    data[p * 3] = rgba[q] / 255;
    data[p * 3 + 1] = rgba[q + 1] / 255;
    data[p * 3 + 2] = rgba[q + 2] / 255;
  }
  return { width, height, data };
}

function toRgba(img: RgbImage): Buffer {
  const out = Buffer.alloc(img.width * img.height * 4);
  for (let p = 0; p < img.width * img.height; p++) {
    for (let c = 0; c < 3; c++) {
      out[p * 4 + c] = Math.round(Math.min(1, Math.max(0, img.data[p * 3 + c])) * 255);
    }
    out[p * 4 + 3] = 255;
  }
  return out;
}

/** Encodes an image as PNG (lossless) or JPEG (`quality` 1-100, default 92). */
export function encodeImage(img: RgbImage, format: 'png' | 'jpeg', quality = 92): Buffer {
  const rgba = toRgba(img);
  if (format === 'jpeg') {
    return jpeg.encode({ data: rgba, width: img.width, height: img.height }, quality).data;
  }
  const png = new PNG({ width: img.width, height: img.height });
  rgba.copy(png.data);
  return PNG.sync.write(png);
}

/** Reads and decodes an image file; see {@link decodeImage}. */
export async function readImageFile(
  file: string,
  options: Omit<DecodeOptions, 'source'> = {},
): Promise<RgbImage> {
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(file);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new ImageError('IO', `cannot read (${why})`, file);
  }
  return decodeImage(bytes, { ...options, source: file });
}

/** Writes an image; the format comes from the extension (.png, .jpg/.jpeg). */
export async function writeImageFile(file: string, img: RgbImage): Promise<void> {
  const ext = path.extname(file).toLowerCase();
  const format = ext === '.png' ? 'png' : ext === '.jpg' || ext === '.jpeg' ? 'jpeg' : undefined;
  if (!format) throw new ImageError('UNSUPPORTED', `cannot write "${ext}" files (use .png or .jpg)`, file);
  await fsp.writeFile(file, encodeImage(img, format));
}
