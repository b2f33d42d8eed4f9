import {
  FfnExperts,
  initBackend,
  RoutedLayer,
  MoELayer,
  Router,
  routingMetrics,
  setSeed,
  SigmoidLossFreeRouter,
  SoftmaxTopKRouter,
  switchAuxLoss,
  countAssignments,
  tf,
  TransformerBlock,
} from '../src';

beforeAll(async () => {
  await initBackend();
});

/** 6 real tokens followed by 4 padding tokens whose values are arbitrary. */
function paddedBatch(pad: tf.Tensor2D) {
  const real = tf.randomNormal([6, 8], 0, 1, 'float32', 3) as tf.Tensor2D;
  const x = tf.concat([real, pad]) as tf.Tensor2D;
  const valid = tf.tensor1d([1, 1, 1, 1, 1, 1, 0, 0, 0, 0]);
  return { real, x, valid };
}

describe('padding tokens count in no balance loss and no load (transformers #28505/#28517)', () => {
  for (const dispatch of ['dense', 'sorted', 'capacity'] as const) {
    it(`${dispatch} dispatch: aux loss, counts and metrics equal those of the real tokens alone`, () => {
      setSeed(1);
      const moe = new MoELayer({ dim: 8, hidden: 16, numExperts: 4, topK: 2, dispatch, capacityFactor: 4 });
      moe.eval();
      const { real, x, valid } = paddedBatch(tf.fill([4, 8], 3) as tf.Tensor2D);
      const alone = moe.forward(real);
      const padded = moe.forward(x, { valid });
      expect(Array.from(padded.aux.counts.dataSync())).toEqual(Array.from(alone.aux.counts.dataSync()));
      expect(padded.aux.losses.aux.dataSync()[0]).toBeCloseTo(alone.aux.losses.aux.dataSync()[0], 6);
      const mPadded = routingMetrics(padded.aux);
      const mAlone = routingMetrics(alone.aux);
      expect(mPadded.load).toEqual(mAlone.load);
      expect(mPadded.maxVio).toBeCloseTo(mAlone.maxVio, 9);
      expect(mPadded.entropy).toBeCloseTo(mAlone.entropy, 6);
      // The real tokens' outputs do not depend on the padding either.
      const yReal = tf.slice(padded.y, [0, 0], [6, 8]);
      expect(tf.max(tf.abs(tf.sub(yReal, alone.y))).dataSync()[0]).toBeLessThan(1e-5);
    });
  }

  it('the aux loss does not change when only the padding changes, and its gradient ignores padding', () => {
    setSeed(2);
    const moe = new MoELayer({ dim: 8, hidden: 16, numExperts: 4, topK: 1 });
    moe.eval();
    const a = paddedBatch(tf.fill([4, 8], -5) as tf.Tensor2D);
    const b = paddedBatch(tf.randomNormal([4, 8], 0, 10, 'float32', 4) as tf.Tensor2D);
    const la = moe.forward(a.x, { valid: a.valid }).aux.losses.aux.dataSync()[0];
    const lb = moe.forward(b.x, { valid: b.valid }).aux.losses.aux.dataSync()[0];
    expect(la).toBeCloseTo(lb, 6);
    // Without the mask the padding moves the loss: the test can fail.
    const ua = moe.forward(a.x).aux.losses.aux.dataSync()[0];
    const ub = moe.forward(b.x).aux.losses.aux.dataSync()[0];
    expect(Math.abs(ua - ub)).toBeGreaterThan(1e-4);
    const grad = tf.grad((x: tf.Tensor) => moe.forward(x, { valid: a.valid }).aux.losses.aux)(a.x);
    expect(tf.max(tf.abs(tf.slice(grad, [6, 0], [4, 8]))).dataSync()[0]).toBe(0);
  });

  it('switchAuxLoss with a mask equals the hand-computed value on the real rows', () => {
    const probs = tf.tensor2d([
      [0.7, 0.2, 0.1],
      [0.1, 0.8, 0.1],
      [0.3, 0.3, 0.4], // padding
    ]);
    const indices = tf.tensor2d([[0], [1], [2]], [3, 1], 'int32');
    const valid = tf.tensor1d([1, 1, 0]);
    const counts = countAssignments(indices, 3, valid);
    expect(Array.from(counts.dataSync())).toEqual([1, 1, 0]);
    // f = [1/2, 1/2, 0], P = [0.4, 0.5, 0.1]: 3 · (0.2 + 0.25) = 1.35
    expect(switchAuxLoss(probs, counts, valid).dataSync()[0]).toBeCloseTo(1.35, 6);
    // Over a router choosing among 2 experts only: S = 2.
    expect(switchAuxLoss(probs, counts, valid, 2).dataSync()[0]).toBeCloseTo(0.9, 6);
  });

  it('a transformer block passes the valid mask to its routed slot', () => {
    setSeed(4);
    const moe = new MoELayer({ dim: 8, hidden: 16, numExperts: 4, topK: 1 });
    const block = new TransformerBlock({ dim: 8, heads: 2, ffn: moe });
    block.eval();
    const x = tf.randomNormal([2, 5, 8]);
    const valid = tf.tensor1d([1, 1, 1, 0, 0, 1, 1, 1, 1, 0]);
    const { aux } = block.forward(x, undefined, { valid });
    expect(tf.sum(aux[0].counts).dataSync()[0]).toBe(7);
    expect(Array.from(aux[0].valid?.dataSync() ?? [])).toEqual(Array.from(valid.dataSync()));
  });
});

describe('the loss-free bias changes which experts are picked, never the gate weights (vLLM #12002)', () => {
  it('weights are the unbiased sigmoid scores renormalised over the biased selection', () => {
    setSeed(5);
    const router = new SigmoidLossFreeRouter({ dim: 4, numExperts: 4, k: 2 });
    router.eval();
    const x = tf.randomNormal([6, 4]) as tf.Tensor2D;
    const before = router.route(x);
    // A large bias on expert 3 forces it into every token's top-2.
    router.bias.assign(tf.tensor1d([0, 0, 0, 10]));
    const after = router.route(x);
    if (after.assignment.kind !== 'token' || before.assignment.kind !== 'token')
      throw new Error('token choice');
    const idx = after.assignment.indices.arraySync();
    const w = after.assignment.weights.arraySync();
    const scores = tf.sigmoid(tf.matMul(x, router.weight)).arraySync() as number[][];
    for (let t = 0; t < 6; t++) {
      expect(idx[t]).toContain(3);
      const s = idx[t].map((e) => scores[t][e]);
      const total = s[0] + s[1];
      expect(w[t][0]).toBeCloseTo(s[0] / total, 6);
      expect(w[t][1]).toBeCloseTo(s[1] / total, 6);
    }
    // The selection did change for some token, so the bias acted.
    expect(after.assignment.indices.arraySync()).not.toEqual(before.assignment.indices.arraySync());
    // And the bias gets no gradient: it is a buffer, not a parameter.
    expect(router.parameters()).not.toContain(router.bias);
  });

  it('the bias update counts real tokens only', () => {
    setSeed(6);
    const router = new SigmoidLossFreeRouter({ dim: 4, numExperts: 2, k: 1, biasUpdateRate: 0.5 });
    // Tokens pointing along expert 0's and expert 1's weight columns.
    router.weight.assign(
      tf.tensor2d([
        [1, -1],
        [0, 0],
        [0, 0],
        [0, 0],
      ]),
    );
    const x = tf.tensor2d([
      [1, 0, 0, 0],
      [1, 0, 0, 0],
      [-1, 0, 0, 0],
      [-1, 0, 0, 0],
      [-1, 0, 0, 0],
    ]);
    // Real tokens: two to expert 0, one to expert 1; two padding tokens also go to expert 1.
    router.route(x, { valid: tf.tensor1d([1, 1, 1, 0, 0]) });
    router.afterStep();
    // Counts [2, 1]: expert 0 is over-loaded, so its bias goes down and expert 1's up.
    expect(Array.from(router.bias.dataSync())).toEqual([-0.5, 0.5]);
  });

  it('softmax routers keep working with a context (no mask = old behaviour)', () => {
    setSeed(7);
    const r: Router = new SoftmaxTopKRouter({ dim: 4, numExperts: 3, k: 1 });
    const x = tf.randomNormal([5, 4]) as tf.Tensor2D;
    const a = r.route(x);
    const b = r.route(x, { valid: tf.ones([5]) as tf.Tensor1D });
    expect(a.probs.arraySync()).toEqual(b.probs.arraySync());
  });
});

describe('RoutedLayer', () => {
  class ThrowingRoute extends RoutedLayer {
    readonly router = this.child('router', new SoftmaxTopKRouter({ dim: 8, numExperts: 4, k: 1 }));
    readonly experts = this.child('experts', new FfnExperts({ numExperts: 4, dim: 8, hidden: 16 }));
    constructor() {
      super(8, { dispatch: 'sorted', losses: { aux: 0.01, z: 0, cv2: 0, seqAux: 0 } });
    }
    protected override expertInput(): tf.Tensor2D {
      throw new Error('hook failed');
    }
  }

  it('a hook that throws leaves no tensor behind', () => {
    const layer = new ThrowingRoute();
    const x = tf.randomNormal([2, 3, 8]);
    const before = tf.memory().numTensors;
    expect(() => layer.forward(x)).toThrow('hook failed');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a subclass with only a router and experts is a working MoE slot', () => {
    class Tiny extends RoutedLayer {
      readonly router = this.child('router', new SoftmaxTopKRouter({ dim: 8, numExperts: 4, k: 2 }));
      readonly experts = this.child('experts', new FfnExperts({ numExperts: 4, dim: 8, hidden: 16 }));
      constructor() {
        super(8, { dispatch: 'sorted', losses: { aux: 0.01, z: 0, cv2: 0, seqAux: 0 } });
      }
    }
    const layer = new Tiny();
    const x = tf.randomNormal([6, 8]);
    const before = tf.memory().numTensors;
    const { y, aux } = layer.forward(x);
    expect(y.shape).toEqual([6, 8]);
    expect(Object.keys(aux.losses)).toEqual(['aux']);
    // y, the aux loss, counts, probs, dropped and indices: nothing else survives.
    expect(tf.memory().numTensors - before).toBe(6);
    expect(Array.from(aux.counts.dataSync()).reduce((a, b) => a + b, 0)).toBe(12);
    expect(layer.activeParams()).toBe(layer.countParams() - 2 * layer.experts.paramsPerExpert());
  });
});
