import { ConfigError, initBackend, Linear, MultiHeadAttention, setSeed, tf } from '@moe-zoo/core';
import {
  AnswerHead,
  ANSWERS,
  CoarseRouter,
  FusionAnswerer,
  GroupedCrossAttention,
  maskedTopKGate,
  MoVA,
  onTypeShares,
  STRICT_ROUTING_RULE,
  randomRouting,
  routedFromProbs,
  routingAgreement,
  routingLabels,
  selectTopK,
  emptyRouting,
  WORDS,
  type RoutedExpertTokens,
} from '../src';
import { selectTopKOnDevice } from '../src/model/gating';

function makeMoVA(seed = 1, gating: 'learned' | 'uniform' = 'learned'): MoVA {
  setSeed(seed);
  return new MoVA({
    baseDim: 12,
    tokens: 16,
    experts: 4,
    expertDim: 8,
    dim: 16,
    heads: 2,
    blocks: 2,
    gating,
    vocabSize: WORDS.length,
    numAnswers: ANSWERS.length,
  });
}

describe('MoVA building blocks', () => {
  beforeAll(async () => {
    await initBackend();
  });

  it('routing labels follow the paper rule: L_j < L_0, at most 3, lowest losses kept', () => {
    const base = [1.0, 0.2, 2.0];
    const experts = [
      [0.5, 1.2, 0.9, 0.1], // three below 1.0
      [0.3, 0.2, 0.25, 0.1], // only the last is strictly below 0.2 (0.2 is not)
      [1.0, 1.5, 1.9, 0.2], // all four below 2.0 -> keep the three lowest
    ].flat();
    expect(Array.from(routingLabels(base, experts))).toEqual([1, 0, 1, 1, 0, 0, 0, 1, 1, 1, 0, 1]);
    expect(Array.from(routingLabels(base, experts, { maxExperts: 1, margin: 0 }))).toEqual([
      0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1,
    ]);
    expect(Array.from(routingLabels(base, experts, { margin: 0.5 }))).toEqual([
      0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1,
    ]);
    expect(() => routingLabels([1, 2], [1, 2, 3])).toThrow(/3 expert losses do not fit 2 samples/);
  });

  it('the strict rule needs a loss drop above the margin 0.02 and keeps the single lowest loss', () => {
    const base = [0.5, 0.03, 1.0, 0.3];
    const experts = [
      [0.49, 0.47, 0.4, 0.6], // drops 0.01, 0.03, 0.1, -0.1: experts 1 and 2 clear 0.02; keep 0.4
      [0.0, 0.005, 0.02, 0.03], // drops 0.03, 0.025, 0.01, 0: the first two clear 0.02; keep 0.0
      [0.985, 0.99, 0.981, 2.0], // drops 0.015, 0.01, 0.019: none clears 0.02
      [0.1, 0.1, 0.2, 0.29], // a tie at the lowest loss goes to the lower index
    ].flat();
    expect(Array.from(routingLabels(base, experts, STRICT_ROUTING_RULE))).toEqual([
      0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    ]);
    // The same margin with the paper's at most 3.
    expect(Array.from(routingLabels(base, experts, { margin: 0.02 }))).toEqual([
      0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0,
    ]);
    expect(() => routingLabels(base, experts, { margin: -0.1 })).toThrow(ConfigError);
    expect(() => routingLabels(base, experts, { maxExperts: 0 })).toThrow(/maxExperts/);
  });

  it('the relative rule keeps only experts whose loss drop is at least a fraction of the best drop', () => {
    const base = [1.0, 0.5];
    const experts = [
      [0.2, 0.5, 0.55, 0.9], // drops 0.8, 0.5, 0.45, 0.1
      [0.45, 0.4, 0.6, 0.1], // drops 0.05, 0.1, -0.1, 0.4
    ].flat();
    expect(Array.from(routingLabels(base, experts))).toEqual([1, 1, 1, 0, 1, 1, 0, 1]);
    expect(Array.from(routingLabels(base, experts, { relative: 0.5 }))).toEqual([1, 1, 1, 0, 0, 0, 0, 1]);
    expect(Array.from(routingLabels(base, experts, { relative: 0.7 }))).toEqual([1, 0, 0, 0, 0, 0, 0, 1]);
    // A sample where no expert lowers the loss gets no label, whatever the fraction.
    expect(Array.from(routingLabels([0.1], [0.2, 0.3, 0.1, 0.4], { relative: 0.5 }))).toEqual([0, 0, 0, 0]);
    expect(() => routingLabels(base, experts, { relative: 1.5 })).toThrow(ConfigError);
  });

  it("measures each content type's share of its own expert and of the others in a mask", () => {
    // 2 experts; types [0, 0, 1, 1, 1]
    const mask = Uint8Array.from([1, 0, 1, 1, 0, 1, 0, 0, 1, 1]);
    const shares = onTypeShares(mask, [0, 0, 1, 1, 1], 2);
    expect(shares[0]).toEqual({ onType: 1, offType: 0.5, n: 2 });
    expect(shares[1].onType).toBeCloseTo(2 / 3);
    expect(shares[1].offType).toBeCloseTo(1 / 3);
    // 3 experts, one sample of type 2, none of types 0 and 1.
    const three = onTypeShares(Uint8Array.from([1, 0, 1]), [2], 3);
    expect(three[2]).toEqual({ onType: 1, offType: 0.5, n: 1 });
    expect(three[0].n).toBe(0);
    expect(three[0].onType).toBeNaN();
    expect(() => onTypeShares(mask, [0, 1], 2)).toThrow(/expected 2 x 2/);
    expect(() => onTypeShares(Uint8Array.from([1, 0]), [2], 2)).toThrow(/type 2/);
  });

  it('warns when the routing selects no expert for some or all samples, and not otherwise', () => {
    expect(emptyRouting(Uint8Array.from([1, 0, 0, 1, 1, 1]), 2)).toEqual({ samples: 0, of: 3 });
    const some = emptyRouting(Uint8Array.from([1, 0, 0, 0, 0, 0]), 2);
    expect(some.samples).toBe(2);
    expect(some.warning).toMatch(/router selected 0 experts for 2 of 3 samples/);
    expect(emptyRouting(new Uint8Array(8), 4).warning).toMatch(/router selected 0 experts for all 2 samples/);
  });

  it('measures routing precision / recall and keeps subset sizes under random routing', () => {
    const labels = Uint8Array.from([1, 0, 0, 1, 0, 1, 0, 0]);
    const pred = Uint8Array.from([1, 1, 0, 0, 0, 1, 0, 0]);
    const ag = routingAgreement(pred, labels, 4);
    expect(ag.precision).toBeCloseTo(2 / 3);
    expect(ag.recall).toBeCloseTo(2 / 3);
    expect(ag.exactMatch).toBe(0.5);
    expect(ag.expertsPerSample).toBe(1.5);
    let s = 0;
    const rng = () => (s = (s * 9301 + 49297) % 233280) / 233280;
    const like = Uint8Array.from([1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0]);
    const r = randomRouting(like, 4, rng);
    for (let i = 0; i < 3; i++) {
      const sum = (a: Uint8Array) => a.subarray(i * 4, i * 4 + 4).reduce((x, y) => x + y, 0);
      expect(sum(r)).toBe(sum(like));
    }
    expect(Array.from(routedFromProbs([0.9, 0.6, 0.7, 0.8, 0.1, 0.2, 0.3, 0.4], 4))).toEqual([
      1, 0, 1, 1, 0, 0, 0, 0,
    ]);
  });

  it('masked gating: softmax over the routed top-k, renormalised; unrouted rows get nothing', () => {
    const logits = tf.tensor2d(
      [
        [2, 1, 0, -1],
        [0, 0, 0, 0],
        [3, 2, 1, 0],
        [5, 5, 5, 5],
      ],
      [4, 4],
    );
    const routed = Uint8Array.from([1, 1, 1, 1, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0]);
    const { weights, selected, pairs } = maskedTopKGate(logits, routed, 3);
    expect(pairs).toBe(6); // min(3, routed) per row: 3 + 2 + 0 + 1
    const w = weights.arraySync();
    // Row 0: 4 routed -> top-3 (experts 0, 1, 2), renormalised softmax over them.
    const z = Math.exp(2) + Math.exp(1) + Math.exp(0);
    expect(w[0][0]).toBeCloseTo(Math.exp(2) / z, 5);
    expect(w[0][1]).toBeCloseTo(Math.exp(1) / z, 5);
    expect(w[0][2]).toBeCloseTo(1 / z, 5);
    expect(w[0][3]).toBe(0);
    expect(w[1]).toEqual([0, 0.5, 0, 0.5]);
    expect(w[2]).toEqual([0, 0, 0, 0]); // nothing routed
    expect(w[3]).toEqual([1, 0, 0, 0]);
    for (const row of [w[0], w[1], w[3]]) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(Array.from(selected)).toEqual([1, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0]);
    // Gradients reach only the selected logits.
    const g = tf
      .grad((l: tf.Tensor) => {
        const out = maskedTopKGate(l as tf.Tensor2D, routed, 3).weights;
        return tf.sum(tf.mul(out, tf.tensor2d([[1, 2, 3, 4]], [1, 4])));
      })(logits)
      .arraySync() as number[][];
    expect(g[0][3]).toBe(0);
    expect(Math.abs(g[0][0])).toBeGreaterThan(0);
    expect(g[2]).toEqual([0, 0, 0, 0]);
    // Ties (a new, zero-initialised gate) go to different experts on different rows.
    const tie = selectTopK(new Float32Array(8).fill(0.25), new Uint8Array(8).fill(1), 4, 3);
    expect(Array.from(tie)).toEqual([1, 1, 1, 0, 0, 1, 1, 1]);
    tf.dispose([logits, weights]);
  });

  it('selects on the device (no readback: webgpu) exactly what the host selects, ties included', () => {
    const [b, e] = [12, 4];
    // Integer logits: several experts of a row tie, and the rows' tie orders differ.
    const logits = tf.tensor2d(
      Float32Array.from({ length: b * e }, (_, i) => ((i * 7) % 5) - 2),
      [b, e],
    );
    const routed = Uint8Array.from({ length: b * e }, (_, i) => ((i * 3) % 7 < 5 ? 1 : 0));
    const penalty = (mask: ArrayLike<number>) =>
      tf.tensor2d(
        Float32Array.from(mask, (m) => (m ? 0 : -1e9)),
        [b, e],
      );
    for (const k of [1, 2, 3]) {
      const probs = tf.tidy(() => tf.softmax(tf.add(logits, penalty(routed))).dataSync());
      const host = selectTopK(probs, routed, e, k);
      const device = tf.tidy(() => selectTopKOnDevice(logits, routed, k).dataSync());
      expect(Array.from(device)).toEqual(Array.from(host));
      // The gate's weights from the device's selection (its penalty (s - 1) * 1e9) are the host's.
      const hostWeights = maskedTopKGate(logits, routed, k);
      const fromDevice = tf.tidy(() =>
        tf.softmax(tf.add(logits, tf.mul(tf.sub(selectTopKOnDevice(logits, routed, k), 1), 1e9))).dataSync(),
      );
      const w = hostWeights.weights.dataSync();
      routed.forEach((_, i) => {
        const rowRouted = routed.subarray(i - (i % e), i - (i % e) + e).some((m) => m === 1);
        expect(rowRouted ? fromDevice[i] : 0).toBe(w[i]);
      });
      hostWeights.weights.dispose();
    }
    // The selection is a constant: no gradient flows through it.
    const g = tf.grad((l: tf.Tensor) => tf.sum(selectTopKOnDevice(l as tf.Tensor2D, routed, 2)))(logits);
    expect(Array.from(g.dataSync()).every((v) => v === 0)).toBe(true);
    tf.dispose([logits, g]);
  });

  it('grouped cross-attention equals one attention per expert, for pairs in any order', () => {
    setSeed(3);
    const ca = new GroupedCrossAttention({ experts: 3, dim: 8, kvDim: 6, kvTokens: 4, heads: 2 });
    // Give the zero-initialised output projection values so the output is not trivially 0.
    ca.wo.assign(tf.randomNormal([3, 8, 8], 0, 0.3, 'float32', 5));
    ca.bo.assign(tf.randomNormal([3, 8], 0, 0.3, 'float32', 6));
    const q = tf.randomNormal([5, 3, 8], 0, 1, 'float32', 7);
    const kv = tf.randomNormal([5, 4, 6], 0, 1, 'float32', 8);
    const expert = Int32Array.from([2, 0, 2, 1, 0]);
    const got = ca.forward(q, kv, expert).arraySync();
    for (let p = 0; p < 5; p++) {
      const j = expert[p];
      const mha = new MultiHeadAttention(8, 2, { kvDim: 6 });
      const set = (lin: Linear, w: tf.Variable, b: tf.Variable) => {
        lin.weight.assign(tf.gather(w, j));
        (lin.bias as tf.Variable).assign(tf.gather(b, j));
      };
      set(mha.q, ca.wq, ca.bq);
      set(mha.k, ca.wk, ca.bk);
      set(mha.v, ca.wv, ca.bv);
      set(mha.out, ca.wo, ca.bo);
      const ref = tf.tidy(() => {
        const x = tf.add(tf.slice(kv, [p, 0, 0], [1, 4, 6]), tf.gather(ca.pos, [j]));
        const { mean, variance } = tf.moments(x, -1, true);
        const kvn = tf.add(
          tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), tf.gather(ca.lnGain, j)),
          tf.gather(ca.lnBias, j),
        );
        return (mha.forward(tf.slice(q, [p, 0, 0], [1, 3, 8]), kvn).arraySync() as number[][][])[0];
      });
      for (let t = 0; t < 3; t++) for (let c = 0; c < 8; c++) expect(got[p][t][c]).toBeCloseTo(ref[t][c], 4);
      mha.dispose();
    }
    tf.dispose([q, kv]);
    ca.dispose();
  });

  it('starts as the identity: zero-initialised cross-attention and output layers', () => {
    const mova = makeMoVA();
    const x0 = tf.randomNormal([6, 16, 16], 0, 1, 'float32', 11) as tf.Tensor3D;
    const q = tf.randomNormal([6, 16], 0, 1, 'float32', 12) as tf.Tensor2D;
    const feats = tf.randomNormal([10, 16, 8], 0, 1, 'float32', 13) as tf.Tensor3D;
    const routed = Uint8Array.from([1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1]);
    const experts: RoutedExpertTokens = { rows: [], offset: [], tokens: feats };
    let offset = 0;
    for (let j = 0; j < 4; j++) {
      const rows = [0, 1, 2, 3, 4, 5].filter((r) => routed[r * 4 + j]);
      experts.rows.push(Int32Array.from(rows));
      experts.offset.push(offset);
      offset += rows.length;
    }
    expect(offset).toBe(10);
    const stats = { crossRows: 0 };
    const out = mova.adapt(x0, q, routed, experts, stats);
    expect(tf.max(tf.abs(tf.sub(out, x0))).dataSync()[0]).toBe(0);
    // Top-3 of 4 for row 0, everything routed elsewhere, in each of the 2 blocks.
    expect(stats.crossRows).toBe(2 * (3 + 0 + 2 + 1 + 1 + 2));
    tf.dispose([x0, q, feats, out]);
    mova.dispose();
  });

  it('computes only the routed experts, for exactly their rows', () => {
    const mova = makeMoVA(2);
    const base = tf.randomNormal([5, 16, 12], 0, 1, 'float32', 21);
    const words = tf.tensor2d(new Int32Array(5 * 8).fill(1), [5, 8], 'int32');
    const routed = Uint8Array.from([0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0]);
    const calls: [number, number[]][] = [];
    const out = mova.forward(base, words, routed, (j, rows) => {
      calls.push([j, Array.from(rows)]);
      return tf.randomNormal([rows.length, 16, 8]) as tf.Tensor3D;
    });
    expect(calls).toEqual([
      [1, [0, 2]],
      [3, [2, 3]],
    ]);
    expect(out.expertRows).toEqual([0, 2, 0, 2]);
    expect(out.logits.shape).toEqual([5, ANSWERS.length]);
    expect(() => mova.forward(base, words, routed, () => tf.zeros([1, 16, 8]) as tf.Tensor3D)).toThrow(
      /expert 1 provider returned \[1,16,8\], expected \[2,16,8\]/,
    );
    tf.dispose([base, words, out.logits]);
    mova.dispose();
  });

  it('counts FLOPs per sample and per-expert parameters through core moduleCosts', () => {
    // Closed forms (2 FLOPs per multiply-add, biases not counted) with d = 16, l = 16 tokens.
    const d = 16;
    const l = 16;
    const a = ANSWERS.length;
    const head = new AnswerHead({ dim: d, heads: 2, tokens: l, numAnswers: a });
    const k = 4; // readouts
    const headFlops =
      2 * (d * d + 2 * l * d * d + 2 * l * d + d * d) + 2 * (2 * d * d + d * a) + 2 * (l * d * k * a + d * k);
    expect(head.flops()).toBe(headFlops);
    const fusion = new FusionAnswerer({
      inputDim: 40,
      tokens: l,
      dim: d,
      heads: 2,
      blocks: 2,
      vocabSize: WORDS.length,
      numAnswers: a,
    });
    const block = 2 * l * 4 * d * d + 4 * l * l * d + 2 * l * 4 * d * d; // attention + FFN of width 2d
    expect(fusion.flops()).toBe(2 * l * 40 * d + 2 * block + headFlops);
    const router = new CoarseRouter({
      baseDim: 12,
      dim: d,
      heads: 2,
      blocks: 1,
      vocabSize: WORDS.length,
      maxCandidates: 4,
    });
    const m = 4;
    expect(router.flops(m)).toBe(2 * 12 * d + (2 * (2 + m) * 8 * d * d + 4 * (2 + m) ** 2 * d) + 2 * m * d);
    for (const gating of ['learned', 'uniform'] as const) {
      const mova = makeMoVA(1, gating);
      const gate = gating === 'learned' ? 2 * (2 * d * d + d * 4) : 0;
      const adapter = gate + 2 * l * 4 * d * d + 4 * l * l * d + 2 * l * 2 * d * (2 * d);
      const cross = 2 * (l * d * d + 2 * l * 8 * d + l * d * d) + 4 * l * l * d; // 16 query and 16 expert tokens of width 8
      expect(mova.blocks[0].crossFlops(l)).toBe(cross);
      expect(mova.flops(5)).toBe(2 * l * 12 * d + headFlops + 2 * adapter + 5 * cross);
      // Each expert's cross-attention (q, k, v, out, key norm, positions, grid bias) in both blocks.
      const perExpert = 2 * (d * d + d + 2 * (8 * d + d) + d * d + d + 2 * 8 + l * 8 + 2 * 7 * 7);
      expect(mova.expertParams()).toBe(perExpert);
      expect(mova.sharedParams() + 4 * perExpert).toBe(mova.countParams());
      mova.dispose();
    }
    for (const mod of [head, fusion, router]) mod.dispose();
  });
});
