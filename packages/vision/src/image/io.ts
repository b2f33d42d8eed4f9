import { promises as fsp } from 'node:fs';
import path from 'node:path';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { ImageError, tf, type ImageErrorCode } from '@moe-zoo/core';

/** The image formats {@link decodeImage} reads and {@link encodeImage} writes. */
export type ImageFormat = 'png' | 'jpeg' | 'webp';

/** The formats, in the order they are tried by {@link sniffImageFormat}. */
export const IMAGE_FORMATS: readonly ImageFormat[] = ['png', 'jpeg', 'webp'];

export { ImageError, type ImageErrorCode };

/** A decoded image: row-major HWC float pixels. */
export interface DecodedImage {
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  /** [height × width × channels], scaled as the `normalise` option said. */
  data: Float32Array;
}

/** Pixel scaling of {@link decodeImage}. */
export type Normalise =
  /** [0, 1] (default). */
  | 'unit'
  /** [-1, 1]. */
  | 'symmetric'
  /** Raw 0..255. */
  | 'none'
  /** (x/255 − mean) / std, per channel or for all channels. */
  | { mean: number | number[]; std: number | number[] };

/** Options of {@link decodeImage}. */
export interface DecodeImageOptions {
  /** Target width; with only one of width/height the aspect ratio is kept. */
  width?: number;
  height?: number;
  /** How to fit a different aspect ratio (default 'fill' = stretch). */
  fit?: 'fill' | 'contain' | 'cover';
  /** 1 = greyscale (luminance), 3 = RGB (alpha composited on `background`), 4 = RGBA (default 3). */
  channels?: 1 | 3 | 4;
  normalise?: Normalise;
  /** Background for alpha compositing and 'contain' borders, 0..255 grey (default 0). */
  background?: number;
  /** Largest accepted input width × height, checked before decoding (default 40 megapixels). */
  maxPixels?: number;
  /** Name used in error messages. */
  source?: string;
}

/** The default pixel limit of {@link decodeImage}. */
export const DEFAULT_MAX_PIXELS = 40_000_000;

const OTHER_FORMATS: [string, (b: Uint8Array) => boolean][] = [
  ['GIF', (b) => b.length >= 6 && String.fromCharCode(...b.subarray(0, 4)) === 'GIF8'],
  ['BMP', (b) => b.length >= 2 && b[0] === 0x42 && b[1] === 0x4d],
  [
    'TIFF',
    (b) =>
      b.length >= 4 &&
      ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a) ||
        (b[0] === 0x4d && b[1] === 0x4d && b[3] === 0x2a)),
  ],
  ['SVG/XML', (b) => /^\s*</.test(String.fromCharCode(...b.subarray(0, 16)))],
  ['AVIF/HEIF', (b) => b.length >= 12 && String.fromCharCode(...b.subarray(4, 8)) === 'ftyp'],
];

/**
 * The format from the magic bytes: PNG (`89 50 4E 47 0D 0A 1A 0A`), JPEG (`FF D8 FF`) or WebP
 * (`RIFF....WEBP`); undefined for anything else.
 */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= 8 && png.every((v, i) => bytes[i] === v)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  return undefined;
}

function unsupported(bytes: Uint8Array, source?: string): ImageError {
  const known = OTHER_FORMATS.find(([, test]) => test(bytes));
  const what = known ? `${known[0]} is not supported` : 'unknown format (no PNG, JPEG or WebP signature)';
  return new ImageError('UNSUPPORTED', `${what}; expected PNG, JPEG or WebP`, source);
}

function checkSize(name: string, v: number | undefined, source?: string): void {
  if (v !== undefined && !(Number.isInteger(v) && v > 0 && v <= 16384)) {
    throw new ImageError('INVALID', `option ${name} must be an integer in 1..16384, got ${v}`, source);
  }
}

function scaler(normalise: Normalise, channels: number, source?: string): (v: number, c: number) => number {
  if (normalise === 'unit') return (v) => v / 255;
  if (normalise === 'symmetric') return (v) => v / 127.5 - 1;
  if (normalise === 'none') return (v) => v;
  const per = (x: number | number[], name: string) => {
    const arr = typeof x === 'number' ? Array(channels).fill(x) : x;
    if (arr.length !== channels || arr.some((s) => !Number.isFinite(s)))
      throw new ImageError('INVALID', `normalise.${name} needs ${channels} finite values`, source);
    return arr as number[];
  };
  const mean = per(normalise.mean, 'mean');
  const std = per(normalise.std, 'std');
  if (std.some((s) => s <= 0)) throw new ImageError('INVALID', 'normalise.std must be > 0', source);
  return (v, c) => (v / 255 - mean[c]) / std[c];
}

/**
 * Decodes a PNG, JPEG or WebP with sharp, then resizes, converts channels and normalises.
 * Anything else fails with `ImageError('UNSUPPORTED')` naming the format it saw; damaged or
 * truncated data fails with `ImageError('CORRUPT')`; images over `maxPixels` with `TOO_LARGE`
 * before the pixels are decoded.
 *
 * @example
 * ```ts
 * const img = await decodeImage(bytes, { width: 32, height: 32, channels: 1 }); // data in [0, 1]
 * const t = imageToTensor(img); // [32, 32, 1]
 * ```
 */
export async function decodeImage(bytes: Uint8Array, o: DecodeImageOptions = {}): Promise<DecodedImage> {
  const { source, channels = 3, fit = 'fill', normalise = 'unit', background = 0 } = o;
  const maxPixels = o.maxPixels ?? DEFAULT_MAX_PIXELS;
  checkSize('width', o.width, source);
  checkSize('height', o.height, source);
  if (![1, 3, 4].includes(channels))
    throw new ImageError('INVALID', `option channels must be 1, 3 or 4, got ${channels}`, source);
  const scale = scaler(normalise, channels, source);
  const format = sniffImageFormat(bytes);
  if (!format) throw unsupported(bytes, source);
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let meta: Metadata;
  try {
    meta = await sharp(input).metadata();
  } catch (e) {
    throw new ImageError('CORRUPT', `cannot read the ${format.toUpperCase()} header (${why(e)})`, source);
  }
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  if (w < 1 || h < 1) throw new ImageError('CORRUPT', `${format.toUpperCase()} without a size`, source);
  if (w * h > maxPixels) {
    throw new ImageError(
      'TOO_LARGE',
      `${w}x${h} = ${w * h} pixels exceeds the limit of ${maxPixels}`,
      source,
    );
  }
  const bg = { r: background, g: background, b: background, alpha: 1 };
  let pipe = sharp(input, { failOn: 'truncated', limitInputPixels: maxPixels });
  if (o.width !== undefined || o.height !== undefined) {
    // With one side given, the other follows the aspect ratio.
    const oneSide = o.width === undefined || o.height === undefined;
    pipe = pipe.resize(o.width, o.height, { fit: oneSide ? 'inside' : fit, background: bg });
  }
  if (channels === 4) pipe = pipe.ensureAlpha();
  else pipe = pipe.flatten({ background: bg });
  if (channels === 1) pipe = pipe.toColourspace('b-w');
  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await pipe.raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new ImageError('CORRUPT', `cannot decode the ${format.toUpperCase()} data (${why(e)})`, source);
  }
  const { width, height } = raw.info;
  const got = raw.info.channels;
  const data = new Float32Array(width * height * channels);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < channels; c++) {
      // b-w output can carry alpha on some inputs; take the first channels only.
      data[p * channels + c] = scale(raw.data[p * got + Math.min(c, got - 1)], c);
    }
  }
  return { width, height, channels, data };
}

function why(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

/** Reads a file and decodes it with {@link decodeImage}; errors name the file. */
export async function readImage(
  file: string,
  options: Omit<DecodeImageOptions, 'source'> = {},
): Promise<DecodedImage> {
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(file);
  } catch (e) {
    throw new ImageError('IO', `cannot read (${why(e)})`, file);
  }
  return decodeImage(bytes, { ...options, source: file });
}

/** Options of {@link encodeImage}. */
export interface EncodeImageOptions {
  /** How `data` is scaled (default 'unit', values clamped to [0, 1]). */
  normalise?: 'unit' | 'none';
  /** JPEG/WebP quality 1..100 (default 90); WebP is lossless when `lossless` is set. */
  quality?: number;
  lossless?: boolean;
}

/** Encodes a {@link DecodedImage} as PNG, JPEG or WebP. */
export async function encodeImage(
  img: DecodedImage,
  format: ImageFormat,
  o: EncodeImageOptions = {},
): Promise<Buffer> {
  const { width, height, channels, data } = img;
  if (data.length !== width * height * channels) {
    throw new ImageError(
      'INVALID',
      `data holds ${data.length} values, expected ${width}x${height}x${channels} = ${width * height * channels}`,
    );
  }
  const k = (o.normalise ?? 'unit') === 'unit' ? 255 : 1;
  const bytes = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i++) bytes[i] = Math.round(Math.min(255, Math.max(0, data[i] * k)));
  const pipe = sharp(bytes, { raw: { width, height, channels } });
  const quality = o.quality ?? 90;
  if (format === 'png') return pipe.png().toBuffer();
  if (format === 'jpeg') return pipe.jpeg({ quality }).toBuffer();
  if (format === 'webp') return pipe.webp({ quality, lossless: o.lossless ?? false }).toBuffer();
  throw new ImageError('UNSUPPORTED', `cannot encode "${String(format)}"; expected png, jpeg or webp`);
}

/** Writes an image; the format comes from the extension (.png, .jpg/.jpeg, .webp). */
export async function writeImage(file: string, img: DecodedImage, o: EncodeImageOptions = {}): Promise<void> {
  const ext = path.extname(file).toLowerCase();
  const format: ImageFormat | undefined =
    ext === '.png'
      ? 'png'
      : ext === '.jpg' || ext === '.jpeg'
        ? 'jpeg'
        : ext === '.webp'
          ? 'webp'
          : undefined;
  if (!format)
    throw new ImageError('UNSUPPORTED', `cannot write "${ext}" files (use .png, .jpg or .webp)`, file);
  try {
    await fsp.writeFile(file, await encodeImage(img, format, o));
  } catch (e) {
    if (e instanceof ImageError) throw e;
    throw new ImageError('IO', `cannot write (${why(e)})`, file);
  }
}

/** A decoded image as a tensor [height, width, channels]. */
export function imageToTensor(img: DecodedImage): tf.Tensor3D {
  return tf.tensor3d(img.data, [img.height, img.width, img.channels]);
}

/** Same-size images stacked into [N, height, width, channels]; a size mismatch names the image. */
export function imagesToTensor(imgs: DecodedImage[]): tf.Tensor4D {
  if (imgs.length === 0) throw new ImageError('INVALID', 'imagesToTensor: no images');
  const { width, height, channels } = imgs[0];
  const per = width * height * channels;
  const out = new Float32Array(imgs.length * per);
  imgs.forEach((img, i) => {
    if (img.width !== width || img.height !== height || img.channels !== channels) {
      throw new ImageError(
        'INVALID',
        `imagesToTensor: image ${i} is ${img.width}x${img.height}x${img.channels}, image 0 is ${width}x${height}x${channels}`,
      );
    }
    out.set(img.data, i * per);
  });
  return tf.tensor4d(out, [imgs.length, height, width, channels]);
}
