import {
  DEFAULT_MAX_PIXELS,
  decodeImageSync,
  encodeImageSync,
  ImageError,
  peekImageSize,
  readImage,
  sniffImageFormat,
  writeImage,
  type DecodedImage,
  type ImageErrorCode,
  type ImageFormat,
} from '@moe-zoo/data';
import type { RgbImage } from './image';

// The image I/O lives in @moe-zoo/data (sharp: PNG/JPEG/WebP, EXIF orientation applied, one pixel
// limit); these wrappers keep restoration's RgbImage API.
export { DEFAULT_MAX_PIXELS, ImageError, type ImageErrorCode, type ImageFormat };

/** Options of {@link decodeImage}. */
export interface DecodeOptions {
  /** Largest accepted width x height (default {@link DEFAULT_MAX_PIXELS}, 40 megapixels), checked before decoding. */
  maxPixels?: number;
  /** Name used in error messages. */
  source?: string;
}

/** The image format from the magic bytes (PNG, JPEG or WebP), or undefined. */
export const sniffFormat: (bytes: Uint8Array) => ImageFormat | undefined = sniffImageFormat;

/** Width and height from the header (PNG, JPEG or WebP), without decoding pixels. */
export const peekSize: (bytes: Uint8Array) => { width: number; height: number } | undefined = peekImageSize;

function toRgb(img: DecodedImage): RgbImage {
  return { width: img.width, height: img.height, data: img.data };
}

function fromRgb(img: RgbImage): DecodedImage {
  return { width: img.width, height: img.height, channels: 3, data: img.data };
}

/**
 * Decodes a JPEG, PNG or WebP into an {@link RgbImage} in [0, 1] (EXIF orientation applied, alpha
 * composited on black). Unsupported formats, corrupt data and images over `maxPixels` fail with
 * an {@link ImageError} before large allocations. Synchronous: sharp runs on a helper thread.
 *
 * @example
 * ```ts
 * const img = decodeImage(fs.readFileSync('photo.jpg'), { maxPixels: 4e6 });
 * ```
 */
export function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): RgbImage {
  return toRgb(decodeImageSync(bytes, { ...options, channels: 3 }));
}

/** Encodes an image as PNG (lossless), JPEG or WebP (`quality` 1-100, default 92). */
export function encodeImage(img: RgbImage, format: ImageFormat, quality = 92): Buffer {
  return encodeImageSync(fromRgb(img), format, { quality });
}

/** Reads and decodes an image file (PNG, JPEG or WebP); see {@link decodeImage}. */
export async function readImageFile(
  file: string,
  options: Omit<DecodeOptions, 'source'> = {},
): Promise<RgbImage> {
  return toRgb(await readImage(file, { ...options, channels: 3 }));
}

/** Writes an image; the format comes from the extension (.png, .jpg/.jpeg, .webp). */
export async function writeImageFile(file: string, img: RgbImage): Promise<void> {
  await writeImage(file, fromRgb(img), { quality: 92 });
}
