import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initBackend } from '@moe-zoo/core';
import {
  decodeImage,
  encodeImage,
  ImageError,
  imagesToTensor,
  imageToTensor,
  readImage,
  renderSvg,
  sniffImageFormat,
  writeImage,
  type DecodedImage,
} from '../src';

/** A 12×8 RGB gradient with distinct channels. */
function gradient(): DecodedImage {
  const width = 12;
  const height = 8;
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

describe('image I/O (sharp)', () => {
  beforeAll(async () => {
    await initBackend();
  });

  it.each([
    ['png', 1 / 255 + 1e-6],
    ['webp', 1 / 255 + 1e-6],
    ['jpeg', 0.08],
  ] as const)('round-trips %s within %f', async (format, tolerance) => {
    const img = gradient();
    const bytes = await encodeImage(img, format, { quality: 95, lossless: true });
    expect(sniffImageFormat(bytes)).toBe(format);
    const back = await decodeImage(bytes);
    expect([back.width, back.height, back.channels]).toEqual([12, 8, 3]);
    expect(maxAbsDiff(back.data, img.data)).toBeLessThanOrEqual(tolerance);
  });

  it('resizes, converts channels and normalises', async () => {
    const bytes = await encodeImage(gradient(), 'png');
    const grey = await decodeImage(bytes, { width: 6, height: 4, channels: 1 });
    expect([grey.width, grey.height, grey.channels, grey.data.length]).toEqual([6, 4, 1, 24]);
    // Luminance grows along both axes of the gradient.
    expect(grey.data[23]).toBeGreaterThan(grey.data[0]);
    const sym = await decodeImage(bytes, { normalise: 'symmetric' });
    const unit = await decodeImage(bytes);
    for (let i = 0; i < sym.data.length; i += 17) expect(sym.data[i]).toBeCloseTo(unit.data[i] * 2 - 1, 4);
    const raw = await decodeImage(bytes, { normalise: 'none' });
    expect(raw.data[0 * 3 + 2]).toBe(Math.round(0.5 * 255));
    const std = await decodeImage(bytes, { normalise: { mean: [0.5, 0.5, 0.5], std: 0.25 } });
    expect(std.data[2]).toBeCloseTo((raw.data[2] / 255 - 0.5) / 0.25, 5);
    const rgba = await decodeImage(bytes, { channels: 4 });
    expect(rgba.data[3]).toBeCloseTo(1, 5);
    const wide = await decodeImage(bytes, { width: 24 }); // aspect ratio kept
    expect([wide.width, wide.height]).toEqual([24, 16]);
    const t = imageToTensor(grey);
    expect(t.shape).toEqual([4, 6, 1]);
    const batch = imagesToTensor([grey, grey]);
    expect(batch.shape).toEqual([2, 4, 6, 1]);
    t.dispose();
    batch.dispose();
    expect(() => imagesToTensor([grey, unit])).toThrow(/image 1 is 12x8x3, image 0 is 6x4x1/);
  });

  it('rejects unsupported formats, corrupt data and bad options with clear errors', async () => {
    const png = await encodeImage(gradient(), 'png');
    const gif = Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1');
    await expect(decodeImage(gif, { source: 'cat.gif' })).rejects.toThrow(
      /cat\.gif: GIF is not supported; expected PNG, JPEG or WebP/,
    );
    await expect(decodeImage(Buffer.from('hello, not an image'))).rejects.toMatchObject({
      code: 'UNSUPPORTED',
    });
    const truncated = png.subarray(0, Math.floor(png.length / 2));
    const err = await decodeImage(truncated, { source: 'half.png' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageError);
    expect((err as ImageError).code).toBe('CORRUPT');
    expect((err as ImageError).message).toMatch(/^half\.png: cannot (read|decode) the PNG/);
    const jpeg = await encodeImage(gradient(), 'jpeg');
    await expect(decodeImage(jpeg.subarray(0, 40), { source: 'cut.jpg' })).rejects.toMatchObject({
      code: 'CORRUPT',
    });
    await expect(decodeImage(png, { maxPixels: 50 })).rejects.toMatchObject({ code: 'TOO_LARGE' });
    await expect(decodeImage(png, { width: 0 })).rejects.toThrow(/option width must be an integer/);
    await expect(decodeImage(png, { channels: 2 as 1 })).rejects.toThrow(/option channels must be 1, 3 or 4/);
    await expect(decodeImage(png, { normalise: { mean: [0, 0], std: 1 } })).rejects.toThrow(
      /normalise\.mean needs 3 finite values/,
    );
  });

  it('reads and writes files, naming the file in errors', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vision-io-'));
    const file = path.join(dir, 'g.webp');
    await writeImage(file, gradient(), { lossless: true });
    const back = await readImage(file, { channels: 3 });
    expect(maxAbsDiff(back.data, gradient().data)).toBeLessThanOrEqual(1 / 255 + 1e-6);
    await expect(readImage(path.join(dir, 'missing.png'))).rejects.toThrow(/missing\.png: cannot read/);
    await expect(writeImage(path.join(dir, 'x.bmp'), gradient())).rejects.toThrow(
      /x\.bmp: cannot write "\.bmp"/,
    );
    const bad = path.join(dir, 'bad.png');
    writeFileSync(bad, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]));
    await expect(readImage(bad)).rejects.toMatchObject({ code: 'CORRUPT' });
  });

  it('rasterises SVG to greyscale in [0, 1]', async () => {
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8" fill="black"/>' +
      '<rect x="0" y="0" width="4" height="8" fill="white"/></svg>';
    const px = await renderSvg(svg, 8, 8);
    expect(px.length).toBe(64);
    expect(px[0]).toBeCloseTo(1, 2);
    expect(px[7]).toBeCloseTo(0, 2);
  });
});
