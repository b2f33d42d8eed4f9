import { initBackend, tf } from '@moe-zoo/core';
import { gaussianKernel1d, psnr, ssim, SSIM_C1, SSIM_C2 } from '../src';

beforeAll(async () => {
  await initBackend();
});

/** Independent brute-force SSIM (valid windows, one channel at a time) for cross-checking. */
function ssimReference(a: Float32Array, b: Float32Array, h: number, w: number, c: number): number {
  const g = gaussianKernel1d(11, 1.5);
  let total = 0;
  let count = 0;
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y + 11 <= h; y++) {
      for (let x = 0; x + 11 <= w; x++) {
        let ma = 0;
        let mb = 0;
        let saa = 0;
        let sbb = 0;
        let sab = 0;
        for (let i = 0; i < 11; i++) {
          for (let j = 0; j < 11; j++) {
            const k = g[i] * g[j];
            const va = a[((y + i) * w + x + j) * c + ch];
            const vb = b[((y + i) * w + x + j) * c + ch];
            ma += k * va;
            mb += k * vb;
            saa += k * va * va;
            sbb += k * vb * vb;
            sab += k * va * vb;
          }
        }
        const va = saa - ma * ma;
        const vb = sbb - mb * mb;
        const cov = sab - ma * mb;
        total +=
          ((2 * ma * mb + SSIM_C1) * (2 * cov + SSIM_C2)) /
          ((ma * ma + mb * mb + SSIM_C1) * (va + vb + SSIM_C2));
        count++;
      }
    }
  }
  return total / count;
}

describe('psnr', () => {
  it('is 10 log10(1 / MSE) for a known error and Infinity for identical images', async () => {
    const a = tf.fill([16, 16, 3], 0.5);
    const b = tf.fill([16, 16, 3], 0.6); // MSE = 0.01 -> 20 dB
    expect((await psnr(a, b))[0]).toBeCloseTo(20, 4);
    expect((await psnr(a, a))[0]).toBe(Infinity);
    expect(await psnr(tf.stack([a, a]), tf.stack([b, a]))).toEqual([expect.closeTo(20, 4), Infinity]);
    await expect(psnr(a, tf.zeros([8, 8, 3]))).rejects.toThrow(/differ/);
  });
});

describe('ssim', () => {
  it('is 1 for identical images and matches the closed form for constant images', async () => {
    const x = tf.randomUniform([24, 24, 3], 0, 1, 'float32', 1);
    expect((await ssim(x, x))[0]).toBeCloseTo(1, 5);
    const c1 = 0.2;
    const c2 = 0.7;
    const expected = (2 * c1 * c2 + SSIM_C1) / (c1 * c1 + c2 * c2 + SSIM_C1);
    expect((await ssim(tf.fill([16, 16, 1], c1), tf.fill([16, 16, 1], c2)))[0]).toBeCloseTo(expected, 3); // float32 E[x^2] - mu^2 leaves ~1e-7 of variance
  });

  it('matches a brute-force reference on random images and drops with noise', async () => {
    const a = tf.randomUniform([20, 23, 3], 0, 1, 'float32', 2);
    const noise = tf.randomNormal([20, 23, 3], 0, 0.1, 'float32', 3);
    const b = tf.clipByValue(tf.add(a, noise), 0, 1);
    const ours = (await ssim(a, b))[0];
    const ref = ssimReference(a.dataSync() as Float32Array, b.dataSync() as Float32Array, 20, 23, 3);
    expect(ours).toBeCloseTo(ref, 4);
    expect(ours).toBeLessThan(0.95);
    expect((await ssim(a, b))[0]).toBeCloseTo((await ssim(b, a))[0], 6);
    await expect(ssim(tf.zeros([8, 8, 3]), tf.zeros([8, 8, 3]))).rejects.toThrow(/window/);
  });
});
