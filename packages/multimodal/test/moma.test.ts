import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend, moduleCosts, RoutedLayer, setSeed, tf } from '@moe-zoo/core';
import {
  auxRouterAgreement,
  encodeImages,
  evaluateLm,
  fitImageCodebook,
  flopsSavings,
  InterleavedLM,
  interleavedTokenizer,
  loadMomaModel,
  makeInterleavedSet,
  loadDigitImages,
  ModalityGroupedMoE,
  MOMA_ARMS,
  movingAverage,
  pairedStandardError,
  saveMomaModel,
  trainAuxRouters,
  trainLm,
  type CollectedRouting,
} from '../src';

beforeAll(async () => {
  await initBackend();
});

/** 14 text, 30 image and 6 padding rows in a fixed shuffled order. */
function modalities(): Uint8Array {
  const m = new Uint8Array(50);
  for (let i = 0; i < 50; i++) m[i] = i < 14 ? 1 : i < 44 ? 2 : 0;
  for (let i = 49; i > 0; i--) {
    const j = (i * 7919) % (i + 1);
    [m[i], m[j]] = [m[j], m[i]];
  }
  return m;
}

describe('ModalityGroupedMoE (MoMa layer)', () => {
  const groups = [
    { name: 'text', modalities: [1], experts: 4 },
    { name: 'image', modalities: [2], experts: 4 },
  ];
  const codesTensor = (m: ArrayLike<number>) => tf.tensor1d(Int32Array.from(m), 'int32');

  it('routes each modality only to its group, with exact expert-choice capacity', async () => {
    setSeed(1);
    const moe = new ModalityGroupedMoE({ dim: 8, hidden: 16, groups });
    expect(moe.layers.every((l) => l instanceof RoutedLayer)).toBe(true);
    const codes = modalities();
    const modality = codesTensor(codes);
    const x = tf.randomNormal([50, 8], 0, 1, 'float32', 3) as tf.Tensor2D;
    const collect: CollectedRouting[] = [];
    const { y, aux } = moe.forward(x, { modality, routing: 'ec', collect });
    // capacity = round(T_M / |E_M|): text round(14/4) = 4, image round(30/4) = 8 (Math.round(7.5) = 8).
    expect(await moe.groupStats(aux, codes)).toEqual([
      { group: 'text', tokens: 14, pairs: 16 },
      { group: 'image', tokens: 30, pairs: 32 },
    ]);
    for (const [c, cap] of [
      [collect[0], 4],
      [collect[1], 8],
    ] as const) {
      expect(c.chosen.shape).toEqual([c.tokens, 4]);
      expect(c.inputs.shape).toEqual([c.tokens, 8]);
      const chosen = c.chosen.dataSync();
      for (let e = 0; e < 4; e++) {
        let load = 0;
        for (let t = 0; t < c.tokens; t++) load += chosen[t * 4 + e];
        expect(load).toBe(cap);
      }
    }
    tf.dispose(collect.flatMap((c) => [c.inputs, c.chosen]));
    // The merged aux: loads per expert of both groups, each expert's chosen rows (global, -1-padded),
    // probabilities only in the row's group columns, padding rows unrouted.
    expect(Array.from(aux.counts.dataSync())).toEqual([4, 4, 4, 4, 8, 8, 8, 8]);
    expect(aux.indices.shape).toEqual([8, 8]);
    const chosen = aux.indices.arraySync() as number[][];
    chosen.forEach((rows, e) => {
      const real = rows.filter((r) => r >= 0);
      expect(real).toHaveLength(e < 4 ? 4 : 8);
      real.forEach((r) => expect(codes[r]).toBe(e < 4 ? 1 : 2));
    });
    const probs = aux.probs.arraySync() as number[][];
    codes.forEach((m, r) => {
      const [text, image] = [probs[r].slice(0, 4), probs[r].slice(4)].map((p) =>
        p.reduce((a, b) => a + b, 0),
      );
      expect([text, image].map((v) => Math.round(v * 1e5) / 1e5)).toEqual(
        m === 1 ? [1, 0] : m === 2 ? [0, 1] : [0, 0],
      );
    });
    expect(Array.from(aux.valid?.dataSync() ?? [])).toEqual(Array.from(codes, (m) => (m > 0 ? 1 : 0)));
    expect(aux.losses).toEqual({}); // expert choice is balanced by construction
    const out = y.arraySync() as number[][];
    codes.forEach((m, r) => m === 0 && expect(out[r].every((v) => v === 0)).toBe(true));
    // Text outputs do not depend on the image tokens or the image experts.
    const textOnlyCodes = codesTensor(codes.map((m) => (m === 1 ? 1 : 0)));
    const textOnly = tf.tidy(() => moe.forward(x, { modality: textOnlyCodes }).y.arraySync()) as number[][];
    moe.experts[1].w2.assign(tf.mul(moe.experts[1].w2, 3));
    const perturbed = tf.tidy(() => moe.forward(x, { modality }).y.arraySync()) as number[][];
    codes.forEach((m, r) => {
      if (m === 1) {
        out[r].forEach((v, j) => expect(textOnly[r][j]).toBeCloseTo(v, 5));
        out[r].forEach((v, j) => expect(perturbed[r][j]).toBeCloseTo(v, 5));
      }
    });
    const imageRowsChanged = codes.some(
      (m, r) => m === 2 && out[r].some((v, j) => Math.abs(perturbed[r][j] - v) > 1e-4),
    );
    expect(imageRowsChanged).toBe(true);
    expect(
      () =>
        new ModalityGroupedMoE({
          dim: 8,
          hidden: 8,
          groups: [...groups, { name: 'x', modalities: [2], experts: 2 }],
        }),
    ).toThrow(/modality 2 is in more than one group/);
    expect(() => moe.forward(x, {})).toThrow(/ctx\.modality/);
    // State-dict names are those of the layer before it was built on RoutedLayer.
    expect(Object.keys(moe.stateDict()).sort()).toEqual(
      [0, 1]
        .flatMap((g) => [
          `experts.${g}.w1`,
          `experts.${g}.w2`,
          `experts.${g}.w3`,
          `routers.${g}.weight`,
          `auxRouters.${g}.fc1.weight`,
          `auxRouters.${g}.fc1.bias`,
          `auxRouters.${g}.fc2.weight`,
          `auxRouters.${g}.fc2.bias`,
        ])
        .sort(),
    );
    moe.dispose();
    tf.dispose([x, y, modality, textOnlyCodes, ...Object.values(aux)]);
  });

  it('routes causally with the auxiliary routers: experts whose aux logit is positive, weighted by the main score', async () => {
    setSeed(3);
    const moe = new ModalityGroupedMoE({ dim: 8, hidden: 16, groups });
    const codes = modalities();
    const modality = codesTensor(codes);
    const x = tf.randomNormal([50, 8], 0, 1, 'float32', 5) as tf.Tensor2D;
    const n0 = tf.memory().numTensors;
    const { y, aux } = moe.forward(x, { modality, routing: 'aux' });
    const kept = [y, aux.counts, aux.probs, aux.dropped, aux.indices, aux.valid];
    expect(tf.memory().numTensors).toBe(n0 + kept.length); // nothing else left behind
    const out = y.arraySync() as number[][];
    const ids = aux.indices.arraySync() as number[][];
    expect(aux.indices.shape).toEqual([50, 4]);
    const pairs = [0, 0];
    tf.tidy(() => {
      groups.forEach((_, g) => {
        const rows = codes.reduce<number[]>((a, m, r) => (m === g + 1 ? [...a, r] : a), []);
        const xg = tf.gather(x, tf.tensor1d(rows, 'int32')) as tf.Tensor2D;
        const selected = tf.cast(tf.greater(moe.auxRouters[g].logits(xg), 0), 'float32');
        const gate = tf.mul(selected, tf.sigmoid(tf.matMul(xg, moe.routers[g].weight)));
        const ref = tf.sum(tf.mul(moe.experts[g].forwardAll(xg), tf.expandDims(tf.transpose(gate), -1)), 0);
        const r = ref.arraySync() as number[][];
        const gt = gate.arraySync() as number[][];
        rows.forEach((row, i) => {
          r[i].forEach((v, j) => expect(out[row][j]).toBeCloseTo(v, 5));
          const picked = gt[i].map((v, e) => (v > 0 ? 4 * g + e : -1));
          expect(ids[row]).toEqual(picked);
          pairs[g] += picked.filter((e) => e >= 0).length;
        });
      });
    });
    codes.forEach((m, r) => m === 0 && expect(ids[r]).toEqual([-1, -1, -1, -1]));
    expect((await moe.groupStats(aux, codes)).map((s) => s.pairs)).toEqual(pairs);
    expect(pairs[0] + pairs[1]).toBeGreaterThan(0);
    tf.dispose(kept.filter((t) => t !== undefined));
    expect(tf.memory().numTensors).toBe(n0);
    moe.dispose();
    tf.dispose([x, modality]);
  });

  it('mixed experts share one expert-choice pool over all modalities', async () => {
    setSeed(2);
    const moe = new ModalityGroupedMoE({
      dim: 8,
      hidden: 16,
      groups: [...MOMA_ARMS.mixed8.groups].map((g) => ({ ...g, modalities: [...g.modalities] })),
    });
    const x = tf.randomNormal([50, 8], 0, 1, 'float32', 4) as tf.Tensor2D;
    const codes = modalities();
    const modality = codesTensor(codes);
    const { y, aux } = moe.forward(x, { modality, routing: 'ec' });
    expect(await moe.groupStats(aux, codes)).toEqual([{ group: 'mixed', tokens: 44, pairs: 8 * 6 }]); // round(44/8) = 6
    moe.dispose();
    tf.dispose([x, y, modality, ...Object.values(aux)]);
  });
});

describe('interleaved LM with MoMa', () => {
  const images = loadDigitImages(0, 30);
  const codebook = fitImageCodebook(images, { k: 16, seed: 0, maxPatches: 2000 });
  const tok = interleavedTokenizer();
  const codes = encodeImages(images, codebook);
  const train = makeInterleavedSet(images, codes, codebook, tok, { n: 192, seed: 0 });
  const held = makeInterleavedSet(images, codes, codebook, tok, { n: 64, seed: 1 });

  // The recipe of the README's MoMa example end to end on smaller data.
  it('learns, is leak-free and deterministic; auxiliary routers learn the EC decisions', async () => {
    const make = () => {
      setSeed(5);
      return new InterleavedLM({
        vocabSize: train.vocabSize,
        seqLen: train.seqLen - 1,
        ffn: MOMA_ARMS.moma4t4i,
      });
    };
    const lm = make();
    const before = await evaluateLm(lm, held);
    const curves = await trainLm(lm, train, { epochs: 4, seed: 0, lr: 1e-2 });
    const after = await evaluateLm(lm, held);
    // Per-sequence losses average (weighted by tokens, equal here up to padding) to the total.
    const seqMean = after.perSequence.image.reduce((a, v) => a + v, 0) / held.n;
    expect(seqMean).toBeCloseTo(after.lossImage, 4);
    expect(curves.loss.length).toBe(24);
    expect(after.lossText).toBeLessThan(before.lossText - 1);
    expect(after.lossImage).toBeLessThan(before.lossImage - 1);
    expect(after.expertsPerToken).toEqual({ text: expect.closeTo(1, 1), image: expect.closeTo(1, 1) });
    const n0 = tf.memory().numTensors;
    await evaluateLm(lm, held);
    expect(tf.memory().numTensors).toBe(n0);

    const again = make();
    // Same seed, same batches and init: the first steps (before the schedules differ: 1 vs 4 epochs) match.
    const curves2 = await trainLm(again, train, { epochs: 1, seed: 0, lr: 1e-2 });
    curves2.loss.slice(0, 3).forEach((v, i) => expect(v).toBe(curves.loss[i]));
    expect(curves2.image[0]).toBe(curves.image[0]);
    again.dispose();

    const frozen = lm.blocks[0].attn.q.weight.dataSync().slice();
    const aux = await trainAuxRouters(lm, train, { epochs: 4, seed: 0, lr: 1e-2 });
    expect(lm.blocks[0].attn.q.weight.dataSync()).toEqual(frozen); // main model frozen
    expect(movingAverage(aux.losses, 4).at(-1)).toBeLessThan(aux.losses[0] * 0.8);
    const agreement = await auxRouterAgreement(lm, held);
    expect(agreement.accuracy).toBeGreaterThan(0.75); // all-"no" would score 0.75 (1 of 4 experts per token)
    const causal = await evaluateLm(lm, held, { routing: 'aux' });
    expect(Number.isFinite(causal.loss)).toBe(true);
    expect(causal.loss).toBeLessThan(before.loss - 1);

    // Saved and loaded, the model (auxiliary routers included) scores exactly the same.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moma-'));
    await saveMomaModel(dir, lm, { steps: curves.loss.length });
    const loaded = await loadMomaModel(dir);
    expect(loaded.extra).toEqual({ steps: curves.loss.length });
    expect(loaded.config).toEqual(lm.config);
    expect((await evaluateLm(loaded.model, held, { routing: 'aux' })).loss).toBe(causal.loss);
    loaded.model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
    lm.dispose();
  });

  it('dense and expert-choice arms are FLOP-matched', () => {
    const arms = Object.values(MOMA_ARMS).map((ffn) => new InterleavedLM({ vocabSize: 60, seqLen: 40, ffn }));
    const [dense, mixed, moma] = arms.map((m) => m.flopsPerSample(40, 40));
    expect(Math.abs(moma - dense) / dense).toBeLessThan(0.02);
    expect(Math.abs(mixed - dense) / dense).toBeLessThan(0.02);
    expect(arms[2].countParams()).toBeGreaterThan(3 * arms[0].countParams() * 0.9);
    const [denseActive, , momaActive] = arms.map((m) => moduleCosts(m).active);
    expect(Math.abs(momaActive - denseActive) / denseActive).toBeLessThan(0.03);
    // Active: the main model without the other group, the unused experts and the auxiliary routers.
    const layer = arms[2].moeLayers()[0];
    const perToken = layer.routers[0].countParams() + layer.experts[0].paramsPerExpert();
    expect(moduleCosts(arms[2]).active).toBe(
      arms[2].mainParams() -
        arms[2].moeLayers().length *
          (layer.countParams() - layer.auxRouters.reduce((s, a) => s + a.countParams(), 0) - perToken),
    );
    arms.forEach((m) => m.dispose());
  });
});

describe('flopsSavings', () => {
  it('measures the step ratio to equal loss', () => {
    const base = Array.from({ length: 100 }, (_, i) => 10 - i * 0.05); // final 5.05
    const fast = Array.from({ length: 100 }, (_, i) => 10 - i * 0.1); // reaches 5.05 at step 50.5
    expect(flopsSavings(fast, base, 1).ratio).toBeCloseTo(100 / 51, 5);
    expect(flopsSavings(base, fast, 1).ratio).toBeCloseTo(51 / 100, 5);
    expect(() => flopsSavings([1], [1, 2], 1)).toThrow(/equal length/);
    // Paired standard error: a constant shift has none; alternating ±1 differences have 1/sqrt(n)·sd.
    expect(pairedStandardError([1, 2, 3], [0, 1, 2])).toBe(0);
    expect(pairedStandardError([1, -1, 1, -1], [0, 0, 0, 0])).toBeCloseTo(Math.sqrt(4 / 3 / 4), 6);
  });
});
