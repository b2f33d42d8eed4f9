import { initBackend, setSeed, tf } from '../src';
import {
  balancedAssignment,
  BalancedRouter,
  countAssignments,
  ExpertChoiceRouter,
  HashRouter,
  maxViolation,
  RouterBias,
  NoisyTopKRouter,
  SigmoidLossFreeRouter,
  SoftmaxTopKRouter,
  TokenChoice,
  UncertaintyRouter,
} from '../src/moe';

beforeAll(async () => {
  await initBackend();
});

const counts = (idx: tf.Tensor2D, e: number) => Array.from(countAssignments(idx, e).dataSync());

describe('routers', () => {
  it('softmax top-k: weights gathered from probabilities, renormalised, jitter only in training', () => {
    setSeed(1);
    const r = new SoftmaxTopKRouter({ dim: 8, numExperts: 5, k: 2, jitter: 0.1 });
    const x = tf.randomNormal([10, 8]) as tf.Tensor2D;
    r.eval();
    const a = r.route(x);
    const { indices, weights } = a.assignment as TokenChoice;
    const p = a.probs.arraySync();
    const idx = indices.arraySync();
    const w = weights.arraySync();
    for (let t = 0; t < 10; t++) {
      const sorted = [...p[t]].sort((u, v) => v - u);
      expect(p[t][idx[t][0]]).toBeCloseTo(sorted[0], 6);
      expect(p[t][idx[t][1]]).toBeCloseTo(sorted[1], 6);
      expect(w[t][0] / w[t][1]).toBeCloseTo(sorted[0] / sorted[1], 4);
      expect(w[t][0] + w[t][1]).toBeCloseTo(1, 5);
    }
    const again = r.route(x).probs;
    expect(Array.from(again.dataSync())).toEqual(Array.from(a.probs.dataSync()));
    r.train();
    expect(Array.from(r.route(x).probs.dataSync())).not.toEqual(Array.from(a.probs.dataSync()));
    expect(() => new SoftmaxTopKRouter({ dim: 8, numExperts: 4, k: 5 })).toThrow(/k must be/);
  });

  it('expert choice gives exactly C tokens to every expert', () => {
    setSeed(2);
    const r = new ExpertChoiceRouter({ dim: 8, numExperts: 4, capacityFactor: 1 });
    const x = tf.randomNormal([64, 8]) as tf.Tensor2D;
    const { assignment } = r.route(x);
    if (assignment.kind !== 'expert') throw new Error('expected expert choice');
    expect(assignment.tokens.shape).toEqual([4, 16]);
    const rows = assignment.tokens.arraySync();
    for (const row of rows) expect(new Set(row).size).toBe(16); // distinct tokens per expert
  });

  it('BASE balanced assignment gives exactly equal loads in training, top-1 in eval', () => {
    setSeed(3);
    const r = new BalancedRouter({ dim: 8, numExperts: 4 });
    // A skewed router: every token prefers expert 0.
    r.weight.assign(tf.add(r.weight, tf.tensor1d([5, 0, 0, 0])));
    const x = tf.add(tf.randomNormal([64, 8]), 1) as tf.Tensor2D;
    r.train();
    const trainIdx = (r.route(x).assignment as TokenChoice).indices;
    expect(counts(trainIdx, 4)).toEqual([16, 16, 16, 16]);
    r.eval();
    const evalIdx = (r.route(x).assignment as TokenChoice).indices;
    expect(maxViolation(counts(evalIdx, 4))).toBeGreaterThan(1);
    // Uneven T: loads differ by at most one.
    const uneven = balancedAssignment(
      new Float32Array(10 * 3).map((_, i) => Math.sin(i)),
      10,
      3,
    );
    const c = [0, 0, 0];
    uneven.forEach((e) => c[e]++);
    expect(c).toEqual([4, 3, 3]);
  });

  it('the loss-free bias moves a skewed load toward uniform', () => {
    setSeed(4);
    const r = new SigmoidLossFreeRouter({ dim: 8, numExperts: 8, k: 2, biasUpdateRate: 0.01 });
    r.weight.assign(tf.add(r.weight, tf.tensor2d([[1.5, 1, 0.5, 0, 0, 0, 0, 0]])));
    const x = tf.add(tf.randomNormal([256, 8]), 0.3) as tf.Tensor2D;
    const vio = () => maxViolation(counts((r.route(x).assignment as TokenChoice).indices, 8));
    r.train();
    const before = vio();
    r.afterStep();
    for (let i = 0; i < 300; i++) {
      tf.tidy(() => {
        r.route(x);
      });
      r.afterStep();
    }
    const after = vio();
    r.afterStep();
    expect(before).toBeGreaterThan(0.5);
    expect(after).toBeLessThan(before / 3);
    // The bias is a buffer (not trained) and the weights never moved.
    expect(r.parameters()).toEqual([r.weight]);
    expect(Object.keys(r.stateDict())).toContain('bias');
  });

  it('hash routing is fixed by token id', () => {
    const r = new HashRouter({ numExperts: 4 });
    const x = tf.zeros([6, 3]) as tf.Tensor2D;
    const a = (
      r.route(x, { tokenIds: Int32Array.from([5, 9, 5, 1, 9, 5]) }).assignment as TokenChoice
    ).indices.arraySync();
    expect(a[0]).toEqual(a[2]);
    expect(a[1]).toEqual(a[4]);
    expect(() => r.route(x, { tokenIds: Int32Array.from([1]) })).toThrow(
      /tokenIds has 1 entries for 6 tokens/,
    );
  });

  it('noisy top-k returns a differentiable smooth load in training and no noise in eval', () => {
    setSeed(5);
    const r = new NoisyTopKRouter({ dim: 8, numExperts: 4, k: 1 });
    r.weight.assign(tf.randomNormal([8, 4], 0, 0.3));
    r.noiseWeight.assign(tf.randomNormal([8, 4], 0, 0.3));
    const x = tf.randomNormal([32, 8]) as tf.Tensor2D;
    r.train();
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.square(r.route(x).smoothLoad as tf.Tensor1D)) as tf.Scalar,
      [r.weight],
    );
    const g = Object.values(grads)[0];
    expect(tf.max(tf.abs(g)).dataSync()[0]).toBeGreaterThan(0);
    r.eval();
    const e = r.route(x);
    expect(e.smoothLoad).toBeUndefined();
    expect(Array.from(e.logits.dataSync())).toEqual(Array.from(tf.matMul(x, r.weight).dataSync()));
  });

  it('uncertainty router: weights sum to 1, samples differ in training, plain in eval', () => {
    setSeed(6);
    const r = new UncertaintyRouter({ dim: 8, numExperts: 6, k: 2, samples: 5, dropout: 0.2 });
    const x = tf.randomNormal([16, 8]) as tf.Tensor2D;
    const w = (r.route(x).assignment as TokenChoice).weights;
    tf.sum(w, -1)
      .dataSync()
      .forEach((s) => expect(s).toBeCloseTo(1, 5));
    r.eval();
    const a = r.route(x).probs.dataSync();
    expect(Array.from(r.route(x).probs.dataSync())).toEqual(Array.from(a));
    expect(() => new UncertaintyRouter({ dim: 8, numExperts: 6, k: 2, samples: 1 })).toThrow(/samples/);
  });

  it('a router bias is centred on the first training batch, is learned, and moves the choice of experts', () => {
    setSeed(8);
    // Tokens with a large shared component: without the centred bias every token picks the same expert.
    const x = tf.add(
      tf.randomNormal([64, 8], 0, 0.1, 'float32', 3),
      tf.randomNormal([1, 8], 0, 3, 'float32', 1003),
    ) as tf.Tensor2D;
    for (const make of [
      (bias: boolean) => new SoftmaxTopKRouter({ dim: 8, numExperts: 4, k: 1, bias }),
      (bias: boolean) => new UncertaintyRouter({ dim: 8, numExperts: 4, k: 1, bias, dropout: 0 }),
    ]) {
      expect(make(false).bias).toBeUndefined();
      const r = make(true);
      const plain = make(false);
      plain.weight.assign(r.weight);
      const bias = (r.bias as RouterBias).value;
      expect(Array.from(bias.dataSync())).toEqual([0, 0, 0, 0]);
      const chosen = (router: typeof r) => (router.route(x).assignment as TokenChoice).indices;
      plain.eval();
      expect(new Set(chosen(plain).dataSync()).size).toBe(1); // collapsed
      r.eval();
      expect(Array.from(chosen(r).dataSync())).toEqual(Array.from(chosen(plain).dataSync())); // eval: no centring
      r.train();
      r.route(x); // the first training batch centres the bias: the mean logit is equal across experts
      const mean = tf.mean(tf.add(tf.matMul(x, r.weight), bias), 0).dataSync();
      mean.forEach((m) => expect(Math.abs(m)).toBeLessThan(1e-5));
      expect(new Set(chosen(r).dataSync()).size).toBeGreaterThan(1);
      const centred = Array.from(bias.dataSync());
      r.route(tf.add(x, 5) as tf.Tensor2D); // only once
      expect(Array.from(bias.dataSync())).toEqual(centred);
      // d(mean routing probability of expert 2)/d(bias), through route(): + for expert 2, - for the others.
      r.eval();
      const { value, grads } = tf.variableGrads(
        () => tf.mean(tf.slice(r.route(x).probs, [0, 2], [-1, 1])) as tf.Scalar,
        [bias],
      );
      const gv = grads[bias.name].dataSync();
      tf.dispose([value, ...Object.values(grads)]);
      expect(gv[2]).toBeGreaterThan(0);
      [0, 1, 3].forEach((e) => expect(gv[e]).toBeLessThan(0));
      bias.assign(tf.tensor1d([0, 0, 100, 0]));
      expect(Array.from(chosen(r).dataSync())).toEqual(new Array(64).fill(2));
      // A loaded (already centred) router is not centred again.
      const again = make(true);
      again.loadStateDict(r.stateDict());
      again.route(x);
      expect(Array.from((again.bias as RouterBias).value.dataSync())).toEqual([0, 0, 100, 0]);
    }
  });
});
