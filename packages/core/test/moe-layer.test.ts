import {
  ConfigError,
  fineGrained,
  initBackend,
  MoELayer,
  selfContrastLogits,
  setSeed,
  tf,
  upcycle,
} from '../src';

beforeAll(async () => {
  await initBackend();
});

function lossOf(layer: MoELayer, x: tf.Tensor, r: tf.Tensor): tf.Scalar {
  const { y, aux } = layer.forward(x);
  return tf.addN([tf.sum(tf.mul(y, r)), ...Object.values(aux.losses)]) as tf.Scalar;
}

describe('MoELayer', () => {
  it.each(['dense', 'sorted', 'capacity'] as const)(
    '%s dispatch: gradients match central finite differences',
    (dispatch) => {
      setSeed(11);
      const layer = new MoELayer({
        dim: 6,
        hidden: 10,
        numExperts: 4,
        topK: 2,
        dispatch,
        capacityFactor: 4,
        losses: { aux: 0.1, z: 0.01 },
      });
      layer.eval(); // no jitter; routing statistics still produce the aux terms
      const x = tf.variable(tf.randomNormal([8, 6], 0, 1, 'float32', 1));
      const r = tf.randomNormal([8, 6], 0, 1, 'float32', 2);
      const params = [x, ...layer.parameters()];
      const { grads } = tf.variableGrads(() => lossOf(layer, x, r), params);
      const eps = 1e-2;
      const routing = () => Array.from(layer.forward(x).aux.indices.dataSync()).join(',');
      const base = routing();
      let checked = 0;
      for (const v of params) {
        const g = grads[v.name].dataSync();
        const values = v.dataSync().slice();
        for (let n = 0; n < 6; n++) {
          const i = (n * 7919 + 13) % values.length;
          const at = (delta: number) => {
            const copy = values.slice();
            copy[i] += delta;
            v.assign(tf.tensor(copy, v.shape));
            return { loss: lossOf(layer, x, r).dataSync()[0], route: routing() };
          };
          const plus = at(eps);
          const minus = at(-eps);
          v.assign(tf.tensor(values, v.shape));
          if (plus.route !== base || minus.route !== base) continue; // a routing flip is not differentiable
          const numeric = (plus.loss - minus.loss) / (2 * eps);
          expect(Math.abs(numeric - g[i])).toBeLessThan(2e-2 * Math.max(1, Math.abs(numeric)));
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(30);
    },
  );

  it('rejects bad configs naming the field', () => {
    expect(() => new MoELayer({ dim: 8, hidden: 16, numExperts: 4, topK: 5 })).toThrow(ConfigError);
    expect(() => new MoELayer({ dim: 8, hidden: 16, numExperts: 4, topK: 5 })).toThrow(/topK/);
    expect(() => new MoELayer({ dim: -1, hidden: 16, numExperts: 4, topK: 1 })).toThrow(/dim/);
    expect(
      () =>
        new MoELayer({
          dim: 8,
          hidden: 16,
          numExperts: 4,
          topK: 1,
          router: { type: 'sigmoid-loss-free', biasUpdateRate: -1 },
        }),
    ).toThrow(/router\.biasUpdateRate/);
    const layer = new MoELayer({ dim: 8, hidden: 16, numExperts: 4, topK: 1 });
    expect(() => layer.forward(tf.zeros([3, 7]))).toThrow(/last dimension is 7, dim is 8/);
  });

  it('applies defaults: sorted dispatch, softmax router, aux loss 0.01', () => {
    const layer = new MoELayer({ dim: 8, hidden: 16, numExperts: 4, topK: 2 });
    expect(layer.config.dispatch).toBe('sorted');
    expect(layer.config.router.type).toBe('softmax');
    expect(layer.config.losses.aux).toBe(0.01);
    const { aux } = layer.forward(tf.randomNormal([5, 8]));
    expect(Object.keys(aux.losses)).toEqual(['aux']);
  });

  it("routes on the block's residual stream with routerInput 'residual', on the tokens by default", () => {
    setSeed(5);
    const residual = new MoELayer({ dim: 8, hidden: 16, numExperts: 4, topK: 2, routerInput: 'residual' });
    const normed = new MoELayer({ dim: 8, hidden: 16, numExperts: 4, topK: 2 });
    normed.loadStateDict(residual.stateDict());
    tf.tidy(() => {
      const tokens = tf.randomNormal([6, 8], 0, 1, 'float32', 1) as tf.Tensor2D;
      const stream = tf.randomNormal([6, 8], 2, 1, 'float32', 2) as tf.Tensor2D;
      const gap = (p: tf.Tensor, q: tf.Tensor) => Math.max(...tf.abs(tf.sub(p, q)).dataSync());
      expect(
        gap(residual.forward(tokens, { residual: stream }).aux.probs, residual.router.route(stream).probs),
      ).toBe(0);
      expect(
        gap(normed.forward(tokens, { residual: stream }).aux.probs, normed.router.route(tokens).probs),
      ).toBe(0);
      expect(gap(residual.forward(tokens).aux.probs, residual.router.route(tokens).probs)).toBe(0);
    });
    expect(() => residual.forward(tf.zeros([3, 8]), { residual: tf.zeros([4, 8]) })).toThrow(
      /router input \[4,8\]/,
    );
  });

  it('an upcycled layer with renormalised top-k reproduces the dense FFN exactly', () => {
    setSeed(12);
    const [d, h] = [8, 16];
    const w1 = tf.randomNormal([d, h]);
    const b1 = tf.randomNormal([h]);
    const w2 = tf.randomNormal([h, d]);
    const b2 = tf.randomNormal([d]);
    const layer = new MoELayer({ dim: d, hidden: h, numExperts: 4, topK: 2 });
    upcycle(layer.experts, { w1, b1, w2, b2 });
    const x = tf.randomNormal([10, d]);
    const hidden = tf.add(tf.matMul(x, w1), b1);
    const gelu = tf.mul(
      tf.mul(0.5, hidden),
      tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(hidden, tf.mul(0.044715, tf.pow(hidden, 3)))))),
    );
    const dense = tf.add(tf.matMul(gelu, w2), b2);
    const diff = tf.max(tf.abs(tf.sub(layer.forward(x).y, dense))).dataSync()[0];
    expect(diff).toBeLessThan(1e-4);
    expect(() => upcycle(layer.experts, { w1: tf.zeros([d, h + 1]), w2 })).toThrow(/w1.*\[8,17\].*\[8,16\]/);
  });

  it('counts total and active parameters and FLOPs, with shared and fine-grained experts', () => {
    const base = { dim: 8, hidden: 16, numExperts: 4, topK: 2 };
    const layer = new MoELayer(base);
    const perExpert = 2 * 8 * 16 + 16 + 8;
    expect(layer.countParams()).toBe(8 * 4 + 4 * perExpert);
    expect(layer.activeParams()).toBe(8 * 4 + 2 * perExpert);
    expect(layer.flopsPerToken()).toBe(2 * 8 * 4 + 2 * 4 * 8 * 16);
    const shared = new MoELayer({ ...base, sharedExperts: 1, sharedHidden: 8 });
    expect(shared.countParams() - layer.countParams()).toBe(2 * 8 * 8 + 8 + 8);
    const fine = fineGrained(base, 4);
    expect(fine).toMatchObject({ numExperts: 16, topK: 8, hidden: 4 });
    const fg = new MoELayer(fine);
    // same expert weight matrices, more biases and router columns
    expect(fg.countParams() - 8 * 16 - 16 * (4 + 8)).toBe(layer.countParams() - 8 * 4 - 4 * (16 + 8));
    expect(() => fineGrained(base, 3)).toThrow(/dividing hidden=16/);
  });

  it('takes [B, L, D] input, keeps the shape and adds the sequence-level aux loss', () => {
    const layer = new MoELayer({
      dim: 8,
      hidden: 8,
      numExperts: 4,
      topK: 1,
      losses: { aux: 0, seqAux: 0.5, z: 0.1, cv2: 0.1 },
    });
    const { y, aux } = layer.forward(tf.randomNormal([3, 5, 8]));
    expect(y.shape).toEqual([3, 5, 8]);
    expect(Object.keys(aux.losses).sort()).toEqual(['cv2', 'seqAux', 'z']);
  });

  it('SCMoE: rank-r override routes to one expert with weight 1, and the contrast masks implausible tokens', () => {
    setSeed(13);
    const layer = new MoELayer({ dim: 8, hidden: 8, numExperts: 4, topK: 2, dispatch: 'dense' });
    const x = tf.randomNormal([6, 8]);
    const strong = layer.forward(x).aux.indices.arraySync() as number[][];
    const weak = layer.forward(x, { rankOverride: 1 }).aux.indices.arraySync() as number[][];
    weak.forEach((row, t) => expect(row).toEqual([strong[t][1]]));
    expect(() => layer.forward(x, { rankOverride: 4 })).toThrow(/rankOverride/);
    const s = tf.tensor2d([[2, 1, -3]]);
    const w = tf.tensor2d([[1, 2, 0]]);
    // alpha 0.1: keep logits >= 2 + ln 0.1 = -0.30 -> third masked; (1.5)s - 0.5w
    const z = selfContrastLogits(s, w, { alpha: 0.1, beta: 0.5 }).arraySync()[0];
    expect(z[0]).toBeCloseTo(2.5, 6);
    expect(z[1]).toBeCloseTo(0.5, 6);
    expect(z[2]).toBe(-Infinity);
  });

  it.each([
    { type: 'softmax' as const, jitter: 0.01 },
    { type: 'noisy' as const },
    { type: 'sigmoid-loss-free' as const },
    { type: 'expert-choice' as const },
    { type: 'hash' as const },
    { type: 'balanced' as const },
    { type: 'uncertainty' as const },
  ])('trains one step with the $type router on every dispatch path', (router) => {
    for (const dispatch of ['dense', 'sorted', 'capacity'] as const) {
      setSeed(14);
      const layer = new MoELayer({ dim: 8, hidden: 8, numExperts: 4, topK: 2, router, dispatch });
      const x = tf.randomNormal([16, 8]);
      const { value, grads } = tf.variableGrads(() => lossOf(layer, x, tf.onesLike(x)), layer.parameters());
      expect(Number.isFinite(value.dataSync()[0])).toBe(true);
      for (const g of Object.values(grads)) expect(tf.all(tf.isFinite(g)).dataSync()[0]).toBe(1);
      layer.afterStep();
      layer.dispose();
    }
  });
});

describe('MoELayer memory', () => {
  it('leaves only what it returns when called outside tf.tidy (every router kind and dispatch path)', () => {
    const x = tf.randomNormal([12, 8], 0, 1, 'float32', 3);
    const routers = [{ type: 'softmax' }, { type: 'sigmoid-loss-free' }, { type: 'expert-choice' }] as const;
    for (const router of routers) {
      for (const dispatch of ['dense', 'sorted', 'capacity'] as const) {
        const layer = new MoELayer({
          dim: 8,
          hidden: 16,
          numExperts: 4,
          topK: 2,
          router,
          dispatch,
          sharedExperts: 1,
        });
        const run = () => {
          const { y, aux } = layer.forward(x);
          tf.dispose([y, aux.counts, aux.probs, aux.dropped, aux.indices, ...Object.values(aux.losses)]);
        };
        run(); // a router may keep state from the first call (the loss-free bias counts)
        const before = tf.memory().numTensors;
        run();
        run();
        expect([router.type, dispatch, tf.memory().numTensors - before]).toEqual([router.type, dispatch, 0]);
        layer.dispose();
      }
    }
    x.dispose();
  });
});
