import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PassThrough } from 'stream';
import { initBackend } from '@moe-zoo/core';
import { ImageError as DataImageError } from '@moe-zoo/data';
import {
  createImage,
  decodeImage,
  encodeImage,
  ImageError,
  peekSize,
  readImageFile,
  RestorationNet,
  saveRestorationModel,
  sniffFormat,
  writeImageFile,
  type RgbImage,
} from '../src';
import { createRestoreCli } from '../src/cli';

beforeAll(async () => {
  await initBackend();
});

/** A smooth 40×24 RGB gradient. */
function gradient(): RgbImage {
  const img = createImage(40, 24);
  for (let y = 0; y < 24; y++) {
    for (let x = 0; x < 40; x++) img.data.set([x / 39, y / 23, 0.5], (y * 40 + x) * 3);
  }
  return img;
}

const maxDiff = (a: RgbImage, b: RgbImage) => Math.max(...a.data.map((v, i) => Math.abs(v - b.data[i])));

describe('restoration image I/O (on @moe-zoo/data)', () => {
  it('round-trips PNG, JPEG and WebP and re-exports the one ImageError', () => {
    expect(ImageError).toBe(DataImageError);
    const img = gradient();
    for (const [format, tolerance] of [
      ['png', 0.5 / 255],
      ['jpeg', 0.08],
      ['webp', 0.1],
    ] as const) {
      const bytes = encodeImage(img, format, 95);
      expect(sniffFormat(bytes)).toBe(format);
      expect(peekSize(bytes)).toEqual({ width: 40, height: 24 });
      const back = decodeImage(bytes, { source: `g.${format}` });
      expect([back.width, back.height, back.data.length]).toEqual([40, 24, 40 * 24 * 3]);
      expect(maxDiff(back, img)).toBeLessThanOrEqual(tolerance + 1e-6);
    }
  });

  it('the moe-restore CLI reads and writes WebP', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resto-webp-'));
    const net = new RestorationNet({ dim: 16, heads: 2, channels: 8, ffn: { kind: 'dense', hidden: 32 } });
    await saveRestorationModel(dir, net);
    net.dispose();
    const input = path.join(dir, 'in.webp');
    await writeImageFile(input, gradient());
    expect((await readImageFile(input)).width).toBe(40);
    const io = { stdout: new PassThrough(), stderr: new PassThrough() };
    const cli = (argv: string[]) => createRestoreCli(io).run(argv);
    try {
      expect(await cli([input, path.join(dir, 'out.webp'), '--model', dir])).toBe(0);
      const out = await readImageFile(path.join(dir, 'out.webp'));
      expect([out.width, out.height]).toEqual([40, 24]);
      expect(await cli([input, path.join(dir, 'out.webp'), '--model', dir, '--max-pixels', '100'])).toBe(1);
      expect(String(io.stderr.read())).toMatch(/in\.webp: 40x24 = 960 pixels.*\(ImageError TOO_LARGE\)/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
