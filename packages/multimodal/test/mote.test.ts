import {
  ConfigError,
  countAssignments,
  dispatch,
  GeluFFN,
  initBackend,
  moduleCosts,
  int8PerTokenFakeQuant,
  MoELayer,
  setSeed,
  SoftmaxTopKRouter,
  switchAuxLoss,
  ternaryBytes,
  ternarySTEPerExpert,
  tf,
  gelu,
} from '@moe-zoo/core';
import {
  binaryBytes,
  buildFloatMoe,
  buildMote,
  continueDense,
  equalMemoryHidden,
  floatExpertBytes,
  loadDigitImages,
  makeVqaSet,
  MoTELayer,
  packedBytes,
  packTernaryExperts,
  QuantFfnExperts,
  quantBankBytes,
  trainVqa,
  unpackTernaryExperts,
  vqaBatch,
  vqaTokenizer,
  VqaTransformer,
  withPatchTokens,
} from '../src';

describe('ternary experts', () => {
  beforeAll(async () => {
    await initBackend();
  });

  it.each([
    [3, 8, 12],
    [2, 5, 7],
  ])(
    'pack at 2 bits per weight and unpack to exactly the forward weights (E=%i, D=%i, H=%i)',
    async (e, d, h) => {
      setSeed(1);
      const bank = new QuantFfnExperts({ numExperts: e, dim: d, hidden: h });
      const packed = await packTernaryExperts(bank);
      const { w1, w2 } = unpackTernaryExperts(packed);
      expect(w1.arraySync()).toEqual(tf.tidy(() => bank.quantized(bank.w1).arraySync()));
      expect(w2.arraySync()).toEqual(tf.tidy(() => bank.quantized(bank.w2).arraySync()));
      // Every expert matrix holds only {-γ, 0, +γ}.
      const q = tf.tidy(() => ternarySTEPerExpert(bank.w1).arraySync()) as number[][][];
      for (const m of q) expect(new Set(m.flat().map(Math.abs)).size).toBeLessThanOrEqual(2);
      // Bytes: ceil(E·D·H / 4) codes per matrix, one float32 γ per expert and matrix, float32 biases.
      expect(packed.w1.packed.length).toBe(Math.ceil((e * d * h) / 4));
      const byHand = 2 * Math.ceil((e * d * h) / 4) + 4 * 2 * e + 4 * e * (h + d);
      expect(packedBytes(packed)).toBe(byHand);
      expect(quantBankBytes(bank)).toBe(byHand);
      expect(quantBankBytes(bank)).toBe(2 * ternaryBytes(e * d * h, e) + 4 * e * (h + d));
      const binary = new QuantFfnExperts({ numExperts: e, dim: d, hidden: h, format: 'binary' });
      expect(quantBankBytes(binary)).toBe(2 * (Math.ceil((e * d * h) / 8) + 4 * e) + 4 * e * (h + d));
      await expect(packTernaryExperts(binary)).rejects.toThrow(/binary/);
      tf.dispose([w1, w2]);
      bank.dispose();
      binary.dispose();
    },
  );

  it('passes gradients straight through the ternary and binary quantizers', () => {
    for (const format of ['ternary', 'binary'] as const) {
      setSeed(2);
      const bank = new QuantFfnExperts({ numExperts: 2, dim: 4, hidden: 6, format });
      const c = tf.randomNormal(bank.w1.shape, 0, 1, 'float32', 9);
      const g = tf.grad((w: tf.Tensor) => tf.sum(tf.mul(bank.quantized(w), c)))(bank.w1);
      expect(g.arraySync()).toEqual(c.arraySync());
      tf.dispose([c, g]);
      bank.dispose();
    }
    expect(binaryBytes(9, 2)).toBe(10);
  });

  it('computes experts with int8 per-token activations and quantized weights; dense and sorted dispatch agree', () => {
    setSeed(3);
    const bank = new QuantFfnExperts({ numExperts: 3, dim: 8, hidden: 12 });
    const x = tf.randomNormal([10, 8], 0, 1, 'float32', 4) as tf.Tensor2D;
    tf.tidy(() => {
      const all = bank.forwardAll(x);
      const xq = int8PerTokenFakeQuant(x);
      const ref = tf.stack(
        [0, 1, 2].map((e) => {
          const w1 = tf.squeeze(tf.slice(bank.quantized(bank.w1), [e, 0, 0], [1, -1, -1]), [0]);
          const w2 = tf.squeeze(tf.slice(bank.quantized(bank.w2), [e, 0, 0], [1, -1, -1]), [0]);
          const h = gelu(tf.add(tf.matMul(xq, w1), tf.slice(bank.b1, [e, 0], [1, -1])));
          return tf.add(tf.matMul(int8PerTokenFakeQuant(h), w2), tf.slice(bank.b2, [e, 0], [1, -1]));
        }),
      );
      expect(tf.max(tf.abs(tf.sub(all, ref))).dataSync()[0]).toBeLessThan(1e-5);
      const router = new SoftmaxTopKRouter({ dim: 8, numExperts: 3, k: 1 });
      const { assignment } = router.route(x);
      const dense = dispatch('dense', { x, assignment, experts: bank }).y;
      const sorted = dispatch('sorted', { x, assignment, experts: bank }).y;
      expect(tf.max(tf.abs(tf.sub(dense, sorted))).dataSync()[0]).toBeLessThan(1e-5);
      router.dispose();
    });
    x.dispose();
    bank.dispose();
  });

  it('gives the float MoE the widest expert width that fits the byte budget', () => {
    const budget = 96992;
    const h = equalMemoryHidden(budget, 48, 4);
    expect(floatExpertBytes(4, 48, h)).toBeLessThanOrEqual(budget);
    expect(floatExpertBytes(4, 48, h + 1)).toBeGreaterThan(budget);
    expect(() => equalMemoryHidden(100, 48, 4)).toThrow(/cannot hold/);
  });
});

describe('MoTE up-cycling', () => {
  const tok = vqaTokenizer();
  const set = withPatchTokens(makeVqaSet(loadDigitImages(0, 16), { n: 160, seed: 0, tokenizer: tok }), 7);
  let dense: VqaTransformer;

  beforeAll(async () => {
    await initBackend();
    setSeed(0);
    dense = new VqaTransformer({
      vocabSize: tok.vocabSize,
      patchDim: 49,
      dim: 16,
      heads: 2,
      hidden: 32,
      depth: 2,
    });
  });
  afterAll(() => dense.dispose());

  it('is a frozen FP shared FFN plus top-1 routed ternary experts initialised from it', () => {
    setSeed(1);
    const model = buildMote(dense, { numExperts: 4 });
    const layer = model.blocks[1].ffn as MoTELayer;
    expect(layer).toBeInstanceOf(MoTELayer);
    const src = dense.blocks[1].ffn as GeluFFN;
    expect(layer.shared.fc1.weight.arraySync()).toEqual(src.fc1.weight.arraySync());
    const w1 = layer.experts.w1.arraySync() as number[][][];
    for (const e of w1) expect(e).toEqual(src.fc1.weight.arraySync());
    // Only the router and the routed experts train.
    const trainable = model
      .namedParameters()
      .filter(([, v]) => v.trainable)
      .map(([n]) => n);
    expect(trainable.sort()).toEqual([
      'blocks.1.ffn.experts.b1',
      'blocks.1.ffn.experts.b2',
      'blocks.1.ffn.experts.w1',
      'blocks.1.ffn.experts.w2',
      'blocks.1.ffn.router.weight',
    ]);
    // y = shared(x) + p_top1 · expert_top1(x)
    const x = tf.randomNormal([6, 16], 0, 1, 'float32', 5) as tf.Tensor2D;
    tf.tidy(() => {
      const { y, aux } = layer.forward(x);
      expect(aux.indices.shape).toEqual([6, 1]);
      const idx = aux.indices.dataSync();
      const p = aux.probs.arraySync() as number[][];
      const all = layer.experts.forwardAll(x).arraySync() as number[][][];
      const shared = layer.shared.forward(x).arraySync() as number[][];
      const yy = y.arraySync() as number[][];
      for (let t = 0; t < 6; t++) {
        for (let d = 0; d < 16; d++)
          expect(yy[t][d]).toBeCloseTo(shared[t][d] + p[t][idx[t]] * all[idx[t]][t][d], 4);
      }
    });
    x.dispose();
    // Parameters, FLOPs and memory: a token uses the shared FFN and one routed expert.
    const { total, active } = moduleCosts(model);
    expect(total - active).toBe(3 * layer.experts.paramsPerExpert());
    expect(moduleCosts(layer).flopsPerToken).toBe(2 * 4 * 16 * 32 + 2 * 16 * 4);
    expect(layer.expertBytes()).toBe(floatExpertBytes(1, 16, 32) + quantBankBytes(layer.experts));
    model.dispose();
  });

  it('leaves padding out of its loads and Switch loss, leak-free; validates its config', () => {
    setSeed(4);
    const layer = new MoTELayer({ dim: 16, hidden: 32, numExperts: 4, aux: 0.01 });
    const x = tf.randomNormal([12, 16], 0, 1, 'float32', 6) as tf.Tensor2D;
    const valid = tf.tensor1d(Array.from({ length: 12 }, (_, t) => (t < 9 ? 1 : 0)));
    const n0 = tf.memory().numTensors;
    const { y, aux } = layer.forward(x, { valid });
    const kept = [y, aux.counts, aux.probs, aux.dropped, aux.indices, aux.valid, aux.losses.aux];
    expect(tf.memory().numTensors).toBe(n0 + kept.length);
    tf.tidy(() => {
      const real = tf.slice(aux.indices, [0, 0], [9, 1]) as tf.Tensor2D;
      expect(Array.from(aux.counts.dataSync())).toEqual(Array.from(countAssignments(real, 4).dataSync()));
      const probs = tf.slice(aux.probs, [0, 0], [9, 4]) as tf.Tensor2D;
      const ref = 0.01 * switchAuxLoss(probs, countAssignments(real, 4)).dataSync()[0];
      expect(aux.losses.aux.dataSync()[0]).toBeCloseTo(ref, 7);
    });
    tf.dispose(kept.filter((t) => t !== undefined));
    expect(tf.memory().numTensors).toBe(n0);
    tf.dispose([x, valid]);
    layer.dispose();
    expect(() => new MoTELayer({ dim: 16, hidden: 0, numExperts: 4 })).toThrow(ConfigError);
    expect(() => new MoTELayer({ dim: 16, hidden: 8, numExperts: 4, format: 'int4' as never })).toThrow(
      /format/,
    );
  });

  it('trains only the MoE layer: the frozen shared FFN and the rest do not change', async () => {
    setSeed(2);
    const model = buildMote(dense, { numExperts: 4 });
    const snapshot = () =>
      Object.fromEntries(model.namedParameters().map(([n, v]) => [n, Array.from(v.dataSync())]));
    const before = snapshot();
    const r = await trainVqa(model, set, { epochs: 2, batchSize: 32, seed: 0, lr: 1e-2 });
    expect(r.losses.length).toBe(10);
    const after = snapshot();
    for (const name of Object.keys(before)) {
      const moved = before[name].some((v, i) => v !== after[name][i]);
      const routed = name.startsWith('blocks.1.ffn.experts.') || name === 'blocks.1.ffn.router.weight';
      expect([name, moved]).toEqual([name, routed]);
    }
    model.dispose();
  });

  it('builds float MoE baselines: copies keep the function, equal-memory experts are narrower windows', () => {
    setSeed(3);
    const batch = vqaBatch(set, [0, 1, 2, 3]);
    const copies = buildFloatMoe(dense, {});
    const ref = tf.tidy(() => dense.forward(batch).logits.arraySync()).flat();
    tf.tidy(() => copies.forward(batch).logits.arraySync())
      .flat()
      .forEach((v, i) => expect(v).toBeCloseTo(ref[i], 4));
    const narrow = buildFloatMoe(dense, { hidden: 12 });
    const layer = narrow.blocks[1].ffn as MoELayer;
    expect(layer.config.hidden).toBe(12);
    const w1 = layer.experts
      .namedParameters()
      .find(([n]) => n === 'w1')?.[1]
      .arraySync() as number[][][];
    const src = (dense.blocks[1].ffn as GeluFFN).fc1.weight.arraySync() as number[][];
    // Expert 1 starts at unit 1·32/4 = 8.
    expect(w1[1].map((row) => row[0])).toEqual(src.map((row) => row[8]));
    tf.dispose([batch.image, batch.question, batch.answer].filter((t) => t !== undefined));
    copies.dispose();
    narrow.dispose();
  });

  it("continues the dense source as the control: same function, only the odd blocks' FFNs train", async () => {
    const batch = vqaBatch(set, [0, 1, 2, 3]);
    const control = continueDense(dense);
    const ref = tf.tidy(() => dense.forward(batch).logits.arraySync()).flat();
    tf.tidy(() => control.forward(batch).logits.arraySync())
      .flat()
      .forEach((v, i) => expect(v).toBeCloseTo(ref[i], 6));
    expect(control.blocks[1].ffn).toBeInstanceOf(GeluFFN);
    const before = Object.fromEntries(
      control.namedParameters().map(([n, v]) => [n, Array.from(v.dataSync())]),
    );
    await trainVqa(control, set, { epochs: 1, batchSize: 32, seed: 0, lr: 1e-2 });
    for (const [name, v] of control.namedParameters()) {
      const moved = before[name].some((x, i) => x !== v.dataSync()[i]);
      expect([name, moved]).toEqual([name, name.startsWith('blocks.1.ffn.')]);
    }
    // The source itself is untouched.
    tf.tidy(() => dense.forward(batch).logits.arraySync())
      .flat()
      .forEach((v, i) => expect(v).toBe(ref[i]));
    tf.dispose([batch.image, batch.question, batch.answer].filter((t) => t !== undefined));
    control.dispose();
  });
});
