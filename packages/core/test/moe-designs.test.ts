/**
 * Defining behaviours of the Skywork-MoE and EvoMoE designs: gating logit normalisation, the
 * adaptive aux coefficient, the dense-to-sparse gate's anneal and the expert diversification.
 */
import { initBackend, MoELayer, parseConfig, RouterConfigSchema, setSeed, tf } from '../src';
import {
  AdaptiveAuxCoefficient,
  adaptiveAuxStep,
  annealedTemperature,
  createRouter,
  DenseToSparseRouter,
  diversifyExperts,
  FfnExperts,
  NormalizedSoftmaxRouter,
  standardizeLogits,
  switchAuxLoss,
  TokenChoice,
} from '../src/moe';
import { trainThroughAnneal } from './helpers/anneal';

beforeAll(async () => {
  await initBackend();
});

const rows = (t: tf.Tensor): number[][] => t.arraySync() as number[][];

describe('Skywork-MoE gating logit normalisation', () => {
  it('standardised logits have mean 0 and std λ per token, whatever the logit scale', () => {
    setSeed(3);
    for (const scale of [1, 2.5]) {
      const logits = tf.mul(tf.randomNormal([6, 8]), tf.tensor2d([[0.01], [0.1], [1], [10], [100], [3]]));
      const z = rows(standardizeLogits(logits as tf.Tensor2D, scale));
      for (const row of z) {
        const mean = row.reduce((s, v) => s + v, 0) / row.length;
        const std = Math.sqrt(row.reduce((s, v) => s + (v - mean) ** 2, 0) / row.length);
        expect(mean).toBeCloseTo(0, 4);
        expect(std).toBeCloseTo(scale, 2);
      }
    }
  });

  it('a token with equal logits stays finite (uniform routing)', () => {
    const z = standardizeLogits(tf.ones([2, 4]) as tf.Tensor2D, 2);
    expect(Array.from(z.dataSync())).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('the router softmaxes the standardised logits and picks the top-k of them', () => {
    setSeed(4);
    const r = new NormalizedSoftmaxRouter({ dim: 8, numExperts: 6, k: 2, scale: 2 });
    const x = tf.randomNormal([5, 8]) as tf.Tensor2D;
    const { assignment, probs, logits } = r.route(x);
    const raw = tf.matMul(x, r.weight) as tf.Tensor2D;
    expect(Array.from(logits.dataSync())).toEqual(Array.from(raw.dataSync()));
    const expected = rows(tf.softmax(standardizeLogits(raw, 2)));
    const p = rows(probs);
    const { indices, weights } = assignment as TokenChoice;
    const idx = rows(indices);
    const w = rows(weights);
    for (let t = 0; t < 5; t++) {
      p[t].forEach((v, e) => expect(v).toBeCloseTo(expected[t][e], 5));
      const sorted = [...p[t]].sort((a, b) => b - a);
      expect(p[t][idx[t][0]]).toBeCloseTo(sorted[0], 6);
      expect(p[t][idx[t][1]]).toBeCloseTo(sorted[1], 6);
      expect(w[t][0] + w[t][1]).toBeCloseTo(1, 5);
    }
  });

  it('a larger λ gives sharper routing (lower entropy) from the same weights', () => {
    setSeed(5);
    const x = tf.randomNormal([32, 8]) as tf.Tensor2D;
    const entropy = (scale: number): number => {
      setSeed(6);
      const r = new NormalizedSoftmaxRouter({ dim: 8, numExperts: 8, k: 2, scale });
      const p = r.route(x).probs;
      return -tf.mean(tf.sum(tf.mul(p, tf.log(tf.add(p, 1e-12))), -1)).dataSync()[0];
    };
    expect(entropy(3)).toBeLessThan(entropy(1));
    expect(entropy(1)).toBeLessThan(Math.log(8));
  });

  it('standardisation gradients match central finite differences', () => {
    setSeed(7);
    const v = tf.variable(tf.randomNormal([4, 6]));
    const r = tf.randomNormal([4, 6]);
    const loss = (): tf.Scalar => tf.sum(tf.mul(tf.softmax(standardizeLogits(v as tf.Tensor2D, 1.5)), r));
    const { grads, value } = tf.variableGrads(loss, [v]);
    value.dispose();
    const analytic = grads[v.name].dataSync();
    const base = Float32Array.from(v.dataSync());
    const eps = 1e-2;
    const at = (i: number, delta: number): number => {
      const shifted = base.slice();
      shifted[i] += delta;
      v.assign(tf.tensor(shifted, v.shape));
      return tf.tidy(() => loss().dataSync()[0]);
    };
    for (let i = 0; i < base.length; i++) {
      const numeric = (at(i, eps) - at(i, -eps)) / (2 * eps);
      const tol = 3e-2 * Math.max(Math.abs(numeric), Math.abs(analytic[i])) + 3e-3;
      expect(Math.abs(numeric - analytic[i])).toBeLessThanOrEqual(tol);
    }
    // The logits' per-token mean and scale carry no gradient: the rows of the gradient sum to 0.
    const g = rows(grads[v.name]);
    for (const row of g) expect(row.reduce((s, x) => s + x, 0)).toBeCloseTo(0, 4);
    v.dispose();
  });

  it('is a router config variant (strict, bounded) that createRouter builds', () => {
    const c = parseConfig(RouterConfigSchema, { type: 'normalized-softmax', scale: 2 }, 'router');
    expect(createRouter(c, 8, 4, 2)).toBeInstanceOf(NormalizedSoftmaxRouter);
    expect(() => parseConfig(RouterConfigSchema, { type: 'normalized-softmax', scael: 2 }, 'r')).toThrow(
      /scael/,
    );
    expect(() => parseConfig(RouterConfigSchema, { type: 'normalized-softmax', scale: 0 }, 'r')).toThrow();
  });
});

describe('Skywork-MoE adaptive aux coefficient', () => {
  const rule = { sensitivity: 0.1, smoothing: 0.9 };

  it('the rule against hand-computed values: up with drops, down when balanced', () => {
    // 0.9·0.01 + 0.1·0.1·0.3 = 0.012; then balanced: 0.9·0.012 = 0.0108
    expect(adaptiveAuxStep(0.01, 0.3, rule)).toBeCloseTo(0.012, 12);
    expect(adaptiveAuxStep(0.012, 0, rule)).toBeCloseTo(0.0108, 12);
    // a drop rate of 10% is the fixed point 0.01
    expect(adaptiveAuxStep(0.01, 0.1, rule)).toBeCloseTo(0.01, 12);
  });

  it('the module applies the rule on the device from the recorded drops of a step', () => {
    const c = new AdaptiveAuxCoefficient({ initial: 0.01, ...rule });
    c.record(tf.scalar(20), 60);
    c.record(tf.scalar(10), 40); // 30 of 100 pairs dropped over the step's calls
    c.afterStep();
    expect(c.value.dataSync()[0]).toBeCloseTo(0.012, 6);
    c.record(tf.scalar(0), 100);
    c.afterStep();
    expect(c.value.dataSync()[0]).toBeCloseTo(0.0108, 6);
    c.afterStep(); // nothing recorded: unchanged
    expect(c.value.dataSync()[0]).toBeCloseTo(0.0108, 6);
    c.dispose();
  });

  it('an MoE layer scales its Switch loss by α and moves α with its own drop rate', () => {
    setSeed(8);
    const layer = new MoELayer({
      dim: 8,
      hidden: 16,
      numExperts: 4,
      topK: 2,
      dispatch: 'capacity',
      capacityFactor: 0.5,
      losses: { aux: 0.02, adaptiveAux: rule },
    });
    expect(Object.keys(layer.stateDict())).toContain('adaptiveAux.value');
    const x = tf.randomNormal([16, 8]);
    const { aux } = layer.forward(x);
    const alpha0 = layer.adaptiveAux?.value.dataSync()[0] as number;
    expect(alpha0).toBeCloseTo(0.02, 7);
    const plain = switchAuxLoss(aux.probs, aux.counts).dataSync()[0];
    expect(aux.losses.aux.dataSync()[0]).toBeCloseTo(alpha0 * plain, 6);
    const dropRate = aux.dropped.dataSync()[0] / (16 * 2);
    expect(dropRate).toBeGreaterThan(0); // capacity 0.5 must drop
    layer.afterStep();
    expect(layer.adaptiveAux?.value.dataSync()[0]).toBeCloseTo(adaptiveAuxStep(0.02, dropRate, rule), 6);
    // evaluation records nothing
    layer.eval();
    layer.forward(x);
    layer.afterStep();
    expect(layer.adaptiveAux?.value.dataSync()[0]).toBeCloseTo(adaptiveAuxStep(0.02, dropRate, rule), 6);
    layer.dispose();
  });
});

describe('EvoMoE dense-to-sparse gate', () => {
  it('anneals the temperature exponentially from start to end', () => {
    expect(annealedTemperature(0, 2, 0.3, 100)).toBeCloseTo(2, 12);
    expect(annealedTemperature(50, 2, 0.3, 100)).toBeCloseTo(Math.sqrt(2 * 0.3), 12);
    expect(annealedTemperature(100, 2, 0.3, 100)).toBeCloseTo(0.3, 12);
    expect(annealedTemperature(1000, 2, 0.3, 100)).toBeCloseTo(0.3, 12);
    expect(annealedTemperature(0, 2, 0.3, 0)).toBeCloseTo(0.3, 12);
  });

  it('hot: near-uniform weights over every expert; annealed: top-k', () => {
    setSeed(9);
    const r = new DenseToSparseRouter({
      dim: 8,
      numExperts: 6,
      k: 2,
      temperatureStart: 100,
      temperatureEnd: 0.3,
      annealSteps: 4,
    });
    const x = tf.randomNormal([5, 8], 0, 1, 'float32', 9) as tf.Tensor2D;
    r.eval(); // Gumbel noise would move weights by ~1/τ of a Gumbel draw: check the gate itself
    const hot = r.route(x).assignment as TokenChoice;
    r.train();
    expect(hot.indices.shape).toEqual([5, 6]);
    expect(r.expertsPerToken()).toBe(6);
    for (const row of rows(hot.weights)) for (const w of row) expect(w).toBeCloseTo(1 / 6, 2);
    const temps: number[] = [];
    for (let s = 0; s < 4; s++) {
      temps.push(r.temperature);
      r.afterStep();
    }
    expect(temps).toEqual([...temps].sort((a, b) => b - a));
    expect(r.temperature).toBeCloseTo(0.3, 6);
    expect(r.sparse).toBe(true);
    expect(r.step.dataSync()[0]).toBe(4);
    r.eval(); // no Gumbel noise: deterministic top-k of softmax(x W / τ_end)
    const cold = r.route(x);
    const { indices, weights } = cold.assignment as TokenChoice;
    expect(indices.shape).toEqual([5, 2]);
    expect(r.expertsPerToken()).toBe(2);
    const expected = rows(tf.softmax(tf.div(tf.matMul(x, r.weight), 0.3)));
    const idx = rows(indices);
    const w = rows(weights);
    for (let t = 0; t < 5; t++) {
      const order = expected[t].map((v, e) => [v, e]).sort((a, b) => b[0] - a[0]);
      expect(idx[t]).toEqual([order[0][1], order[1][1]]);
      expect(w[t][0]).toBeCloseTo(order[0][0] / (order[0][0] + order[1][0]), 4);
    }
  });

  it('while dense, experts below the threshold get no weight; Gumbel noise only in training', () => {
    setSeed(10);
    const r = new DenseToSparseRouter({
      dim: 8,
      numExperts: 4,
      k: 1,
      temperatureStart: 0.05,
      temperatureEnd: 0.05,
      annealSteps: 10,
      threshold: 0.2,
    });
    const x = tf.mul(tf.randomNormal([6, 8]), 3) as tf.Tensor2D;
    r.eval();
    const a = r.route(x);
    const p = rows(a.probs);
    const w = rows((a.assignment as TokenChoice).weights);
    for (let t = 0; t < 6; t++) {
      const keptSum = p[t].filter((v) => v >= 0.2).reduce((s, v) => s + v, 0);
      p[t].forEach((v, e) => expect(w[t][e]).toBeCloseTo(v >= 0.2 ? v / keptSum : 0, 4));
    }
    expect(Array.from(r.route(x).probs.dataSync())).toEqual(Array.from(a.probs.dataSync()));
    r.train();
    expect(Array.from(r.route(x).probs.dataSync())).not.toEqual(Array.from(a.probs.dataSync()));
  });

  it('the trainer anneals the gate of a layer (afterStep) and trains through the dense phase', async () => {
    setSeed(13);
    const { layer, router, seen, losses } = await trainThroughAnneal({
      losses: { aux: 0.01, adaptiveAux: { sensitivity: 0.1, smoothing: 0.5 } },
    });
    expect(seen).toEqual([4, 4, 4, 1]);
    expect(router.step.dataSync()[0]).toBe(4);
    expect(losses.every(Number.isFinite)).toBe(true);
    // sorted dispatch drops nothing: α decays from 0.01 by half every step
    expect(layer.adaptiveAux?.value.dataSync()[0]).toBeCloseTo(0.01 / 16, 7);
    layer.dispose();
  });

  it('the anneal position survives a state-dict round trip', () => {
    setSeed(11);
    const r = new DenseToSparseRouter({ dim: 4, numExperts: 4, k: 1, annealSteps: 3 });
    for (let s = 0; s < 3; s++) r.afterStep();
    const copy = new DenseToSparseRouter({ dim: 4, numExperts: 4, k: 1, annealSteps: 3 });
    copy.loadStateDict(r.stateDict());
    expect(copy.sparse).toBe(true);
    const c = parseConfig(RouterConfigSchema, { type: 'dense-to-sparse', annealSteps: 3 }, 'router');
    expect(createRouter(c, 4, 4, 1)).toBeInstanceOf(DenseToSparseRouter);
    expect(() => parseConfig(RouterConfigSchema, { type: 'dense-to-sparse' }, 'router')).toThrow(
      /annealSteps/,
    );
  });

  it('expert diversification: masked, rescaled, different copies of one shared expert', () => {
    setSeed(12);
    const bank = new FfnExperts({ numExperts: 4, dim: 6, hidden: 10 });
    const shared = {
      w1: tf.randomNormal([6, 10]),
      b1: tf.randomNormal([10]),
      w2: tf.randomNormal([10, 6]),
      b2: tf.randomNormal([6]),
    };
    diversifyExperts(bank, shared, 0.5);
    const w1 = bank.w1.arraySync() as number[][][];
    const src = shared.w1.arraySync() as number[][];
    let zeros = 0;
    for (let e = 0; e < 4; e++) {
      for (let i = 0; i < 6; i++) {
        for (let j = 0; j < 10; j++) {
          const v = w1[e][i][j];
          if (v === 0) zeros++;
          else expect(v).toBeCloseTo(2 * src[i][j], 5);
        }
      }
    }
    expect(zeros / (4 * 60)).toBeGreaterThan(0.35);
    expect(zeros / (4 * 60)).toBeLessThan(0.65);
    expect(w1[0]).not.toEqual(w1[1]);
    expect(bank.b1.arraySync()).toEqual([0, 1, 2, 3].map(() => shared.b1.arraySync()));
    expect(() => diversifyExperts(bank, shared, 1)).toThrow(/maskRatio/);
    bank.dispose();
  });
});
