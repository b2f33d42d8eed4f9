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

  it('names the bad choice', () => {
    expect(() => RestorationLossSchema.parse('charbonnier')).toThrow(/mse.*l1|l1.*mse/);
  });
});
