import { crossLayerMutualInformation } from '../../src/suites/designs/measure';

describe('cross-layer routing mutual information', () => {
  it('is the entropy when a layer copies the previous one, 0 when they are independent', () => {
    expect(
      crossLayerMutualInformation(
        [
          [0, 1, 0, 1],
          [1, 0, 1, 0],
        ],
        2,
      ),
    ).toBeCloseTo(1, 12);
    expect(
      crossLayerMutualInformation(
        [
          [0, 0, 1, 1],
          [0, 1, 0, 1],
        ],
        2,
      ),
    ).toBeCloseTo(0, 12);
    expect(
      crossLayerMutualInformation(
        [
          [0, 1, 2, 3],
          [3, 2, 1, 0],
        ],
        4,
      ),
    ).toBeCloseTo(2, 12);
  });

  it('averages the consecutive pairs; one layer has none', () => {
    const a = [0, 1, 0, 1];
    const b = [0, 0, 1, 1];
    // pairs (a, a): 1 bit; (a, b): 0 bits
    expect(crossLayerMutualInformation([a, a, b], 2)).toBeCloseTo(0.5, 12);
    expect(crossLayerMutualInformation([a], 2)).toBe(0);
  });
});
