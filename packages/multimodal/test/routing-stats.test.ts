import { FfnExperts, initBackend, tf } from '@moe-zoo/core';
import {
  armGroups,
  expertOutputCosine,
  GroupRoutedMoE,
  ModalityRoutingStats,
  shareOn,
  TOKEN_KIND,
} from '../src';

const { image: I, text: T, pad: P } = TOKEN_KIND;

beforeAll(async () => {
  await initBackend();
});

describe('ModalityRoutingStats', () => {
  it('splits usage and normalised entropy by modality and leaves padding out', () => {
    const stats = new ModalityRoutingStats(4);
    // Image rows: uniform over 2 choices (H = log 2 -> 1), then one-hot (0); text: uniform over 4 (1);
    // the pad row is one-hot and would pull the text entropy down if it counted.
    stats.add(
      {
        probs: [0.5, 0.5, 0, 0, 1, 0, 0, 0, 0.25, 0.25, 0.25, 0.25, 1, 0, 0, 0],
        indices: [0, 1, 1, 0, 2, 3, 0, 1],
        choices: { image: 2, text: 4 },
      },
      [I, I, T, P],
    );
    let r = stats.result();
    expect(r.entropy.image).toBeCloseTo(0.5, 12);
    expect(r.entropy.text).toBeCloseTo(1, 12);
    expect(r.usage.image).toEqual([0.5, 0.5, 0, 0]);
    expect(r.usage.text).toEqual([0, 0, 0.5, 0.5]);
    expect(shareOn(r.usage.image, [1, 2])).toBeCloseTo(0.5, 12);
    expect(shareOn(r.usage.text, [1, 2])).toBeCloseTo(0.5, 12);

    // A second layer: one image token with p = (0.7, 0.2, 0.1) over 3 choices, routed to 1 and 2.
    const h = -(0.7 * Math.log(0.7) + 0.2 * Math.log(0.2) + 0.1 * Math.log(0.1)) / Math.log(3);
    stats.add({ probs: [0.7, 0.2, 0.1, 0], indices: [1, 2], choices: { image: 3, text: 3 } }, [I]);
    r = stats.result();
    // Token-weighted: (0.5 · 2 + h · 1) / 3 image tokens.
    expect(r.entropy.image).toBeCloseTo((1 + h) / 3, 12);
    expect(r.usage.image).toEqual([2 / 6, 3 / 6, 1 / 6, 0]);
    expect(r.entropy.text).toBeCloseTo(1, 12);
  });

  it('reports NaN entropy for a modality without tokens or with a single choice', () => {
    const stats = new ModalityRoutingStats(2);
    stats.add({ probs: [1, 0], indices: [0], choices: { image: 1, text: 2 } }, [I]);
    const r = stats.result();
    expect(r.entropy.image).toBeNaN();
    expect(r.entropy.text).toBeNaN();
    expect(r.usage.text).toEqual([0, 0]);
  });
});

describe('GroupRoutedMoE.choicesFor', () => {
  it('is the size of the group routing the modality', () => {
    const make = (arm: 'vanilla' | 'modality' | 'moiie') =>
      new GroupRoutedMoE({ dim: 8, hidden: 4, numExperts: 4, topK: 2, groups: armGroups(arm) });
    const sizes = (['vanilla', 'modality', 'moiie'] as const).map((arm) => {
      const m = make(arm);
      const s = [m.choicesFor(1), m.choicesFor(0), m.choicesFor(7)];
      m.dispose();
      return s;
    });
    expect(sizes).toEqual([
      [4, 4, 0],
      [2, 2, 0],
      [3, 3, 0],
    ]);
  });
});

describe('expertOutputCosine', () => {
  it('is 1 for copies and -1/3 when one of three experts is the negated copy', async () => {
    const experts = new FfnExperts({ numExperts: 3, dim: 4, hidden: 5 });
    const p = Object.fromEntries(experts.namedParameters());
    const x = tf.randomNormal([6, 4], 0, 1, 'float32', 1) as tf.Tensor2D;
    tf.tidy(() => {
      const w1 = tf.randomNormal([4, 5], 0, 1, 'float32', 2);
      const w2 = tf.randomNormal([5, 4], 0, 1, 'float32', 3);
      p.w1.assign(tf.stack([w1, w1, w1]));
      p.b1.assign(tf.zeros(p.b1.shape));
      p.b2.assign(tf.zeros(p.b2.shape));
      p.w2.assign(tf.stack([w2, w2, w2]));
    });
    expect(await expertOutputCosine(experts, x)).toBeCloseTo(1, 5);
    // Pairs (0,1) = 1, (0,2) = (1,2) = -1.
    tf.tidy(() => {
      const [a, b] = tf.unstack(p.w2);
      p.w2.assign(tf.stack([a, b, tf.neg(b)]));
    });
    expect(await expertOutputCosine(experts, x)).toBeCloseTo(-1 / 3, 5);
    experts.dispose();
    x.dispose();
  });
});
