import { groupInformation, labelPermutationTest, meanPairwiseTv, usageByGroup } from '../src';

describe('expert specialisation statistics', () => {
  it('usageByGroup pools per-input usage by label and normalises each group', () => {
    // Inputs 0 and 2 are group "a", input 1 group "b"; E = 2.
    const dists = usageByGroup([3, 1, 0, 2, 1, 3], 2, ['a', 'b', 'a']);
    expect(dists.get('a')).toEqual([0.5, 0.5]);
    expect(dists.get('b')).toEqual([0, 1]);
    expect(() => usageByGroup([1, 2, 3], 2, ['a', 'b'])).toThrow(/3 usage values for 2 inputs x 2 experts/);
  });

  it('meanPairwiseTv averages half the L1 distance over pairs', () => {
    // Pairs: (p, q) 0.5, (p, r) 1, (q, r) 0.5 -> 2 / 3.
    expect(
      meanPairwiseTv([
        [1, 0],
        [0.5, 0.5],
        [0, 1],
      ]),
    ).toBeCloseTo(2 / 3, 12);
  });

  it('groupInformation is 0 for identical usage, 1 for disjoint experts, and I/log2(G) between', () => {
    expect(
      groupInformation([
        [0.5, 0.5],
        [0.5, 0.5],
      ]),
    ).toBe(0);
    expect(
      groupInformation([
        [1, 0, 0, 0],
        [0, 1, 0, 0],
        [0, 0, 1, 0],
        [0, 0, 0, 1],
      ]),
    ).toBeCloseTo(1, 12);
    // Two equally likely groups, usage [0.75, 0.25] and [0.25, 0.75]: marginal [0.5, 0.5],
    // I = 0.75 log2 1.5 + 0.25 log2 0.5 = 0.18872..., log2(2) = 1.
    const i = 0.75 * Math.log2(1.5) + 0.25 * Math.log2(0.5);
    expect(
      groupInformation([
        [0.75, 0.25],
        [0.25, 0.75],
      ]),
    ).toBeCloseTo(i, 12);
  });

  it('labelPermutationTest: strong dependence gets the smallest p, none a large one; deterministic per seed', () => {
    const n = 40;
    const labels = Array.from({ length: n }, (_, i) => i % 2);
    const usageOf = (dependent: boolean) =>
      labels.flatMap((l, i) => (dependent ? (l ? [0, 1] : [1, 0]) : i % 4 < 2 ? [1, 0] : [0, 1]));
    const stat = (usage: number[]) => (g: ArrayLike<number>) =>
      groupInformation([...usageByGroup(usage, 2, g).values()]);
    const strong = labelPermutationTest(labels, stat(usageOf(true)), 50, 1);
    expect(strong.observed).toBeCloseTo(1, 12);
    expect(strong.pValue).toBeCloseTo(1 / 51, 12);
    expect(strong.nullMax).toBeLessThan(strong.observed);
    const none = labelPermutationTest(labels, stat(usageOf(false)), 50, 1);
    expect(none.observed).toBeCloseTo(0, 12);
    expect(none.pValue).toBe(1);
    expect(labelPermutationTest(labels, stat(usageOf(true)), 50, 1)).toEqual(strong);
    expect(labelPermutationTest(labels, stat(usageOf(false)), 50, 2).nullMean).not.toBe(none.nullMean);
  });
});
