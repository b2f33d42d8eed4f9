import {
  ConfigError,
  countAssignments,
  GeluFFN,
  initBackend,
  moduleCosts,
  RoutedLayer,
  setSeed,
  switchAuxLoss,
  tf,
} from '@moe-zoo/core';
import {
  armGroups,
  evaluateVqa,
  GroupRoutedMoE,
  loadDigitImages,
  makeVqaSet,
  MOIIE_ARMS,
  trainVqa,
  upcycleArm,
  vqaBatch,
  vqaTokenizer,
  VqaTransformer,
  widenFfn,
  withPatchTokens,
  type VqaTransformer as Model,
} from '../src';

const D = 16;

function moiie(aux = 0.001) {
  return new GroupRoutedMoE({ dim: D, hidden: 8, numExperts: 4, topK: 2, groups: armGroups('moiie'), aux });
}

/** A MoIIE layer with extra config fields (for validation checks). */
function moiieWith(extra: Record<string, unknown>) {
  return new GroupRoutedMoE({
    dim: D,
    hidden: 8,
    numExperts: 4,
    topK: 2,
    groups: armGroups('moiie'),
    ...extra,
  });
}

/** 40 tokens: image tokens first, then text, the last 5 padding. */
function tokens() {
  const x = tf.randomNormal([40, D], 0, 1, 'float32', 3) as tf.Tensor2D;
  const modality = tf.tensor1d(
    Array.from({ length: 40 }, (_, t) => (t < 24 ? 1 : 0)),
    'int32',
  );
  const valid = tf.tensor1d(Array.from({ length: 40 }, (_, t) => (t < 35 ? 1 : 0)));
  return { x, modality, valid };
}

describe('GroupRoutedMoE', () => {
  beforeAll(async () => {
    await initBackend();
  });

  it('routes image tokens over {V,S1,S2} and text tokens over {S1,S2,L} with renormalised top-2 softmax', () => {
    setSeed(1);
    const layer = moiie();
    const { x, modality, valid } = tokens();
    expect(layer).toBeInstanceOf(RoutedLayer);
    tf.tidy(() => {
      const out = layer.forward(x, { modality, valid });
      const { indices, probs } = out.aux;
      const idx = indices.arraySync() as number[][];
      const p = probs.arraySync() as number[][];
      idx.forEach((row, t) => {
        const allowed = t < 24 ? [0, 1, 2] : [1, 2, 3];
        expect(new Set(row).size).toBe(2);
        row.forEach((e) => expect(allowed).toContain(e));
        const outside = [0, 1, 2, 3].filter((e) => !allowed.includes(e));
        outside.forEach((e) => expect(p[t][e]).toBe(0));
        expect(p[t].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      });
      // Reference: the subset softmax, top-2, renormalised, mixing the experts' outputs.
      const all = layer.experts.forwardAll(x).arraySync() as number[][][];
      const y = out.y.arraySync() as number[][];
      const logits = [
        tf.matMul(x, layer.routers[0].weight).arraySync() as number[][],
        tf.matMul(x, layer.routers[1].weight).arraySync() as number[][],
      ];
      for (let t = 0; t < 40; t++) {
        const g = t < 24 ? 0 : 1;
        const subset = g === 0 ? [0, 1, 2] : [1, 2, 3];
        const z = logits[g][t];
        const ez = z.map((v) => Math.exp(v - Math.max(...z)));
        const pr = ez.map((v) => v / ez.reduce((a, b) => a + b, 0));
        const order = [0, 1, 2].sort((a, b) => pr[b] - pr[a]).slice(0, 2);
        const wsum = pr[order[0]] + pr[order[1]];
        for (let dIdx = 0; dIdx < D; dIdx++) {
          const ref = order.reduce((s, j) => s + (pr[j] / wsum) * all[subset[j]][t][dIdx], 0);
          expect(y[t][dIdx]).toBeCloseTo(ref, 4);
        }
      }
    });
    tf.dispose([x, modality, valid]);
    layer.dispose();
  });

  it('adds one balance loss per router over its own non-pad tokens (0.001 x Switch loss)', () => {
    setSeed(2);
    const layer = moiie(0.001);
    const { x, modality, valid } = tokens();
    tf.tidy(() => {
      const { aux } = layer.forward(x, { modality, valid });
      expect(Object.keys(aux.losses).sort()).toEqual(['aux_txt', 'aux_vis']);
      // Image tokens 0..23 (all valid): Switch loss over experts {0, 1, 2}, as core computes it.
      const imgProbs = tf.gather(tf.slice(aux.probs, [0, 0], [24, 4]), tf.tensor1d([0, 1, 2], 'int32'), 1);
      const imgCounts = tf.slice(
        countAssignments(tf.slice(aux.indices, [0, 0], [24, 2]) as tf.Tensor2D, 4),
        [0],
        [3],
      );
      const refVis = switchAuxLoss(imgProbs as tf.Tensor2D, imgCounts as tf.Tensor1D).dataSync()[0];
      expect(aux.losses.aux_vis.dataSync()[0]).toBeCloseTo(0.001 * refVis, 7);
      // Text tokens 24..34 only (35..39 are padding).
      const txtProbs = tf.gather(tf.slice(aux.probs, [24, 0], [11, 4]), tf.tensor1d([1, 2, 3], 'int32'), 1);
      const txtCounts = tf.slice(
        countAssignments(tf.slice(aux.indices, [24, 0], [11, 2]) as tf.Tensor2D, 4),
        [1],
        [3],
      );
      const refTxt = switchAuxLoss(txtProbs as tf.Tensor2D, txtCounts as tf.Tensor1D).dataSync()[0];
      expect(aux.losses.aux_txt.dataSync()[0]).toBeCloseTo(0.001 * refTxt, 7);
      // The loads count the 35 real tokens only; aux.valid is the mask.
      const real = countAssignments(tf.slice(aux.indices, [0, 0], [35, 2]) as tf.Tensor2D, 4);
      expect(Array.from(aux.counts.dataSync())).toEqual(Array.from(real.dataSync()));
      expect(Array.from(aux.valid?.dataSync() ?? [])).toEqual(Array.from(valid.dataSync()));
      // Without valid, the padding counts again (in the loads and in the text router's loss).
      const unmasked = layer.forward(x, { modality }).aux;
      expect(unmasked.counts.sum().dataSync()[0]).toBe(80);
      expect(unmasked.valid).toBeUndefined();
      expect(unmasked.losses.aux_vis.dataSync()[0]).toBeCloseTo(aux.losses.aux_vis.dataSync()[0], 9);
      expect(unmasked.losses.aux_txt.dataSync()[0]).not.toBeCloseTo(aux.losses.aux_txt.dataSync()[0], 9);
    });
    tf.dispose([x, modality, valid]);
    layer.dispose();
  });

  it('sends gradients to both routers and to the experts', () => {
    setSeed(3);
    const layer = moiie(0.01);
    const { x, modality, valid } = tokens();
    const { grads } = tf.variableGrads(() => {
      const { y, aux } = layer.forward(x, { modality, valid });
      return tf.addN([tf.mean(tf.square(y)), ...Object.values(aux.losses)]) as tf.Scalar;
    }, layer.parameters());
    const norms = Object.fromEntries(
      layer.namedParameters().map(([n, v]) => [n, tf.norm(grads[v.name]).dataSync()[0]]),
    );
    expect(norms['router_vis.weight']).toBeGreaterThan(0);
    expect(norms['router_txt.weight']).toBeGreaterThan(0);
    expect(norms['experts.w1']).toBeGreaterThan(0);
    tf.dispose([x, modality, valid, ...Object.values(grads)]);
    layer.dispose();
  });

  it('router gain: the same routing at step 0, gradients on the router weights gain times larger', () => {
    const { x, modality, valid } = tokens();
    const gains = [1, 5];
    const layers = gains.map((routerGain) => {
      setSeed(4);
      return new GroupRoutedMoE({
        dim: D,
        hidden: 8,
        numExperts: 4,
        topK: 2,
        groups: armGroups('moiie'),
        routerGain,
      });
    });
    const [plain, fast] = layers;
    const w = (l: GroupRoutedMoE) => l.routers[0].weight.arraySync() as number[][];
    w(fast)
      .flat()
      .forEach((v, i) => expect(v).toBeCloseTo(w(plain).flat()[i] / 5, 7));
    const probs = layers.map((l) => tf.tidy(() => l.forward(x, { modality, valid }).aux.probs.arraySync()));
    probs[1].flat().forEach((v, i) => expect(v).toBeCloseTo(probs[0].flat()[i], 5));
    // d logits / d W is gain · x: Adam's normalised steps then move the logits gain times as far.
    const grad = (l: GroupRoutedMoE) =>
      tf.tidy(() => {
        const { grads } = tf.variableGrads(
          () => tf.mean(tf.square(l.forward(x, { modality, valid }).y)) as tf.Scalar,
          [l.routers[0].weight],
        );
        return Array.from(grads[l.routers[0].weight.name].dataSync());
      });
    const [g1, g5] = layers.map(grad);
    expect(Math.max(...g1.map(Math.abs))).toBeGreaterThan(0);
    g5.forEach((v, i) => expect(v).toBeCloseTo(5 * g1[i], 4));
    expect(() => moiieWith({ routerGain: 0 })).toThrow(/routerGain/);
    tf.dispose([x, modality, valid]);
    layers.forEach((l) => l.dispose());
  });

  it("router gain per group: only that group's router is rescaled, the routing at step 0 is unchanged", () => {
    const { x, modality, valid } = tokens();
    const build = (visGain?: number) => {
      setSeed(4);
      const [vis, txt] = armGroups('moiie');
      return new GroupRoutedMoE({
        dim: D,
        hidden: 8,
        numExperts: 4,
        topK: 2,
        groups: [{ ...vis, ...(visGain !== undefined ? { routerGain: visGain } : {}) }, txt],
      });
    };
    const [plain, visFast] = [build(), build(5)];
    const w = (l: GroupRoutedMoE, gi: number) => (l.routers[gi].weight.arraySync() as number[][]).flat();
    w(visFast, 0).forEach((v, i) => expect(v).toBeCloseTo(w(plain, 0)[i] / 5, 7));
    expect(w(visFast, 1)).toEqual(w(plain, 1));
    const probs = [plain, visFast].map((l) =>
      tf.tidy(() => l.forward(x, { modality, valid }).aux.probs.arraySync()),
    );
    probs[1].flat().forEach((v, i) => expect(v).toBeCloseTo(probs[0].flat()[i], 5));
    expect(() => build(0)).toThrow(/routerGain/);
    tf.dispose([x, modality, valid]);
    [plain, visFast].forEach((l) => l.dispose());
  });

  it('validates its config, naming the field', () => {
    const base = { dim: 8, hidden: 8, numExperts: 4, topK: 2 };
    expect(
      () => new GroupRoutedMoE({ ...base, groups: [{ name: 'a', modalities: [0], experts: [0] }] }),
    ).toThrow(/topK/);
    expect(
      () =>
        new GroupRoutedMoE({
          ...base,
          groups: [
            { name: 'a', modalities: [0], experts: [0, 1] },
            { name: 'b', modalities: [0], experts: [2, 3] },
          ],
        }),
    ).toThrow(/groups\.1\.modalities/);
    expect(
      () => new GroupRoutedMoE({ ...base, groups: [{ name: 'a', modalities: [0], experts: [0, 9] }] }),
    ).toThrow(ConfigError);
    const layer = moiie();
    const { x, valid } = tokens();
    const modality = tf.fill([40], 2, 'int32') as tf.Tensor1D;
    const n0 = tf.memory().numTensors;
    expect(() => layer.forward(x, { modality, valid })).toThrow(/no routing group covers/);
    expect(() => layer.forward(x, { valid })).toThrow(/ctx\.modality/);
    expect(tf.memory().numTensors).toBe(n0);
    tf.dispose([x, valid, modality]);
    layer.dispose();
  });

  it('leaves nothing behind but y and the aux tensors outside tf.tidy', () => {
    setSeed(4);
    const layer = moiie();
    const { x, modality, valid } = tokens();
    const n0 = tf.memory().numTensors;
    const { y, aux } = layer.forward(x, { modality, valid });
    const kept = [
      y,
      aux.counts,
      aux.probs,
      aux.dropped,
      aux.indices,
      aux.valid,
      ...Object.values(aux.losses),
    ];
    expect(tf.memory().numTensors).toBe(n0 + kept.length);
    tf.dispose(kept.filter((t) => t !== undefined));
    expect(tf.memory().numTensors).toBe(n0);
    tf.dispose([x, modality, valid]);
    layer.dispose();
  });
});

describe('MoIIE arms', () => {
  const tok = vqaTokenizer();
  const set = withPatchTokens(makeVqaSet(loadDigitImages(0, 16), { n: 160, seed: 0, tokenizer: tok }), 7);
  let base: Model;

  beforeAll(async () => {
    await initBackend();
    setSeed(0);
    base = new VqaTransformer({
      vocabSize: tok.vocabSize,
      patchDim: 49,
      dim: D,
      heads: 2,
      hidden: 24,
      depth: 4,
    });
  });
  afterAll(() => base.dispose());

  it('upcycles without changing the function, with equal expert and active parameters across arms', () => {
    const batch = vqaBatch(set, [0, 1, 2, 3, 4, 5, 6, 7]);
    const ref = tf.tidy(() => base.forward(batch).logits.arraySync());
    const counts: Record<string, { total: number; active: number; flopsPerToken: number }> = {};
    for (const arm of MOIIE_ARMS) {
      setSeed(1);
      const model = upcycleArm(base, arm, { noise: 0 });
      const out = tf.tidy(() => model.forward(batch).logits.arraySync());
      out.flat().forEach((v, i) => expect(v).toBeCloseTo(ref.flat()[i], 4));
      // The blocks hand the slots the padding mask: loads count the 8 x 16 image tokens and the
      // non-pad question tokens only, 2 experts each.
      tf.tidy(() => {
        const real = 8 * 16 + tf.sum(tf.notEqual(batch.question, 0)).dataSync()[0];
        const { aux } = model.forward(batch);
        expect(aux).toHaveLength(arm === 'dense' ? 0 : 2);
        for (const a of aux) {
          expect(a.valid?.sum().dataSync()[0]).toBe(real);
          expect(a.counts.sum().dataSync()[0]).toBe(2 * real);
        }
      });
      counts[arm] = moduleCosts(model, 24);
      model.dispose();
    }
    const moeLayers = 2; // blocks 1 and 3
    // Same four experts everywhere: totals differ only by the routers (vanilla 4D, modality 2 x 2D, MoIIE 2 x 3D).
    expect(counts.vanilla.total).toBe(counts.modality.total);
    expect(counts.moiie.total - counts.vanilla.total).toBe(moeLayers * 2 * D);
    // Active: 2 experts + the token's router; the dense twin (width 2H) has one output bias fewer.
    expect(counts.vanilla.active - counts.dense.active).toBe(moeLayers * (4 * D + D));
    expect(counts.modality.active - counts.dense.active).toBe(moeLayers * (2 * D + D));
    expect(counts.moiie.active - counts.dense.active).toBe(moeLayers * (3 * D + D));
    for (const arm of MOIIE_ARMS)
      expect(Math.abs(counts[arm].active / counts.dense.active - 1)).toBeLessThan(0.02);
    // FLOPs per token: 2 experts (= the dense twin's FFN) plus the token's router (2 · D · S).
    expect(counts.vanilla.flopsPerToken - counts.dense.flopsPerToken).toBe(moeLayers * 2 * D * 4);
    expect(counts.modality.flopsPerToken - counts.dense.flopsPerToken).toBe(moeLayers * 2 * D * 2);
    expect(counts.moiie.flopsPerToken - counts.dense.flopsPerToken).toBe(moeLayers * 2 * D * 3);
    tf.dispose([batch.image, batch.question, batch.answer].filter((t) => t !== undefined));
  });

  it("up-cycles every block with layers: 'all', still the same function", () => {
    const batch = vqaBatch(set, [0, 1, 2]);
    const ref = tf.tidy(() => base.forward(batch).logits.arraySync()).flat();
    setSeed(1);
    const model = upcycleArm(base, 'moiie', { noise: 0, layers: 'all', routerGain: 3 });
    expect(model.blocks.map((b) => b.ffn instanceof GroupRoutedMoE)).toEqual([true, true, true, true]);
    expect((model.blocks[0].ffn as GroupRoutedMoE).config.routerGain).toBe(3);
    tf.tidy(() => {
      const { logits, aux } = model.forward(batch);
      expect(aux).toHaveLength(4);
      logits
        .arraySync()
        .flat()
        .forEach((v, i) => expect(v).toBeCloseTo(ref[i], 4));
    });
    const dense = upcycleArm(base, 'dense', { layers: 'all' });
    expect(dense.blocks.map((b) => (b.ffn instanceof GeluFFN ? b.ffn.hidden : 0))).toEqual([48, 48, 48, 48]);
    expect(() => upcycleArm(base, 'moiie', { layers: 'even' as never })).toThrow(/layers/);
    const visFast = upcycleArm(base, 'moiie', { noise: 0, routerGain: { vis: 5 } });
    const groups = (visFast.blocks[1].ffn as GroupRoutedMoE).config.groups;
    expect(groups.map((g) => [g.name, g.routerGain])).toEqual([
      ['vis', 5],
      ['txt', 1],
    ]);
    expect(() => upcycleArm(base, 'modality', { routerGain: { text: 5 } })).toThrow(
      /routerGain\.text: arm modality has no routing group "text" \(its groups: vis, txt\)/,
    );
    tf.dispose([batch.image, batch.question, batch.answer].filter((t) => t !== undefined));
    model.dispose();
    dense.dispose();
    visFast.dispose();
  });

  it('evaluates routing by modality: disjoint experts for the modality MoE, entropy in [0, 1]', async () => {
    setSeed(4);
    const dense = upcycleArm(base, 'dense');
    expect((await evaluateVqa(dense, set)).entropy).toBeUndefined();
    dense.dispose();
    for (const arm of ['modality', 'moiie'] as const) {
      setSeed(4);
      const model = upcycleArm(base, arm);
      const ev = await evaluateVqa(model, set);
      const { usage, entropy } = ev;
      if (!usage || !entropy) throw new Error('no routing');
      const outside = arm === 'modality' ? { image: [2, 3], text: [0, 1] } : { image: [3], text: [0] };
      for (const side of ['image', 'text'] as const) {
        expect(usage[side].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
        for (const e of outside[side]) expect(usage[side][e]).toBe(0);
        expect(entropy[side]).toBeGreaterThan(0);
        expect(entropy[side]).toBeLessThanOrEqual(1 + 1e-6);
      }
      model.dispose();
    }
  });

  it('widens a dense FFN to the same function', () => {
    setSeed(2);
    const ffn = base.blocks[1].ffn as Parameters<typeof widenFfn>[0];
    const wide = widenFfn(ffn, 0);
    expect(wide.hidden).toBe(2 * ffn.hidden);
    const x = tf.randomNormal([5, D]);
    const a = ffn.forward(x).dataSync();
    wide
      .forward(x)
      .dataSync()
      .forEach((v, i) => expect(v).toBeCloseTo(a[i], 5));
    tf.dispose(x);
    wide.dispose();
  });

  it("trains a MoIIE arm: the loss falls and the trainer adds both routers' balance terms", async () => {
    setSeed(3);
    const model = upcycleArm(base, 'moiie');
    const r = await trainVqa(model, set, { epochs: 2, batchSize: 32, seed: 0 });
    expect(r.maxVio.length).toBe(r.losses.length);
    expect(r.losses.at(-1)).toBeLessThan(r.losses[0]);
    expect(Object.keys(r.auxLosses).sort()).toEqual(['aux_txt', 'aux_vis']);
    // Each is 0.001 x a Switch loss in (0, S = 3] summed over the 2 MoE layers.
    for (const v of Object.values(r.auxLosses).flat()) {
      expect(v).toBeGreaterThan(0);
      expect(v).toBeLessThanOrEqual(0.001 * 3 * 2 + 1e-6);
    }
    model.dispose();
  });
});
