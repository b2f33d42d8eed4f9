import { moduleStoredBytes, TokenClassifier } from '@moe-zoo/core';
import { denseWidthFor } from '../../src/suites/compression/dense-reference';

const small = (hidden: number) =>
  new TokenClassifier({
    inputDim: 6,
    tokens: 4,
    dim: 8,
    heads: 2,
    depth: 2,
    numClasses: 3,
    ffn: { kind: 'dense', hidden },
  });

function storedAt(hidden: number): number {
  const model = small(hidden);
  try {
    return moduleStoredBytes(model);
  } finally {
    model.dispose();
  }
}

describe('the dense reference width', () => {
  const task = { name: 'tiny', denseModel: small };

  it('is the widest dense FFN whose model stores at most the target bytes', () => {
    expect(denseWidthFor(task, storedAt(10))).toBe(10);
    expect(denseWidthFor(task, storedAt(10) + 1)).toBe(10);
    expect(denseWidthFor(task, storedAt(10) - 1)).toBe(9);
    expect(denseWidthFor(task, storedAt(37) + 3)).toBe(37);
  });

  it('names the task when not even width 1 fits', () => {
    expect(() => denseWidthFor(task, storedAt(1) - 1)).toThrow(/tiny: no dense model fits/);
  });
});
