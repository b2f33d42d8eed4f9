import { initBackend, tf } from '../src';
import {
  cvSquared,
  gshardAuxLoss,
  importanceLoadLoss,
  maxViolation,
  meanEntropy,
  sequenceAuxLoss,
  switchAuxLoss,
  zLoss,
} from '../src/moe';

beforeAll(async () => {
  await initBackend();
});

const value = (t: tf.Tensor) => t.dataSync()[0];

describe('balancing losses against hand-computed values', () => {
  const probs = tf.tensor2d([
    [0.7, 0.3],
    [0.4, 0.6],
  ]);

  it('switch aux: E · Σ f_i P_i', () => {
    // f = [1, 0], P = [0.55, 0.45] -> 2 · 0.55 = 1.1
    expect(value(switchAuxLoss(probs, tf.tensor1d([2, 0])))).toBeCloseTo(1.1, 6);
    // balanced counts: f = [0.5, 0.5] -> 2 · 0.5 = 1
    expect(value(switchAuxLoss(probs, tf.tensor1d([1, 1])))).toBeCloseTo(1.0, 6);
  });

  it('GShard aux: E² · mean(me · ce)', () => {
    // me = [0.55, 0.45], ce = [0.5, 0.5] -> 4 · mean([0.275, 0.225]) = 1
    expect(value(gshardAuxLoss(probs, tf.tensor1d([0, 1], 'int32')))).toBeCloseTo(1.0, 6);
    // ce = [1, 0] -> 4 · mean([0.55, 0]) = 1.1
    expect(value(gshardAuxLoss(probs, tf.tensor1d([0, 0], 'int32')))).toBeCloseTo(1.1, 6);
  });

  it('z-loss: mean logsumexp²', () => {
    const logits = tf.tensor2d([
      [0, 0],
      [Math.log(3), 0],
    ]);
    const expected = (Math.log(2) ** 2 + Math.log(4) ** 2) / 2;
    expect(value(zLoss(logits))).toBeCloseTo(expected, 5);
  });

  it('CV² and importance + load', () => {
    expect(value(cvSquared(tf.tensor1d([1, 2, 3])))).toBeCloseTo(1 / 6, 6);
    expect(value(cvSquared(tf.tensor1d([4, 4, 4])))).toBeCloseTo(0, 8);
    const gates = tf.tensor2d([
      [0.5, 0.5],
      [1, 0],
    ]);
    // importance [1.5, 0.5]: 0.25/1 ; load [2, 0]: 1/1
    expect(value(importanceLoadLoss(gates, tf.tensor1d([2, 0])))).toBeCloseTo(1.25, 6);
  });

  it('sequence-level aux averages the per-sequence Switch loss', () => {
    const p = tf.tensor2d([
      [0.9, 0.1],
      [0.8, 0.2],
      [0.3, 0.7],
      [0.4, 0.6],
    ]);
    const idx = tf.tensor2d([[0], [0], [1], [0]], [4, 1], 'int32');
    // seq 1: f [1,0], P [.85,.15] -> 1.7; seq 2: f [.5,.5], P [.35,.65] -> 1.0; mean 1.35
    expect(value(sequenceAuxLoss(p, idx, 2))).toBeCloseTo(1.35, 6);
    expect(() => sequenceAuxLoss(p, idx, 3)).toThrow(/seqLen 3/);
  });

  it('MaxVio and entropy', () => {
    expect(maxViolation([10, 10, 10, 10])).toBe(0);
    expect(maxViolation([30, 10, 0, 0])).toBeCloseTo(2, 10); // mean 10, max 30
    expect(meanEntropy([0.5, 0.5, 1, 0], 2)).toBeCloseTo(Math.log(2) / 2, 10);
  });
});
