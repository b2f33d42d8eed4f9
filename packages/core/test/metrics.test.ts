import { accuracy, confusionMatrix, initBackend, moduleCosts, perClassRecall, TokenClassifier } from '../src';

beforeAll(async () => {
  await initBackend();
});

describe('classification metrics', () => {
  it('accuracy and the confusion matrix against hand-computed values', () => {
    const pred = [0, 1, 1, 2, 2, 2];
    const labels = [0, 1, 0, 2, 1, 2];
    expect(accuracy(pred, labels)).toBeCloseTo(4 / 6, 12);
    const m = confusionMatrix(pred, labels, 3);
    expect(m).toEqual([
      [1, 1, 0],
      [0, 1, 1],
      [0, 0, 2],
    ]);
    expect(perClassRecall(m)).toEqual([0.5, 0.5, 1]);
    expect(() => confusionMatrix([3], [0], 3)).toThrow(/sample 0 .* prediction 3/);
    expect(() => accuracy([1, 2], [1])).toThrow(/2 predictions for 1 labels/);
  });
});

describe('moduleCosts', () => {
  it('counts total and active parameters of a model with MoE layers', () => {
    const common = { inputDim: 4, tokens: 3, dim: 8, heads: 2, depth: 2, numClasses: 5 };
    const moe = new TokenClassifier({
      ...common,
      ffn: { kind: 'moe', moe: { hidden: 16, numExperts: 4, topK: 1 } },
    });
    const perExpert = 2 * 8 * 16 + 16 + 8;
    const { total, active, flopsPerToken } = moduleCosts(moe, 3);
    expect(total).toBe(moe.countParams());
    expect(total - active).toBe(2 * 3 * perExpert); // two MoE blocks, 3 of 4 experts skipped each
    const dense = new TokenClassifier({ ...common, ffn: { kind: 'dense', hidden: 16 } });
    const denseCosts = moduleCosts(dense, 3);
    expect(denseCosts.total).toBe(dense.countParams());
    expect(denseCosts.active).toBe(dense.countParams());
    // The dense twin at equal active FFN width has the same active parameters minus the routers.
    expect(active - denseCosts.active).toBe(2 * 8 * 4);
    // Per token: embed 2·4·8; per block attention 8·d² + 4·L·d, FFN 4·d·h (+ router 2·d·E for
    // MoE); the walker also counts the head Linear 2·8·5 as if it ran on every token.
    const block = 8 * 64 + 4 * 3 * 8 + 4 * 8 * 16;
    const head = 2 * 8 * 5;
    expect(denseCosts.flopsPerToken).toBe(2 * 4 * 8 + 2 * block + head);
    expect(flopsPerToken).toBe(2 * 4 * 8 + 2 * (block + 2 * 8 * 4) + head);
    // The model-level count: L tokens through embed and blocks, the head once on the pooled token.
    expect(dense.flopsPerSample()).toBe(3 * (denseCosts.flopsPerToken - head) + head);
  });
});
