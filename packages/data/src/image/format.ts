import path from 'node:path';
import { ImageError } from './error';

/** The image formats the decoder reads and the encoder writes. */
export type ImageFormat = 'png' | 'jpeg' | 'webp';

/** The supported formats, in the order {@link sniffImageFormat} tests them. */
export const IMAGE_FORMATS: readonly ImageFormat[] = ['png', 'jpeg', 'webp'];

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function ascii(bytes: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...bytes.subarray(from, to));
}

/**
 * The format from the magic bytes: PNG (`89 50 4E 47 0D 0A 1A 0A`), JPEG (`FF D8 FF`) or WebP
 * (`RIFF....WEBP`); undefined for anything else.
 */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 8 && PNG_SIGNATURE.every((v, i) => bytes[i] === v)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'webp';
  return undefined;
}

/** The format a file name asks for by its extension (.png, .jpg/.jpeg, .webp), else undefined. */
export function imageFormatFromPath(file: string): ImageFormat | undefined {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.png') return 'png';
  if (ext === '.jpg' || ext === '.jpeg') return 'jpeg';
  if (ext === '.webp') return 'webp';
  return undefined;
}

const OTHER_FORMATS: [string, (b: Uint8Array) => boolean][] = [
  ['GIF', (b) => b.length >= 6 && ascii(b, 0, 4) === 'GIF8'],
  ['BMP', (b) => b.length >= 2 && b[0] === 0x42 && b[1] === 0x4d],
  [
    'TIFF',
    (b) =>
      b.length >= 4 &&
      ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a) ||
        (b[0] === 0x4d && b[1] === 0x4d && b[3] === 0x2a)),
  ],
  ['SVG/XML', (b) => /^\s*</.test(ascii(b, 0, 16))],
  ['AVIF/HEIF', (b) => b.length >= 12 && ascii(b, 4, 8) === 'ftyp'],
];

/** The `UNSUPPORTED` error for bytes {@link sniffImageFormat} does not know, naming what they look like. */
export function unsupportedFormatError(bytes: Uint8Array, source?: string): ImageError {
  const known = OTHER_FORMATS.find(([, test]) => test(bytes));
  const what = known ? `${known[0]} is not supported` : 'unknown format (no PNG, JPEG or WebP signature)';
  return new ImageError('UNSUPPORTED', `${what}; expected PNG, JPEG or WebP`, source);
}

function jpegSize(bytes: Uint8Array): { width: number; height: number } | undefined {
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
    if (isSof)
      return { height: (bytes[i + 5] << 8) | bytes[i + 6], width: (bytes[i + 7] << 8) | bytes[i + 8] };
    i += 2 + len;
  }
  return undefined;
}

function webpSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes.length < 30) return undefined;
  const chunk = ascii(bytes, 12, 16);
  const u16 = (at: number) => bytes[at] | (bytes[at + 1] << 8);
  const u24 = (at: number) => bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16);
  if (chunk === 'VP8 ') {
    // Frame tag (3 bytes), start code 9D 01 2A, then 14-bit width and height.
    if (bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a) return undefined;
    return { width: u16(26) & 0x3fff, height: u16(28) & 0x3fff };
  }
  if (chunk === 'VP8L') {
    if (bytes[20] !== 0x2f) return undefined;
    const bits = (bytes[21] | (bytes[22] << 8) | (bytes[23] << 16) | (bytes[24] << 24)) >>> 0;
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') return { width: u24(24) + 1, height: u24(27) + 1 };
  return undefined;
}

/**
 * Width and height from the header alone (PNG IHDR, JPEG SOF, WebP VP8/VP8L/VP8X), as stored —
 * before any EXIF orientation — or undefined when the header cannot be read.
 *
 * @example
 * ```ts
 * peekImageSize(fs.readFileSync('photo.jpg')); // { width: 1024, height: 768 }
 * ```
 */
export function peekImageSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const format = sniffImageFormat(bytes);
  if (format === 'png') {
    if (bytes.length < 24) return undefined;
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return { width: v.getUint32(16), height: v.getUint32(20) };
  }
  if (format === 'jpeg') return jpegSize(bytes);
  if (format === 'webp') return webpSize(bytes);
  return undefined;
}
