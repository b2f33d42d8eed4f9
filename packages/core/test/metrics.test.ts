import {
  accuracy,
  confusionMatrix,
  initBackend,
  parameterCounts,
  perClassRecall,
  TokenClassifier,
} from '../src';

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

describe('parameterCounts', () => {
  it('counts total and active parameters of a model with MoE layers', () => {
    const common = { inputDim: 4, tokens: 3, dim: 8, heads: 2, depth: 2, numClasses: 5 };
    const moe = new TokenClassifier({
      ...common,
      ffn: { kind: 'moe', moe: { hidden: 16, numExperts: 4, topK: 1 } },
    });
    const perExpert = 2 * 8 * 16 + 16 + 8;
    const { total, active } = parameterCounts(moe);
    expect(total).toBe(moe.countParams());
    expect(total - active).toBe(2 * 3 * perExpert); // two MoE blocks, 3 of 4 experts skipped each
    const dense = new TokenClassifier({ ...common, ffn: { kind: 'dense', hidden: 16 } });
    expect(parameterCounts(dense)).toEqual({ total: dense.countParams(), active: dense.countParams() });
    // The dense twin at equal active FFN width has the same active parameters minus the routers.
    expect(active - parameterCounts(dense).active).toBe(2 * 8 * 4);
  });
});
