/**
 * Defining behaviours of MixLoRA and DynMoLE: LoRA experts over a frozen FFN (the frozen base gets
 * no gradient and no update, B starts at zero so the layer starts as the frozen FFN, the top-k mix
 * is MixLoRA's Σ w_k FFN_k with merged weights), the Tsallis entropy against hand-computed values,
 * and DynMoLE's hybrid switch at both extremes with its losses.
 */
import { AdamW, GeluFFN, gelu, initBackend, parseConfig, setSeed, tf } from '../src';
import { DynMoleConfigSchema, MixLoraConfigSchema } from '../src/config';
import {
  DynMoleLayer,
  hybridRoutingMask,
  LoraExperts,
  MixLoraLayer,
  TokenChoice,
  tsallisEntropy,
  tsallisEntropyLoss,
  TsallisHybridRouter,
} from '../src/moe';

beforeAll(async () => {
  await initBackend();
});

const rows = (t: tf.Tensor): number[][] => t.arraySync() as number[][];
const close = (a: tf.Tensor, b: tf.Tensor, digits = 5): void => {
  const x = Array.from(a.dataSync());
  const y = Array.from(b.dataSync());
  expect(x.length).toBe(y.length);
  x.forEach((v, i) => expect(v).toBeCloseTo(y[i], digits));
};

/** Gives every LoRA B factor random values (a trained state), so the experts differ from the base. */
function randomiseB(bank: LoraExperts): void {
  for (const v of [bank.loraB1, bank.loraB2]) v.assign(tf.mul(tf.randomNormal(v.shape), 0.3));
}

describe('LoRA experts over a frozen FFN (MixLoRA)', () => {
  it('starts equal to the frozen FFN: B is zero (MixLoRA and DynMoLE, every dispatch path)', () => {
    setSeed(1);
    const ffn = new GeluFFN(8, 12);
    const x = tf.randomNormal([10, 8]);
    const expected = ffn.forward(x);
    for (const dispatch of ['dense', 'sorted', 'capacity'] as const) {
      const mix = new MixLoraLayer({ dim: 8, hidden: 12, numExperts: 4, topK: 2, rank: 2, dispatch });
      expect(mix.experts.loraB1.dataSync().every((v) => v === 0)).toBe(true);
      expect(mix.experts.loraB2.dataSync().every((v) => v === 0)).toBe(true);
      mix.loadBase(ffn);
      close(mix.forward(x).y, expected);
      const dyn = new DynMoleLayer({ dim: 8, hidden: 12, numExperts: 4, topK: 1, rank: 2, dispatch });
      dyn.loadBase(ffn);
      close(dyn.forward(x).y, expected);
      mix.dispose();
      dyn.dispose();
    }
    ffn.dispose();
  });

  it('the frozen base gets no gradient and no update; the LoRA factors and the router train', () => {
    setSeed(2);
    const ffn = new GeluFFN(8, 12);
    const layer = new MixLoraLayer({ dim: 8, hidden: 12, numExperts: 4, topK: 2, rank: 2 });
    layer.loadBase(ffn);
    const base = layer.experts.base.namedParameters().map(([, v]) => v);
    expect(base.every((v) => !v.trainable)).toBe(true);
    expect(layer.countParams(true)).toBe(layer.countParams() - ffn.countParams());
    const x = tf.randomNormal([10, 8]);
    const target = tf.randomNormal([10, 8]);
    const loss = (): tf.Scalar => {
      const { y, aux } = layer.forward(x);
      return tf.add(tf.mean(tf.square(tf.sub(y, target))), aux.losses.aux) as tf.Scalar;
    };
    const { grads, value } = tf.variableGrads(loss);
    value.dispose();
    for (const v of base) expect(grads[v.name]).toBeUndefined();
    const trained = [layer.experts.loraB1, layer.experts.loraB2, ...layer.router.parameters()];
    for (const v of trained) expect(tf.norm(grads[v.name]).dataSync()[0]).toBeGreaterThan(0);
    const before = base.map((v) => Array.from(v.dataSync()));
    const b1 = Array.from(layer.experts.loraB1.dataSync());
    const opt = new AdamW(layer, { lr: 1e-2 });
    opt.minimize(loss);
    base.forEach((v, i) => expect(Array.from(v.dataSync())).toEqual(before[i]));
    expect(Array.from(layer.experts.loraB1.dataSync())).not.toEqual(b1);
    opt.dispose();
    layer.dispose();
    ffn.dispose();
  });

  it("MixLoRA's output is Σ_k w_k FFN_k(x) with each expert's merged weights W + s·A B", () => {
    setSeed(3);
    const layer = new MixLoraLayer({ dim: 6, hidden: 10, numExperts: 3, topK: 2, rank: 2, alpha: 3 });
    const bank = layer.experts;
    randomiseB(bank);
    layer.eval();
    const x = tf.randomNormal([7, 6]) as tf.Tensor2D;
    const { y } = layer.forward(x);
    const { indices, weights } = layer.router.route(x).assignment as TokenChoice;
    const s = bank.scale;
    expect(s).toBeCloseTo(1.5, 12);
    const expert = (e: number): tf.Tensor2D => {
      const pick = (v: tf.Variable): tf.Tensor2D => tf.squeeze(tf.slice(v, [e, 0, 0], [1, -1, -1]), [0]);
      const w1 = tf.add(bank.base.fc1.weight, tf.mul(s, tf.matMul(pick(bank.loraA1), pick(bank.loraB1))));
      const w2 = tf.add(bank.base.fc2.weight, tf.mul(s, tf.matMul(pick(bank.loraA2), pick(bank.loraB2))));
      const h = tf.add(tf.matMul(x, w1), bank.base.fc1.bias as tf.Variable);
      return tf.add(tf.matMul(gelu(h), w2), bank.base.fc2.bias as tf.Variable) as tf.Tensor2D;
    };
    const outs = [0, 1, 2].map((e) => rows(expert(e)));
    const idx = rows(indices);
    const w = rows(weights);
    const got = rows(y);
    for (let t = 0; t < 7; t++) {
      for (let d = 0; d < 6; d++) {
        const want = w[t][0] * outs[idx[t][0]][t][d] + w[t][1] * outs[idx[t][1]][t][d];
        expect(got[t][d]).toBeCloseTo(want, 4);
      }
    }
    layer.dispose();
  });

  it('the dense and sorted paths of the LoRA bank agree, values and gradients', () => {
    setSeed(4);
    const bank = new LoraExperts({ numExperts: 3, dim: 5, hidden: 7, rank: 2 });
    randomiseB(bank);
    const x = tf.randomNormal([6, 5]) as tf.Tensor2D;
    const all = bank.forwardAll(x); // [3, 6, 5]
    const sorted = bank.forwardSorted(tf.concat([x, x, x]) as tf.Tensor2D, [6, 6, 6]);
    close(tf.reshape(all, [18, 5]), sorted, 4);
    const r = tf.randomNormal([18, 5]);
    const g1 = tf.variableGrads(
      () => tf.sum(tf.mul(tf.reshape(bank.forwardAll(x), [18, 5]), r)) as tf.Scalar,
    );
    const g2 = tf.variableGrads(
      () =>
        tf.sum(tf.mul(bank.forwardSorted(tf.concat([x, x, x]) as tf.Tensor2D, [6, 6, 6]), r)) as tf.Scalar,
    );
    for (const name of Object.keys(g1.grads)) close(g1.grads[name], g2.grads[name], 3);
    expect(bank.paramsPerExpert()).toBe(2 * 2 * (5 + 7));
    expect(() => new LoraExperts({ numExperts: 2, dim: 4, hidden: 8, rank: 5 })).toThrow(/rank/);
    bank.dispose();
  });
});

describe('Tsallis entropy (DynMoLE)', () => {
  it('matches hand-computed values', () => {
    const p = tf.tensor2d([
      [0.7, 0.2, 0.1],
      [1, 0, 0],
      [1 / 3, 1 / 3, 1 / 3],
    ]);
    // q = 2: 1 - Σ p² → 1 - (0.49 + 0.04 + 0.01) = 0.46; one-hot 0; uniform 1 - 1/3.
    close(tsallisEntropy(p, 2), tf.tensor1d([0.46, 0, 2 / 3]), 5);
    // q = 1.1: (1 - (0.7^1.1 + 0.2^1.1 + 0.1^1.1)) / 0.1 = 0.748264; uniform (1 - 3^-0.1) / 0.1.
    close(tsallisEntropy(p, 1.1), tf.tensor1d([0.748264, 0, (1 - 3 ** -0.1) / 0.1]), 4);
    // q = 0.5: (1 - Σ √p) / -0.5 = 1.200203.
    close(tsallisEntropy(p, 0.5).slice(0, 1), tf.tensor1d([1.200203]), 4);
    // q → 1: the Shannon entropy (nats).
    const shannon = -(0.7 * Math.log(0.7) + 0.2 * Math.log(0.2) + 0.1 * Math.log(0.1));
    expect(tsallisEntropy(p, 1.0005).dataSync()[0]).toBeCloseTo(shannon, 2);
    expect(() => tsallisEntropy(p, 1)).toThrow(/q/);
    // The loss is the mean over the (real) tokens.
    expect(tsallisEntropyLoss(p, 2).dataSync()[0]).toBeCloseTo((0.46 + 2 / 3) / 3, 5);
    expect(tsallisEntropyLoss(p, 2, tf.tensor1d([1, 0, 0])).dataSync()[0]).toBeCloseTo(0.46, 5);
  });
});

describe("DynMoLE's hybrid routing", () => {
  it('the mask by hand: soft above the threshold, else top-p with at least k', () => {
    const sorted = tf.tensor2d([[0.7, 0.2, 0.1]]) as tf.Tensor2D;
    const low = tf.tensor1d([0.3]);
    const high = tf.tensor1d([1.0]);
    const mask = (e: tf.Tensor1D, topP: number, k: number): number[] =>
      Array.from(hybridRoutingMask(sorted, e, { threshold: 0.9, topP, k }).dataSync());
    expect(mask(low, 0.75, 1)).toEqual([1, 0, 0]);
    expect(mask(low, 0.95, 1)).toEqual([1, 1, 0]);
    expect(mask(low, 0.5, 2)).toEqual([1, 1, 0]);
    expect(mask(high, 0.75, 1)).toEqual([1, 1, 1]);
  });

  it('threshold 0: every token routed softly to every expert with weights p', () => {
    setSeed(5);
    const r = new TsallisHybridRouter({ dim: 6, numExperts: 4, k: 1, q: 1.1, threshold: 0, topP: 0.5 });
    const x = tf.randomNormal([9, 6]) as tf.Tensor2D;
    const { assignment, probs } = r.route(x);
    const { indices, weights } = assignment as TokenChoice;
    expect(indices.shape).toEqual([9, 4]);
    const p = rows(probs);
    const idx = rows(indices);
    rows(weights).forEach((row, t) => row.forEach((w, j) => expect(w).toBeCloseTo(p[t][idx[t][j]], 6)));
    r.dispose();
  });

  it('threshold above the largest entropy: top-p, at least k experts, the rest weight 0, unnormalised', () => {
    setSeed(6);
    const r = new TsallisHybridRouter({ dim: 6, numExperts: 4, k: 2, q: 1.1, threshold: 1000, topP: 0.01 });
    const x = tf.mul(tf.randomNormal([9, 6]), 3) as tf.Tensor2D;
    const { assignment, probs } = r.route(x);
    const { indices, weights } = assignment as TokenChoice;
    const p = rows(probs);
    const idx = rows(indices);
    rows(weights).forEach((row, t) => {
      const order = [...p[t]].sort((a, b) => b - a);
      expect(p[t][idx[t][0]]).toBeCloseTo(order[0], 6);
      expect(row[0]).toBeCloseTo(order[0], 6);
      expect(row[1]).toBeCloseTo(order[1], 6);
      expect(row[2]).toBe(0);
      expect(row[3]).toBe(0);
    });
    r.dispose();
  });

  it("the layer's losses: Tsallis entropy and load balance on the kept weights, by their coefficients", () => {
    setSeed(7);
    const layer = new DynMoleLayer({
      dim: 6,
      hidden: 8,
      numExperts: 4,
      topK: 1,
      rank: 2,
      q: 2,
      threshold: 0.5,
      topP: 0.6,
      losses: { aux: 0.02, entropy: 0.05 },
    });
    layer.eval();
    const x = tf.randomNormal([12, 6]) as tf.Tensor2D;
    const { aux } = layer.forward(x);
    const route = layer.router.route(x);
    const p = rows(route.probs);
    const entropy = p.map((row) => 1 - row.reduce((s, v) => s + v * v, 0));
    expect(aux.losses.entropy.dataSync()[0]).toBeCloseTo((0.05 * entropy.reduce((s, v) => s + v, 0)) / 12, 5);
    const { indices, weights } = route.assignment as TokenChoice;
    const w = rows(weights);
    const idx = rows(indices);
    const kept = [0, 1, 2, 3].map((e) => w.reduce((s, row, t) => s + row[idx[t].indexOf(e)], 0) / 12);
    const mean = [0, 1, 2, 3].map((e) => p.reduce((s, row) => s + row[e], 0) / 12);
    const balance = 4 * kept.reduce((s, v, e) => s + v * mean[e], 0);
    expect(aux.losses.aux.dataSync()[0]).toBeCloseTo(0.02 * balance, 5);
    // Tokens above the threshold run every expert; others keep fewer.
    const active = w.map((row) => row.filter((v) => v > 0).length);
    entropy.forEach((s, t) => (s > 0.5 ? expect(active[t]).toBe(4) : expect(active[t]).toBeLessThan(4)));
    layer.dispose();
  });

  it('configs are strict and bounded', () => {
    expect(() =>
      parseConfig(MixLoraConfigSchema, { dim: 8, hidden: 8, numExperts: 4, topK: 2, rank: 2, rnak: 1 }, 'm'),
    ).toThrow(/rnak/);
    expect(() =>
      parseConfig(MixLoraConfigSchema, { dim: 8, hidden: 8, numExperts: 2, topK: 3, rank: 2 }, 'm'),
    ).toThrow(/topK/);
    expect(() =>
      parseConfig(DynMoleConfigSchema, { dim: 8, hidden: 8, numExperts: 4, topK: 1, rank: 2, q: 1 }, 'd'),
    ).toThrow(/q/);
    const c = parseConfig(DynMoleConfigSchema, { dim: 8, hidden: 8, numExperts: 4, topK: 1, rank: 2 }, 'd');
    expect([c.q, c.threshold, c.topP, c.losses.entropy]).toEqual([1.1, 0.9, 0.75, 0.01]);
  });
});
