import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  cropImage,
  decodeImage,
  degrade,
  encodeImage,
  ImageError,
  loadPhoto,
  makePatchSet,
  peekSize,
  psnr,
  TEST_PHOTOS,
  TRAIN_PHOTOS,
  WEATHER_TYPES,
  type RgbImage,
} from '../src';
import { initBackend, tf } from '@moe-zoo/core';

beforeAll(async () => {
  await initBackend();
});

function smallPhoto(): RgbImage {
  return cropImage(loadPhoto('acanthus-mollis'), 200, 200, 48, 40);
}

const toTensor = (img: RgbImage) => tf.tensor3d(img.data, [img.height, img.width, 3]);

describe('weather synthesis', () => {
  it('is deterministic per seed, differs across seeds, stays in [0, 1] and degrades', async () => {
    const clean = smallPhoto();
    for (const type of WEATHER_TYPES) {
      const a = degrade(clean, type, 7);
      const b = degrade(clean, type, 7);
      const c = degrade(clean, type, 8);
      expect(Array.from(a.data)).toEqual(Array.from(b.data));
      expect(Array.from(a.data)).not.toEqual(Array.from(c.data));
      expect(Math.min(...a.data)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...a.data)).toBeLessThanOrEqual(1);
      const db = (await psnr(toTensor(a), toTensor(clean)))[0];
      expect(db).toBeLessThan(35);
      expect(db).toBeGreaterThan(5);
    }
  });

  it('haze brightens towards the airlight and rain/snow add bright pixels', () => {
    const dark: RgbImage = { width: 32, height: 32, data: new Float32Array(32 * 32 * 3).fill(0.1) };
    const mean = (img: RgbImage) => img.data.reduce((s, v) => s + v, 0) / img.data.length;
    expect(mean(degrade(dark, 'haze', 1))).toBeGreaterThan(0.3);
    expect(Math.max(...degrade(dark, 'rain', 1).data)).toBeGreaterThan(0.3);
    expect(Math.max(...degrade(dark, 'snow', 1).data)).toBeGreaterThan(0.5);
  });
});

describe('patch sets', () => {
  it('keeps test photos out of training, balances weather types and caches deterministically', () => {
    expect(TRAIN_PHOTOS.some((p) => (TEST_PHOTOS as readonly string[]).includes(p))).toBe(false);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resto-cache-'));
    const a = makePatchSet({ split: 'test', n: 16, seed: 3, cacheDir: dir });
    expect(fs.readdirSync(dir).length).toBe(1);
    const b = makePatchSet({ split: 'test', n: 16, seed: 3, cacheDir: dir }); // from the cache
    const c = makePatchSet({ split: 'test', n: 16, seed: 3, cacheDir: false });
    expect(Array.from(b.degraded)).toEqual(Array.from(a.degraded));
    expect(Array.from(c.clean)).toEqual(Array.from(a.clean));
    expect(Array.from(new Set(a.tasks)).sort()).toEqual([0, 1, 2, 3]);
    expect(a.clean.length).toBe(16 * 32 * 32 * 3);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('image decoding', () => {
  it('round-trips PNG and JPEG and reads sizes without decoding', async () => {
    const img = smallPhoto();
    const png = encodeImage(img, 'png');
    expect(peekSize(png)).toEqual({ width: 48, height: 40 });
    const back = decodeImage(png);
    expect(Math.max(...back.data.map((v, i) => Math.abs(v - img.data[i])))).toBeLessThan(1 / 255 + 1e-6);
    const jpg = encodeImage(img, 'jpeg', 95);
    expect(peekSize(jpg)).toEqual({ width: 48, height: 40 });
    expect((await psnr(toTensor(decodeImage(jpg)), toTensor(img)))[0]).toBeGreaterThan(28);
  });

  it('fails clearly on unsupported, corrupt and over-limit files', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof ImageError ? e.code : 'other';
      }
      return 'none';
    };
    expect(code(() => decodeImage(Buffer.from('GIF89a....')))).toBe('UNSUPPORTED');
    const png = encodeImage(smallPhoto(), 'png');
    expect(code(() => decodeImage(png.subarray(0, 60)))).toBe('CORRUPT');
    const jpg = encodeImage(smallPhoto(), 'jpeg');
    const broken = Buffer.from(jpg);
    broken.fill(0x12, 200, 600);
    expect(['CORRUPT', 'none']).toContain(code(() => decodeImage(broken))); // jpeg may decode garbage
    expect(code(() => decodeImage(jpg.subarray(0, 4)))).toBe('CORRUPT');
    expect(code(() => decodeImage(png, { maxPixels: 100 }))).toBe('TOO_LARGE');
  });
});
