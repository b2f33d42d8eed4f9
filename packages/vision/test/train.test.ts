import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initBackend, setSeed, tf } from '@moe-zoo/core';
import {
  ANSWERS,
  buildFeatureBank,
  buildRoutingLabels,
  CoarseRouter,
  CONTENT_TYPES,
  ConvEncoder,
  createEncoder,
  evaluateSystem,
  loadVisionData,
  MoVA,
  movaSystem,
  pooledBase,
  pretrainEncoder,
  QUESTIONS,
  routeBatch,
  routingAgreement,
  trainMoVAModel,
  trainRouter,
  WORDS,
  type FeatureBank,
  type VisionData,
  type VqaSet,
} from '../src';
import { DESCRIPTIONS, ownTypeRouting } from './helpers/routing';

/** Accuracy of always answering the most frequent training answer of each question template. */
function majorityBaseline(train: VqaSet, test: VqaSet): number {
  const best = QUESTIONS.map((_, q) => {
    const counts = new Map<number, number>();
    for (let i = 0; i < train.n; i++)
      if (train.question[i] === q) counts.set(train.answer[i], (counts.get(train.answer[i]) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? -1;
  });
  let ok = 0;
  for (let i = 0; i < test.n; i++) if (test.answer[i] === best[test.question[i]]) ok++;
  return ok / test.n;
}

/** A routing policy that reads the content type off the question words (what a trained router learns). */
function byQuestionType(_pooled: tf.Tensor2D, words: tf.Tensor2D): Uint8Array {
  const rows = words.arraySync();
  const out = new Uint8Array(rows.length * 4);
  rows.forEach((row, i) => {
    const phrase = row
      .filter((id) => id > 0)
      .map((id) => WORDS[id])
      .join(' ');
    const q = QUESTIONS.find((t) => t.phrasings.includes(phrase));
    if (!q) throw new Error(`unknown question "${phrase}"`);
    out[i * 4 + CONTENT_TYPES.indexOf(q.type)] = 1;
  });
  return out;
}

function newMoVA(seed: number): MoVA {
  setSeed(seed);
  return new MoVA({
    baseDim: 32,
    tokens: 4,
    experts: 4,
    expertDim: 32,
    dim: 32,
    heads: 4,
    blocks: 1,
    vocabSize: WORDS.length,
    numAnswers: ANSWERS.length,
  });
}

describe('training: encoders, routing labels, router, MoVA', () => {
  let data: VisionData;
  let base: ConvEncoder;
  let experts: ConvEncoder[];
  let train: FeatureBank;
  const saved = process.env.MOE_ZOO_CACHE;

  beforeAll(async () => {
    await initBackend();
    process.env.MOE_ZOO_CACHE = mkdtempSync(path.join(tmpdir(), 'vision-train-'));
    data = await loadVisionData({ seed: 0, pretrainPerType: 160, trainPerType: 160, testPerType: 60 });
    // Untrained (random) frozen encoders, standardised on the pretraining images: enough for the
    // answer model to learn something, and fast. Pretraining is tested on its own below.
    setSeed(5);
    const images = tf.tensor3d(data.pretrain.images.subarray(0, 200 * 1024), [200, 32, 32]);
    [base, ...experts] = (['base', ...CONTENT_TYPES] as const).map((role) => {
      const e = createEncoder(role);
      e.calibrate(images);
      return e.setTrainable(false);
    });
    images.dispose();
    train = await buildFeatureBank(base, experts, data.train);
  });

  afterAll(() => {
    if (saved === undefined) delete process.env.MOE_ZOO_CACHE;
    else process.env.MOE_ZOO_CACHE = saved;
    for (const e of [base, ...experts]) e.dispose();
  });

  it('pretrains a specialist well above chance and standardises its output', async () => {
    setSeed(9);
    const enc = createEncoder('mnist');
    const r = await pretrainEncoder(enc, 'mnist', data.pretrain, {
      epochs: 12,
      batchSize: 32,
      seed: 0,
      evaluateOn: data.test,
    });
    expect(r.score).toBeGreaterThan(0.5); // chance is 0.1
    expect(r.losses[r.losses.length - 1]).toBeLessThan(r.losses[0]);
    const mean = enc.outMean.dataSync();
    expect(Math.max(...Array.from(enc.outStd.dataSync()))).toBeGreaterThan(0);
    expect(mean.length).toBe(32);
    enc.dispose();
  });

  it('pretrains the base on the content type alone when asked to', async () => {
    setSeed(9);
    const enc = createEncoder('base');
    const r = await pretrainEncoder(enc, 'base', data.pretrain, {
      epochs: 4,
      batchSize: 32,
      seed: 0,
      evaluateOn: data.test,
      baseTarget: 'content-type',
    });
    expect(r.score).toBeGreaterThan(0.9); // chance is 0.25; the four types look nothing alike
    enc.dispose();
    await expect(
      pretrainEncoder(createEncoder('base'), 'base', data.pretrain, {
        epochs: 1,
        baseTarget: 'digit' as never,
      }),
    ).rejects.toThrow(/baseTarget/);
  });

  it('learns well above chance, leak-free and deterministically', async () => {
    const run = async () => {
      const mova = newMoVA(1);
      const counts: number[] = [];
      const r = await trainMoVAModel(mova, train, data.train, ownTypeRouting(data.train), {
        epochs: 6,
        batchSize: 32,
        lr: 1e-2,
        seed: 0,
        onStep: () => counts.push(tf.memory().numTensors),
      });
      return { mova, r, counts };
    };
    const a = await run();
    // Live tensors are flat across steps (the trainer's leak guard would also throw).
    expect(new Set(a.counts.slice(1)).size).toBe(1);
    const system = movaSystem({ base, experts, model: a.mova, route: byQuestionType });
    expect(system.modules).toEqual([base, ...experts, a.mova]);
    const modes: boolean[] = [];
    const ev = await evaluateSystem(
      {
        modules: system.modules,
        predict: (images, words) => {
          modes.push(...system.modules.map((m) => m.training));
          return system.predict(images, words);
        },
      },
      data.test,
      100,
    );
    expect(modes.length).toBe(Math.ceil(data.test.n / 100) * system.modules.length);
    expect(modes.every((training) => !training)).toBe(true); // eval mode while evaluating
    expect(a.mova.training).toBe(true); // and restored afterwards
    const chance = majorityBaseline(data.train, data.test);
    expect(ev.accuracy).toBeGreaterThan(chance + 0.1);
    expect(ev.expertsPerSample).toBeCloseTo(1, 5); // measured: one expert run per image
    const b = await run();
    expect(b.r.losses).toEqual(a.r.losses);
    a.mova.dispose();
    b.mova.dispose();
  });

  it('builds routing labels from paired answerers and trains a router on them', async () => {
    const pre = await buildFeatureBank(base, experts, data.pretrain);
    const test = await buildFeatureBank(base, experts, data.test);
    const { labels } = await buildRoutingLabels(
      { bank: pre, set: data.pretrain },
      [
        { bank: train, set: data.train },
        { bank: test, set: data.test },
      ],
      { epochs: 2, batchSize: 64, seed: 0 },
    );
    for (const [k, set] of [data.train, data.test].entries()) {
      const l = labels[k];
      expect(l.labels.length).toBe(set.n * 4);
      for (let i = 0; i < set.n; i++) {
        const row = l.labels.subarray(i * 4, i * 4 + 4);
        expect(row.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(3);
        row.forEach((v, j) => expect(v === 1).toBe(v === 1 && l.expertLoss[i * 4 + j] < l.baseLoss[i]));
      }
    }
    // The router learns a clean rule (each type's own expert) through shuffled, truncated pools.
    setSeed(4);
    const router = new CoarseRouter({
      baseDim: 32,
      dim: 32,
      heads: 4,
      blocks: 1,
      vocabSize: WORDS.length,
      maxCandidates: 4,
    });
    const target = ownTypeRouting(data.train);
    const all = Int32Array.from({ length: data.train.n }, (_, i) => i);
    const r = await trainRouter(router, pooledBase(train, all), data.train, all, target, DESCRIPTIONS, {
      epochs: 12,
      batchSize: 32,
      lr: 1e-2,
      seed: 0,
    });
    expect(r.losses[r.losses.length - 1]).toBeLessThan(r.losses[0] * 0.5);
    const testIdx = Int32Array.from({ length: data.test.n }, (_, i) => i);
    const pooled = tf.tensor2d(pooledBase(test, testIdx), [data.test.n, 32]);
    const words = tf.tensor2d(
      data.test.tokens,
      [data.test.n, data.test.tokens.length / data.test.n],
      'int32',
    );
    const { routed } = await routeBatch(router, pooled, words, DESCRIPTIONS);
    const ag = routingAgreement(routed, ownTypeRouting(data.test), 4);
    expect(ag.precision).toBeGreaterThan(0.9);
    expect(ag.recall).toBeGreaterThan(0.9);
    tf.dispose([pooled, words]);
    router.dispose();
  });

  it('warns when the router selects no expert, and not when it selects one per sample', async () => {
    const mova = newMoVA(6);
    const nothing = await evaluateSystem(
      movaSystem({ base, experts, model: mova, route: (pooled) => new Uint8Array(pooled.shape[0] * 4) }),
      data.test,
      100,
    );
    expect(nothing.emptyRouted).toBe(data.test.n);
    expect(nothing.expertsPerSample).toBe(0);
    expect(nothing.warnings).toEqual([
      expect.stringMatching(new RegExp(`router selected 0 experts for all ${data.test.n} samples`)),
    ]);
    const routed = await evaluateSystem(
      movaSystem({ base, experts, model: mova, route: byQuestionType }),
      data.test,
      100,
    );
    expect(routed.emptyRouted).toBe(0);
    expect(routed.expertsPerSample).toBe(1);
    expect(routed.warnings).toEqual([]);
    mova.dispose();
  });

  it('runs each expert encoder only on the images routed to it', async () => {
    const mova = newMoVA(3);
    const seen = experts.map(() => 0);
    const spied = experts.map((e, j) => {
      const wrapper = Object.create(e) as ConvEncoder;
      wrapper.forward = (images: tf.Tensor) => {
        seen[j] += images.shape[0];
        return e.forward(images);
      };
      return wrapper;
    });
    const routing = Uint8Array.from([1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0]);
    const system = movaSystem({ base, experts: spied, model: mova, route: () => routing });
    const images = tf.tensor3d(data.test.images.subarray(0, 3 * 1024), [3, 32, 32]);
    const words = tf.tensor2d(
      data.test.tokens.subarray(0, 3 * (data.test.tokens.length / data.test.n)),
      [3, data.test.tokens.length / data.test.n],
      'int32',
    );
    const out = await system.predict(images, words);
    expect(seen).toEqual([1, 0, 1, 1]);
    expect(out.expertRuns).toBe(3);
    expect(out.crossRows).toBe(3);
    tf.dispose([images, words, out.logits]);
    mova.dispose();
  });
});
