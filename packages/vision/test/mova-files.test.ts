import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CheckpointError, ConfigError, initBackend, setSeed, tf } from '@moe-zoo/core';
import {
  allIndices,
  ANSWERS,
  buildFeatureBank,
  CoarseRouter,
  CONTENT_TYPES,
  createEncoder,
  evaluateSystem,
  loadMoVAModel,
  loadVisionData,
  MoVA,
  MOVA_FORMAT,
  MoVASystem,
  movaSystem,
  pooledBase,
  pretrainEncoder,
  routeBatch,
  saveMoVAModel,
  trainMoVAModel,
  trainRouter,
  WORDS,
  type VisionData,
  type VqaSet,
} from '../src';
import { DESCRIPTIONS, ownTypeRouting } from './helpers/routing';

/** A tiny trained system: pretrained encoders, router and MoVA, one epoch each. */
async function trainTinySystem(data: VisionData): Promise<MoVASystem> {
  setSeed(7);
  const base = createEncoder('base');
  await pretrainEncoder(base, 'base', data.pretrain, { epochs: 1, batchSize: 16 });
  base.setTrainable(false);
  const experts = [];
  for (const type of CONTENT_TYPES) {
    const expert = createEncoder(type);
    await pretrainEncoder(expert, type, data.pretrain, { epochs: 1, batchSize: 8 });
    experts.push(expert.setTrainable(false));
  }
  const bank = await buildFeatureBank(base, experts, data.train);
  const all = allIndices(data.train.n);
  const labels = ownTypeRouting(data.train);
  const router = new CoarseRouter({
    baseDim: 32,
    dim: 16,
    heads: 2,
    blocks: 1,
    vocabSize: WORDS.length,
    maxCandidates: 4,
  });
  await trainRouter(router, pooledBase(bank, all), data.train, all, labels, DESCRIPTIONS, {
    epochs: 1,
    batchSize: 16,
    lr: 1e-2,
  });
  const model = new MoVA({
    baseDim: 32,
    tokens: 4,
    experts: 4,
    expertDim: 32,
    dim: 16,
    heads: 2,
    blocks: 1,
    vocabSize: WORDS.length,
    numAnswers: ANSWERS.length,
  });
  await trainMoVAModel(model, bank, data.train, labels, { epochs: 1, batchSize: 16, lr: 1e-2 });
  // A threshold under 0.5 so that the briefly trained router routes some samples, not none.
  return new MoVASystem({
    base,
    experts,
    router,
    model,
    routing: { descriptions: DESCRIPTIONS, threshold: 0.3 },
  });
}

/** The first `n` test samples as an image batch and its question words. */
function batchOf(set: VqaSet, n: number): { images: tf.Tensor3D; words: tf.Tensor2D } {
  const w = set.tokens.length / set.n;
  return {
    images: tf.tensor3d(set.images.subarray(0, n * set.size * set.size), [n, set.size, set.size]),
    words: tf.tensor2d(set.tokens.subarray(0, n * w), [n, w], 'int32'),
  };
}

/** Rewrites one field of a saved manifest's config. */
function editConfig(dir: string, edit: (config: Record<string, Record<string, unknown>>) => void): string {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mova-bad-'));
  for (const f of fs.readdirSync(dir)) fs.copyFileSync(path.join(dir, f), path.join(out, f));
  const file = path.join(out, 'manifest.json');
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(manifest.config);
  fs.writeFileSync(file, JSON.stringify(manifest));
  return out;
}

describe('saving and loading a MoVA system', () => {
  let data: VisionData;
  let system: MoVASystem;
  let dir: string;
  const dirs: string[] = [];
  const savedCache = process.env.MOE_ZOO_CACHE;

  beforeAll(async () => {
    await initBackend();
    process.env.MOE_ZOO_CACHE = fs.mkdtempSync(path.join(os.tmpdir(), 'vision-mova-files-'));
    dirs.push(process.env.MOE_ZOO_CACHE);
    data = await loadVisionData({ seed: 0, pretrainPerType: 16, trainPerType: 16, testPerType: 10 });
    system = await trainTinySystem(data);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mova-system-'));
    dirs.push(dir);
  });

  afterAll(() => {
    system?.dispose();
    if (savedCache === undefined) delete process.env.MOE_ZOO_CACHE;
    else process.env.MOE_ZOO_CACHE = savedCache;
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('restores every weight bit for bit and answers and routes exactly as before', async () => {
    const before = tf.memory().numTensors;
    await saveMoVAModel(dir, system, { note: 'tiny' });
    const { model: loaded, config, extra } = await loadMoVAModel(dir);
    expect(config).toEqual(system.config);
    expect(loaded.config).toEqual(system.config);
    expect(extra).toEqual({ note: 'tiny' });

    // Every parameter and buffer (incl. the encoders' output standardisation), bit for bit.
    const want = system.stateDict();
    const got = loaded.stateDict();
    expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
    expect(Object.keys(want)).toEqual(
      expect.arrayContaining([
        'base.outMean',
        'experts.3.outStd',
        'router.out.weight',
        'model.head.fc2.weight',
      ]),
    );
    for (const [name, t] of Object.entries(want)) {
      expect([name, got[name].dtype, got[name].shape]).toEqual([name, t.dtype, t.shape]);
      expect([name, Buffer.from(got[name].dataSync().buffer)]).toEqual([
        name,
        Buffer.from(t.dataSync().buffer),
      ]);
    }

    // One batch: the same routing (and router probabilities), logits and expert runs.
    const { images, words } = batchOf(data.test, 12);
    const pooled = tf.tidy(() => tf.mean(system.base.forward(images), 1) as tf.Tensor2D);
    const r0 = await system.route(pooled, words);
    const r1 = await loaded.route(pooled, words);
    expect(Array.from(r1.probs)).toEqual(Array.from(r0.probs));
    expect(Array.from(r1.routed)).toEqual(Array.from(r0.routed));
    const a = await system.answerSystem().predict(images, words);
    const b = await loaded.answerSystem().predict(images, words);
    // As the system was put together by hand before it could be saved (README example).
    const { base, experts, router, model } = system;
    const byHand = await movaSystem({
      base,
      experts,
      model,
      route: async (p, w) => (await routeBatch(router, p, w, DESCRIPTIONS, { threshold: 0.3 })).routed,
    }).predict(images, words);
    expect(a.expertRuns).toBeGreaterThan(0); // the routing is not empty, so experts are compared too
    for (const out of [b, byHand]) {
      expect(Array.from(out.routed ?? [])).toEqual(Array.from(a.routed ?? []));
      expect(out.expertRuns).toBe(a.expertRuns);
      expect(out.crossRows).toBe(a.crossRows);
      expect(Array.from(out.logits.dataSync())).toEqual(Array.from(a.logits.dataSync()));
    }
    // The comparison can fail: an untrained system of the same config answers differently.
    setSeed(99);
    const fresh = MOVA_FORMAT.build(config);
    const c = await fresh.answerSystem().predict(images, words);
    expect(Array.from(c.logits.dataSync())).not.toEqual(Array.from(a.logits.dataSync()));
    tf.dispose([images, words, pooled, a.logits, b.logits, byHand.logits, c.logits]);
    fresh.dispose();

    // The whole test split through evaluateSystem.
    const e0 = await evaluateSystem(system.answerSystem(), data.test, 16);
    const e1 = await evaluateSystem(loaded.answerSystem(), data.test, 16);
    expect(Array.from(e1.predictions)).toEqual(Array.from(e0.predictions));
    expect(Array.from(e1.routed ?? [])).toEqual(Array.from(e0.routed ?? []));
    expect(e1.accuracy).toBe(e0.accuracy);
    expect(e1.expertsPerSample).toBe(e0.expertsPerSample);

    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before); // nothing left behind by save, load and prediction
  });

  it('refuses a manifest with a wrong config field, naming it, and allocates nothing', async () => {
    if (!fs.existsSync(path.join(dir, 'manifest.json'))) await saveMoVAModel(dir, system);
    const before = tf.memory().numTensors;
    const refused = async (edit: (c: Record<string, Record<string, unknown>>) => void) => {
      const bad = editConfig(dir, edit);
      dirs.push(bad);
      return loadMoVAModel(bad).then(
        () => {
          throw new Error('loaded a bad config');
        },
        (e: unknown) => e,
      );
    };
    // Schema fields, before any allocation: core's CONFIG error with the field.
    const cases: [(c: Record<string, Record<string, unknown>>) => void, string, RegExp][] = [
      [(c) => (c.model.heads = 0), 'config.model.heads', /expected number to be >=1/],
      [(c) => (c.base.strides = [1, 3, 2]), 'config.base.strides.1', /<=2/],
      [(c) => (c.router.baseDim = 16), 'config.router.baseDim', /16, model.baseDim is 32/],
      [(c) => (c.model.gating = 'soft'), 'config.model.gating', /learned|uniform/],
      [(c) => (c.routing.threshold = 2), 'config.routing.threshold', /<=1/],
      [
        (c) => ((c.routing.descriptions as string[][])[2] = ['reads printed glyphs']),
        'config.routing.descriptions.2.0',
        /unknown word "glyphs"/,
      ],
      [
        (c) => (c.experts as unknown as unknown[]).pop(),
        'config.experts',
        /3 expert encoders, model.experts is 4/,
      ],
    ];
    for (const [edit, field, message] of cases) {
      const e = await refused(edit);
      expect(e).toBeInstanceOf(CheckpointError);
      expect([(e as CheckpointError).code, (e as CheckpointError).field]).toEqual(['CONFIG', field]);
      expect((e as Error).message).toMatch(message);
    }
    // The token grid, checked when the parts are built (they are disposed again).
    const grid = await refused((c) => (c.base.downsample = 2));
    expect(grid).toBeInstanceOf(CheckpointError);
    expect([(grid as CheckpointError).code, (grid as CheckpointError).field]).toEqual([
      'CONFIG',
      'config.model.tokens',
    ]);
    expect((grid as CheckpointError).source).toMatch(/manifest\.json$/);
    expect(((grid as CheckpointError).cause as ConfigError).issues).toEqual([
      { path: 'model.tokens', message: '4, the base encoder gives 16' },
    ]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses parts that do not fit together, naming the field', () => {
    const before = tf.memory().numTensors;
    const base = createEncoder('base');
    const experts = CONTENT_TYPES.map((t) => createEncoder(t));
    const router = new CoarseRouter({
      baseDim: 32,
      dim: 8,
      heads: 2,
      blocks: 1,
      vocabSize: WORDS.length,
      maxCandidates: 3,
    });
    const model = new MoVA({
      baseDim: 32,
      tokens: 4,
      experts: 4,
      expertDim: 32,
      dim: 8,
      heads: 2,
      blocks: 1,
      vocabSize: WORDS.length,
      numAnswers: ANSWERS.length,
    });
    expect(
      () => new MoVASystem({ base, experts, router, model, routing: { descriptions: DESCRIPTIONS } }),
    ).toThrow(/invalid mova system config: router\.maxCandidates: 3 candidate slots for 4 experts/);
    expect(
      () =>
        new MoVASystem({
          base,
          experts: experts.slice(1),
          router,
          model,
          routing: { descriptions: DESCRIPTIONS },
        }),
    ).toThrow(/experts: 3 expert encoders, model\.experts is 4/);
    for (const m of [base, ...experts, router, model]) m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
