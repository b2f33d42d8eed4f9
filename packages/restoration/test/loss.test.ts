import { initBackend, tf } from '@moe-zoo/core';
import { restorationLoss, RestorationLossSchema } from '../src';

beforeAll(async () => {
  await initBackend();
});

describe('restorationLoss', () => {
  it('is the mean squared or absolute pixel error', () => {
    const pred = tf.tensor4d([0.5, 0.2, 1, 0], [1, 2, 2, 1]);
    const target = tf.tensor4d([0.1, 0.2, 0.5, 0.3], [1, 2, 2, 1]);
    // errors 0.4, 0, 0.5, -0.3
    expect(restorationLoss('mse', pred, target).dataSync()[0]).toBeCloseTo((0.16 + 0.25 + 0.09) / 4, 6);
    expect(restorationLoss('l1', pred, target).dataSync()[0]).toBeCloseTo((0.4 + 0.5 + 0.3) / 4, 6);
    tf.dispose([pred, target]);
  });

  it('psnr is the negative mean per-patch PSNR, each patch floored at 1e-5 MSE', () => {
    // patch 0: errors 0.4, 0 -> MSE 0.08; patch 1: exact -> MSE 0, floored at 1e-5 (50 dB)
    const pred = tf.tensor4d([0.5, 0.2, 0.7, 0.7], [2, 1, 2, 1]);
    const target = tf.tensor4d([0.1, 0.2, 0.7, 0.7], [2, 1, 2, 1]);
    const db = (mse: number) => 10 * Math.log10(mse);
    const expected = (db(0.08 + 1e-5) + db(1e-5)) / 2;
    expect(restorationLoss('psnr', pred, target).dataSync()[0]).toBeCloseTo(expected, 4);
    tf.dispose([pred, target]);
  });

  it('psnr counts a small error as much as a large one in decibels (batch MSE does not)', () => {
    const target = tf.zeros([2, 1, 1, 1]);
    const before = tf.tensor4d([0.4, 0.04], [2, 1, 1, 1]);
    const after = tf.tensor4d([0.2, 0.02], [2, 1, 1, 1]);
    const smallFixed = tf.tensor4d([0.4, 0.02], [2, 1, 1, 1]);
    const gain = (kind: 'mse' | 'psnr', to: tf.Tensor) =>
      restorationLoss(kind, before, target).dataSync()[0] - restorationLoss(kind, to, target).dataSync()[0];
    const db = (mse: number) => 10 * Math.log10(mse + 1e-5);
    // halving both errors; halving only the small one
    expect(gain('psnr', after)).toBeCloseTo((db(0.16) - db(0.04) + db(0.0016) - db(0.0004)) / 2, 4);
    expect(gain('psnr', smallFixed) / gain('psnr', after)).toBeGreaterThan(0.45);
    expect(gain('mse', smallFixed) / gain('mse', after)).toBeLessThan(0.01);
    tf.dispose([target, before, after, smallFixed]);
  });

  it('names the bad choice', () => {
    expect(() => RestorationLossSchema.parse('charbonnier')).toThrow(/mse.*l1.*psnr/);
  });
});
