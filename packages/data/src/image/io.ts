import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { ImageError } from './error';
import { imageFormatFromPath, sniffImageFormat, unsupportedFormatError, type ImageFormat } from './format';
import { DEFAULT_MAX_PIXELS } from './limits';
import {
  runSharp,
  runSharpSync,
  type SharpHeader,
  type SharpOutput,
  type SharpStep,
  type SharpTask,
} from './sharp-runner';

/** The one pixel limit of the image readers (40 megapixels), defined in `limits.ts`. */
export { DEFAULT_MAX_PIXELS };

/** A decoded image: row-major HWC float pixels (`data[(y * width + x) * channels + c]`). */
export interface DecodedImage {
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  /** [height × width × channels], scaled as the `normalise` option said. */
  data: Float32Array;
}

/** Pixel scaling of {@link decodeImage}. */
export type Normalise =
  /** [0, 1] (default): byte / 255. */
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
  /** Largest accepted input width × height (default {@link DEFAULT_MAX_PIXELS}). */
  maxPixels?: number;
  /** Name used in error messages (a file name or a label). */
  source?: string;
}

/** Options of {@link encodeImage}. */
export interface EncodeImageOptions {
  /** How `data` is scaled (default 'unit': values clamped to [0, 1] and mapped to 0..255). */
  normalise?: 'unit' | 'none';
  /** JPEG/WebP quality 1..100 (default 90). */
  quality?: number;
  /** Lossless WebP (default false). PNG is always lossless. */
  lossless?: boolean;
}

/** A task for sharp, and the answer it gets back (or the error thrown into it). */
type Steps<T> = Generator<SharpTask, T, SharpHeader | SharpOutput>;

async function runAsync<T>(steps: Steps<T>): Promise<T> {
  let next = steps.next();
  while (!next.done) {
    let answer: SharpHeader | SharpOutput;
    try {
      answer = await runSharp(next.value);
    } catch (e) {
      next = steps.throw(e);
      continue;
    }
    next = steps.next(answer);
  }
  return next.value;
}

function runSync<T>(steps: Steps<T>): T {
  let next = steps.next();
  while (!next.done) {
    let answer: SharpHeader | SharpOutput;
    try {
      answer = runSharpSync(next.value);
    } catch (e) {
      next = steps.throw(e);
      continue;
    }
    next = steps.next(answer);
  }
  return next.value;
}

function why(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
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
    const arr = typeof x === 'number' ? Array<number>(channels).fill(x) : x;
    if (arr.length !== channels || arr.some((s) => !Number.isFinite(s)))
      throw new ImageError('INVALID', `normalise.${name} needs ${channels} finite values`, source);
    return arr;
  };
  const mean = per(normalise.mean, 'mean');
  const std = per(normalise.std, 'std');
  if (std.some((s) => s <= 0)) throw new ImageError('INVALID', 'normalise.std must be > 0', source);
  return (v, c) => (v / 255 - mean[c]) / std[c];
}

function tooLarge(w: number, h: number, maxPixels: number, source?: string): ImageError {
  return new ImageError('TOO_LARGE', `${w}x${h} = ${w * h} pixels exceeds the limit of ${maxPixels}`, source);
}

function* decodeSteps(bytes: Uint8Array, o: DecodeImageOptions): Steps<DecodedImage> {
  const { source, channels = 3, fit = 'fill', normalise = 'unit', background = 0 } = o;
  const maxPixels = o.maxPixels ?? DEFAULT_MAX_PIXELS;
  checkSize('width', o.width, source);
  checkSize('height', o.height, source);
  if (![1, 3, 4].includes(channels))
    throw new ImageError('INVALID', `option channels must be 1, 3 or 4, got ${channels}`, source);
  if (!(maxPixels > 0))
    throw new ImageError('INVALID', `option maxPixels must be > 0, got ${maxPixels}`, source);
  const scale = scaler(normalise, channels, source);
  const format = sniffImageFormat(bytes);
  if (!format) throw unsupportedFormatError(bytes, source);
  const name = format.toUpperCase();
  let header: SharpHeader;
  try {
    header = (yield { kind: 'metadata', input: bytes, options: {} }) as SharpHeader;
  } catch (e) {
    throw new ImageError('CORRUPT', `cannot read the ${name} header (${why(e)})`, source);
  }
  const { width: w, height: h } = header;
  if (w < 1 || h < 1) throw new ImageError('CORRUPT', `${name} without a size`, source);
  if (w * h > maxPixels) throw tooLarge(w, h, maxPixels, source);

  const bg = { r: background, g: background, b: background, alpha: 1 };
  const steps: SharpStep[] = [['autoOrient']];
  if (o.width !== undefined || o.height !== undefined) {
    // With one side given, the other follows the aspect ratio.
    const oneSide = o.width === undefined || o.height === undefined;
    steps.push(['resize', o.width, o.height, { fit: oneSide ? 'inside' : fit, background: bg }]);
  }
  if (channels === 4) steps.push(['ensureAlpha'], ['toColourspace', 'srgb']);
  else steps.push(['flatten', { background: bg }], ['toColourspace', channels === 1 ? 'b-w' : 'srgb']);
  steps.push(['raw']);
  let raw: SharpOutput;
  try {
    raw = (yield {
      kind: 'pipeline',
      input: bytes,
      options: { failOn: 'truncated', limitInputPixels: maxPixels },
      steps,
    }) as SharpOutput;
  } catch (e) {
    if (/pixel limit/i.test(why(e))) throw tooLarge(w, h, maxPixels, source);
    throw new ImageError('CORRUPT', `cannot decode the ${name} data (${why(e)})`, source);
  }
  const { width, height } = raw.info;
  const got = raw.info.channels;
  if (raw.data.length < width * height * got) {
    throw new ImageError('CORRUPT', `truncated ${name} pixel data`, source);
  }
  const data = new Float32Array(width * height * channels);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < channels; c++) {
      data[p * channels + c] = scale(raw.data[p * got + Math.min(c, got - 1)], c);
    }
  }
  return { width, height, channels, data };
}

/**
 * Decodes a PNG, JPEG or WebP with sharp: EXIF orientation applied, then optionally resized,
 * converted to 1, 3 or 4 channels and normalised. Anything else fails with
 * `ImageError('UNSUPPORTED')` naming the format it saw; damaged or truncated data with
 * `CORRUPT`; images over `maxPixels` (default {@link DEFAULT_MAX_PIXELS}) with `TOO_LARGE` before
 * the pixels are decoded. Errors name `source` when given.
 *
 * @example
 * ```ts
 * const img = await decodeImage(bytes, { width: 32, height: 32, channels: 1 }); // data in [0, 1]
 * const t = tf.tensor3d(img.data, [img.height, img.width, img.channels]);
 * ```
 */
export function decodeImage(bytes: Uint8Array, options: DecodeImageOptions = {}): Promise<DecodedImage> {
  return runAsync(decodeSteps(bytes, options));
}

/**
 * {@link decodeImage} for synchronous code (e.g. cached data generation): the same sharp pipeline
 * and errors, run on a helper worker thread while this thread waits. Prefer the async form.
 */
export function decodeImageSync(bytes: Uint8Array, options: DecodeImageOptions = {}): DecodedImage {
  return runSync(decodeSteps(bytes, options));
}

function* encodeSteps(img: DecodedImage, format: ImageFormat, o: EncodeImageOptions): Steps<Buffer> {
  const { width, height, channels, data } = img;
  if (![1, 3, 4].includes(channels))
    throw new ImageError('INVALID', `channels must be 1, 3 or 4, got ${String(channels)}`);
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0))
    throw new ImageError('INVALID', `bad image size ${width}x${height}`);
  if (data.length !== width * height * channels) {
    throw new ImageError(
      'INVALID',
      `data holds ${data.length} values, expected ${width}x${height}x${channels} = ${width * height * channels}`,
    );
  }
  const quality = o.quality ?? 90;
  let step: SharpStep;
  if (format === 'png') step = ['png', {}];
  else if (format === 'jpeg') step = ['jpeg', { quality }];
  else if (format === 'webp') step = ['webp', { quality, lossless: o.lossless ?? false }];
  else throw new ImageError('UNSUPPORTED', `cannot encode "${String(format)}"; expected png, jpeg or webp`);
  const k = (o.normalise ?? 'unit') === 'unit' ? 255 : 1;
  const bytes = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i++) bytes[i] = Math.round(Math.min(255, Math.max(0, data[i] * k)));
  try {
    const out = (yield {
      kind: 'pipeline',
      input: bytes,
      options: { raw: { width, height, channels } },
      steps: [step],
    }) as SharpOutput;
    return out.data;
  } catch (e) {
    throw new ImageError('INVALID', `cannot encode ${width}x${height}x${channels} as ${format} (${why(e)})`);
  }
}

/**
 * Encodes a {@link DecodedImage} as PNG (lossless), JPEG or WebP.
 *
 * @example
 * ```ts
 * const png = await encodeImage({ width: 2, height: 1, channels: 1, data: new Float32Array([0, 1]) }, 'png');
 * ```
 */
export function encodeImage(
  img: DecodedImage,
  format: ImageFormat,
  options: EncodeImageOptions = {},
): Promise<Buffer> {
  return runAsync(encodeSteps(img, format, options));
}

/** {@link encodeImage} for synchronous code (a helper worker thread runs sharp while this thread waits). */
export function encodeImageSync(
  img: DecodedImage,
  format: ImageFormat,
  options: EncodeImageOptions = {},
): Buffer {
  return runSync(encodeSteps(img, format, options));
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

/**
 * Writes an image; the format comes from the extension (.png, .jpg/.jpeg, .webp). Errors name
 * the file.
 */
export async function writeImage(
  file: string,
  img: DecodedImage,
  options: EncodeImageOptions = {},
): Promise<void> {
  const format = imageFormatFromPath(file);
  if (!format) {
    const ext = path.extname(file).toLowerCase();
    throw new ImageError('UNSUPPORTED', `cannot write "${ext}" files (use .png, .jpg or .webp)`, file);
  }
  let bytes: Buffer;
  try {
    bytes = await encodeImage(img, format, options);
  } catch (e) {
    if (e instanceof ImageError) throw new ImageError(e.code, e.message, file);
    throw e;
  }
  // Written beside the target and renamed into place: a failed write (full disk, killed process)
  // never leaves a truncated image under the output name.
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    await fsp.writeFile(tmp, bytes);
    await fsp.rename(tmp, file);
  } catch (e) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw new ImageError('IO', `cannot write (${why(e)})`, file);
  }
}
