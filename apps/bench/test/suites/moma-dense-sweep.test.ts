import { denseEquivalent } from '../../src/suites/moma/dense-sweep';

describe('denseEquivalent', () => {
  const sweep = [
    { flops: 400, loss: 1 },
    { flops: 100, loss: 2 },
    { flops: 1600, loss: 0.5 },
  ];

  it('interpolates the loss linearly in log FLOPs between the widths around it', () => {
    // halfway in loss between 100 and 400 FLOPs: exp((ln 100 + ln 400) / 2) = 200
    expect(denseEquivalent(sweep, 1.5).flops).toBeCloseTo(200, 9);
    // a quarter of the way from loss 1 to 0.5: 400 * 4^0.25
    expect(denseEquivalent(sweep, 0.875).flops).toBeCloseTo(400 * Math.SQRT2, 9);
    expect(denseEquivalent(sweep, 1).flops).toBeCloseTo(400, 9);
    expect(denseEquivalent(sweep, 1.5).bound).toBe('within');
  });

  it('returns the sweep ends as bounds outside its range', () => {
    expect(denseEquivalent(sweep, 0.4)).toEqual({ flops: 1600, bound: 'below-sweep' });
    expect(denseEquivalent(sweep, 2.5)).toEqual({ flops: 100, bound: 'above-sweep' });
  });

  it('ignores a wider model that is worse than a narrower one', () => {
    const noisy = [...sweep, { flops: 800, loss: 1.2 }];
    // with the running minimum the 800-FLOP point has loss 1: the 1 -> 0.5 segment spans 400 -> 800
    expect(denseEquivalent(noisy, 0.75).flops).toBeCloseTo(Math.exp((Math.log(800) + Math.log(1600)) / 2), 9);
  });

  it('refuses an empty sweep', () => {
    expect(() => denseEquivalent([], 1)).toThrow('no dense model');
  });
});
