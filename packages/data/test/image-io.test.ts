import * as fs from 'node:fs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import {
  DEFAULT_MAX_PIXELS,
  decodeImage,
  decodeImageSync,
  encodeImage,
  encodeImageSync,
  ImageError,
  imageFormatFromPath,
  peekImageSize,
  readImage,
  sniffImageFormat,
  writeImage,
  type DecodedImage,
  type ImageFormat,
} from '../src';

/** A `width`×`height` image whose pixels are exact bytes k/255 (so PNG must give them back bit for bit). */
function byteImage(width: number, height: number, channels: 1 | 3 | 4): DecodedImage {
  const data = new Float32Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 37 + 11) % 256) / 255;
  if (channels === 4) for (let p = 0; p < width * height; p++) data[p * 4 + 3] = 1; // opaque
  return { width, height, channels, data };
}

/** A smooth 24×16 RGB gradient (lossy codecs keep it close). */
function gradient(): DecodedImage {
  const width = 24;
  const height = 16;
  const data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      data[p] = x / (width - 1);
      data[p + 1] = y / (height - 1);
      data[p + 2] = 0.5;
    }
  }
  return { width, height, channels: 3, data };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function errorOf(p: Promise<unknown> | (() => unknown)): Promise<ImageError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(ImageError);
    return e as ImageError;
  }
  throw new Error('expected an ImageError');
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'moe-data-io-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('encode / decode round trips', () => {
  it.each([1, 3, 4] as const)('PNG gives back every pixel exactly (%i channels)', async (channels) => {
    const img = byteImage(13, 7, channels);
    const png = await encodeImage(img, 'png');
    expect(sniffImageFormat(png)).toBe('png');
    expect(peekImageSize(png)).toEqual({ width: 13, height: 7 });
    const back = await decodeImage(png, { channels });
    expect([back.width, back.height, back.channels]).toEqual([13, 7, channels]);
    expect(Array.from(back.data)).toEqual(Array.from(img.data));
  });

  it.each([
    ['webp', { quality: 95 }, 0.1],
    ['webp', { lossless: true }, 0.5 / 255], // only the rounding to bytes
    ['jpeg', { quality: 95 }, 0.08],
  ] as const)('%s %j stays within %f', async (format, options, tolerance) => {
    const img = gradient();
    const bytes = await encodeImage(img, format, options);
    expect(sniffImageFormat(bytes)).toBe(format);
    expect(peekImageSize(bytes)).toEqual({ width: 24, height: 16 });
    const back = await decodeImage(bytes);
    expect([back.width, back.height, back.channels]).toEqual([24, 16, 3]);
    expect(maxAbsDiff(back.data, img.data)).toBeLessThanOrEqual(tolerance + 1e-6);
  });

  it('the synchronous forms run the same pipeline', async () => {
    const img = gradient();
    for (const format of ['png', 'jpeg', 'webp'] as const) {
      const bytes = encodeImageSync(img, format);
      expect(Buffer.compare(bytes, await encodeImage(img, format))).toBe(0);
      const options = { width: 12, channels: 1 as const, normalise: 'symmetric' as const };
      expect(Array.from(decodeImageSync(bytes, options).data)).toEqual(
        Array.from((await decodeImage(bytes, options)).data),
      );
    }
  });

  it('resizes, converts channels and normalises', async () => {
    const png = await encodeImage(gradient(), 'png');
    const small = await decodeImage(png, { width: 12, height: 8, channels: 1 });
    expect([small.width, small.height, small.channels, small.data.length]).toEqual([12, 8, 1, 96]);
    expect(small.data[95]).toBeGreaterThan(small.data[0]);
    const wide = await decodeImage(png, { width: 48 }); // aspect ratio kept
    expect([wide.width, wide.height]).toEqual([48, 32]);
    const raw = await decodeImage(png, { normalise: 'none' });
    expect(raw.data[2]).toBe(Math.round(0.5 * 255));
    const sym = await decodeImage(png, { normalise: 'symmetric' });
    expect(sym.data[2]).toBeCloseTo(raw.data[2] / 127.5 - 1, 6);
    const std = await decodeImage(png, { normalise: { mean: [0.5, 0.5, 0.5], std: 0.25 } });
    expect(std.data[2]).toBeCloseTo((raw.data[2] / 255 - 0.5) / 0.25, 5);
    const rgba = await decodeImage(png, { channels: 4 });
    expect(rgba.data[3]).toBe(1);
  });

  it('rejects bad options naming the option', async () => {
    const png = await encodeImage(gradient(), 'png');
    await expect(decodeImage(png, { width: 0 })).rejects.toThrow(/option width must be an integer/);
    await expect(decodeImage(png, { channels: 2 as 1 })).rejects.toThrow(/option channels must be 1, 3 or 4/);
    await expect(decodeImage(png, { normalise: { mean: [0, 0], std: 1 } })).rejects.toThrow(
      /normalise\.mean needs 3 finite values/,
    );
  });
});

describe('EXIF orientation', () => {
  it('is applied: orientation 6 turns a landscape JPEG into the upright portrait', async () => {
    // 32×16: red left half, blue right half.
    const w = 32;
    const h = 16;
    const rgb = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) rgb[(y * w + x) * 3 + (x < w / 2 ? 0 : 2)] = 255;
    }
    const jpeg = await sharp(rgb, { raw: { width: w, height: h, channels: 3 } })
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect((await sharp(jpeg).metadata()).orientation).toBe(6);
    expect(peekImageSize(jpeg)).toEqual({ width: 32, height: 16 }); // as stored
    for (const img of [await decodeImage(jpeg), decodeImageSync(jpeg)]) {
      // Orientation 6 = rotate 90° clockwise for display: the left (red) half ends on top.
      expect([img.width, img.height]).toEqual([16, 32]);
      const at = (x: number, y: number) =>
        Array.from(img.data.subarray((y * 16 + x) * 3, (y * 16 + x) * 3 + 3));
      const [r1, , b1] = at(8, 4);
      const [r2, , b2] = at(8, 27);
      expect(r1).toBeGreaterThan(0.8);
      expect(b1).toBeLessThan(0.2);
      expect(r2).toBeLessThan(0.2);
      expect(b2).toBeGreaterThan(0.8);
    }
  });
});

describe('errors', () => {
  it('refuses images over the pixel limit before decoding, naming the file', async () => {
    expect(DEFAULT_MAX_PIXELS).toBe(40_000_000);
    const file = path.join(dir, 'big.png');
    writeFileSync(file, await encodeImage(byteImage(100, 60, 3), 'png'));
    const err = await errorOf(readImage(file, { maxPixels: 5000 }));
    expect(err.code).toBe('TOO_LARGE');
    expect(err.source).toBe(file);
    expect(err.message).toBe(`${file}: 100x60 = 6000 pixels exceeds the limit of 5000`);
    // A header claiming 10000 x 5000 (over the default limit) is refused without decoding pixels.
    const header = Buffer.from(await encodeImage(byteImage(2, 2, 3), 'png'));
    header.writeUInt32BE(10000, 16);
    header.writeUInt32BE(5000, 20);
    const huge = await errorOf(decodeImage(header, { source: 'huge.png' }));
    expect(huge.code).toBe('TOO_LARGE');
    expect(huge.message).toMatch(/^huge\.png: 10000x5000 = 50000000 pixels exceeds the limit of 40000000$/);
    const sync = await errorOf(() => decodeImageSync(header, { source: 'huge.png' }));
    expect(sync.code).toBe('TOO_LARGE');
  });

  it('reports corrupt and unsupported data as ImageError naming the file', async () => {
    const png = await encodeImage(gradient(), 'png');
    const file = path.join(dir, 'half.png');
    writeFileSync(file, png.subarray(0, Math.floor(png.length / 2)));
    const half = await errorOf(readImage(file));
    expect(half.code).toBe('CORRUPT');
    expect(half.message).toMatch(
      new RegExp(`^${file.replace(/[.\\]/g, '\\$&')}: cannot (read|decode) the PNG`),
    );
    const jpeg = await encodeImage(gradient(), 'jpeg');
    const cut = await errorOf(() => decodeImageSync(jpeg.subarray(0, 40), { source: 'cut.jpg' }));
    expect(cut.code).toBe('CORRUPT');
    expect(cut.message).toMatch(/^cut\.jpg: /);
    const gif = Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1');
    const unsupported = await errorOf(decodeImage(gif, { source: 'cat.gif' }));
    expect(unsupported.code).toBe('UNSUPPORTED');
    expect(unsupported.message).toBe('cat.gif: GIF is not supported; expected PNG, JPEG or WebP');
    const missing = await errorOf(readImage(path.join(dir, 'missing.png')));
    expect(missing.code).toBe('IO');
    expect(missing.message).toMatch(/missing\.png: cannot read/);
    expect((await errorOf(decodeImage(png, { channels: 2 as 1 }))).code).toBe('INVALID');
  });
});

describe('files', () => {
  it.each([
    ['g.png', 'png'],
    ['g.JPG', 'jpeg'],
    ['g.jpeg', 'jpeg'],
    ['g.webp', 'webp'],
  ] as const)('writes %s as %s by its extension', async (name, format: ImageFormat) => {
    const file = path.join(dir, name);
    expect(imageFormatFromPath(file)).toBe(format);
    await writeImage(file, gradient(), { quality: 95 });
    const back = await readImage(file);
    expect([back.width, back.height]).toEqual([24, 16]);
    expect(maxAbsDiff(back.data, gradient().data)).toBeLessThan(0.1);
  });

  it('writes atomically: a failed write is an IO error naming the file and leaves nothing behind', async () => {
    const into = fs.mkdtempSync(path.join(dir, 'atomic-'));
    // The output name is taken by a folder: the final rename fails after the bytes were written.
    fs.mkdirSync(path.join(into, 'out.png'));
    const taken = await errorOf(writeImage(path.join(into, 'out.png'), gradient()));
    expect([taken.code, taken.message]).toEqual(['IO', expect.stringMatching(/out\.png: cannot write/)]);
    const missing = await errorOf(writeImage(path.join(into, 'no-such-dir', 'out.png'), gradient()));
    expect([missing.code, missing.message]).toEqual([
      'IO',
      expect.stringMatching(/no-such-dir.out\.png: cannot write/),
    ]);
    expect(fs.readdirSync(into)).toEqual(['out.png']); // no temporary file left
    // A good write replaces an older image whole.
    await writeImage(path.join(into, 'ok.png'), gradient());
    await writeImage(path.join(into, 'ok.png'), { ...gradient(), data: gradient().data.map((v) => 1 - v) });
    expect((await readImage(path.join(into, 'ok.png'))).data[0]).toBeCloseTo(1 - gradient().data[0], 1);
    expect(fs.readdirSync(into).sort()).toEqual(['ok.png', 'out.png']);
  });

  it('refuses other extensions, naming the file', async () => {
    const err = await errorOf(writeImage(path.join(dir, 'x.bmp'), gradient()));
    expect(err.code).toBe('UNSUPPORTED');
    expect(err.message).toMatch(/x\.bmp: cannot write "\.bmp" files/);
  });
});
