/**
 * Multimodal configs are strict and bounded: a misspelt key, an absurd size, topK above numExperts,
 * an unknown low-bit format or a wrong-typed learning rate is a ConfigError naming the field; an
 * edited manifest of a shipped model is refused before building, naming manifest.json and the field.
 */
import { promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CheckpointError, ConfigError, initBackend, tf } from '@moe-zoo/core';
import {
  AvModel,
  GroupRoutedMoE,
  InterleavedLM,
  loadDigitLmModel,
  loadDigitVqaModel,
  loadMomeModel,
  loadPretrained,
  makeAvDigits,
  makeVqaSet,
  MomeAdapter,
  MoTELayer,
  QuantFfnExperts,
  trainVqa,
  VqaTransformer,
  vqaTokenizer,
  type AvModelConfigInput,
  type VqaSet,
} from '../src';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}
const paths = (e: ConfigError) => e.issues.map((i) => i.path);
const GROUPS = [
  { name: 'vis', modalities: [1], experts: [0, 1, 2] },
  { name: 'txt', modalities: [0], experts: [1, 2, 3] },
];

beforeAll(async () => {
  await initBackend();
});

describe('multimodal configs are strict', () => {
  it('refuses misspelt keys, naming them', () => {
    expect(paths(configError(() => new VqaTransformer({ vocabSize: 10, dpth: 2 } as never)))).toEqual([
      'dpth',
    ]);
    expect(
      paths(
        configError(
          () =>
            new VqaTransformer({
              vocabSize: 10,
              depth: 1,
              ffn: [{ kind: 'moe', moe: { hidden: 8, numExperts: 4, topK: 2, capacityfactor: 2 } as never }],
            }),
        ),
      ),
    ).toEqual(['ffn.0.moe.capacityfactor']);
    expect(
      paths(
        configError(
          () =>
            new GroupRoutedMoE({
              dim: 8,
              hidden: 8,
              numExperts: 4,
              topK: 2,
              groups: GROUPS,
              dispatc: 'dense',
            } as never),
        ),
      ),
    ).toEqual(['dispatc']);
    expect(
      paths(
        configError(() => new AvModel({ adapter: { kind: 'mome', numexperts: 4 } } as AvModelConfigInput)),
      ),
    ).toEqual(['adapter.numexperts']);
    expect(
      paths(
        configError(
          () =>
            new InterleavedLM({
              vocabSize: 10,
              seqLen: 8,
              ffn: { kind: 'ec', groups: [{ name: 't', modalities: [1], experts: 2, expert: 1 }] },
            } as never),
        ),
      ),
    ).toEqual(['ffn.groups.0.expert']);
  });

  it("refuses MoTE's format 'bogus' wherever it is given", () => {
    expect(
      paths(configError(() => new MoTELayer({ dim: 8, hidden: 8, numExperts: 2, format: 'bogus' as never }))),
    ).toEqual(['format']);
    expect(
      paths(
        configError(
          () => new QuantFfnExperts({ numExperts: 2, dim: 8, hidden: 8, format: 'bogus' as never }),
        ),
      ),
    ).toEqual(['format']);
  });

  it('refuses topK above numExperts, naming topK', () => {
    expect(
      paths(
        configError(() => new MomeAdapter({ dim: 8, numExperts: 4, topK: 9, hidden: 4, sharedHidden: 0 })),
      ),
    ).toEqual(['topK']);
    expect(
      paths(configError(() => new AvModel({ adapter: { kind: 'mome', numExperts: 4, topK: 9 } }))),
    ).toEqual(['adapter.topK']);
    expect(
      paths(
        configError(
          () =>
            new VqaTransformer({
              vocabSize: 10,
              depth: 1,
              ffn: [{ kind: 'moe', moe: { hidden: 8, numExperts: 4, topK: 9 } }],
            }),
        ),
      ),
    ).toEqual(['ffn.0.moe.topK']);
  });

  it('refuses absurd sizes without allocating, naming the field', () => {
    const bytes = tf.memory().numBytes;
    expect(paths(configError(() => new VqaTransformer({ vocabSize: 10, dim: 48000 })))).toEqual(['dim']);
    expect(paths(configError(() => new MoTELayer({ dim: 8, hidden: 8, numExperts: 1e5 })))).toContain(
      'numExperts',
    );
    expect(
      paths(configError(() => new QuantFfnExperts({ numExperts: 1024, dim: 8, hidden: 16384 }))),
    ).toEqual(['numExperts']);
    expect(paths(configError(() => new AvModel({ backbone: { depth: 1e4 } })))).toEqual(['backbone.depth']);
    expect(paths(configError(() => new InterleavedLM({ vocabSize: 1e9, seqLen: 8 })))).toEqual(['vocabSize']);
    expect(
      paths(
        configError(
          () => new VqaTransformer({ vocabSize: 10, dim: 4096, heads: 8, depth: 64, hidden: 16384 }),
        ),
      ),
    ).toEqual(['depth']);
    expect(tf.memory().numBytes).toBe(bytes);
  });

  it('refuses question sets too large to hold and misspelt data options, naming the field', () => {
    const tokenizer = vqaTokenizer();
    expect(paths(configError(() => makeVqaSet(undefined, { n: 1e9, seed: 0, tokenizer })))).toEqual(['n']);
    expect(
      paths(
        configError(() => makeVqaSet(undefined, { n: 4, seed: 0, tokenizer, familes: ['ink'] } as never)),
      ),
    ).toEqual(['familes']);
    expect(
      paths(configError(() => makeVqaSet(undefined, { n: 4, seed: 0, tokenizer: {} as never }))),
    ).toEqual(['tokenizer']);
  });

  it('refuses misspelt and out-of-range audio-visual data options before reading any file', () => {
    expect(paths(configError(() => makeAvDigits('/nonexistent', { patch: 5 })))).toEqual(['patch']);
    expect(paths(configError(() => makeAvDigits('/nonexistent', { imageNoise: [-1] })))).toEqual([
      'imageNoise.0',
    ]);
    expect(paths(configError(() => makeAvDigits('/nonexistent', { maxtrain: 5 } as never)))).toEqual([
      'maxtrain',
    ]);
  });

  it('refuses a wrong-typed learning rate and unknown training options before training', async () => {
    const model = new VqaTransformer({ vocabSize: 10, dim: 8, heads: 2, depth: 1, hidden: 8 });
    const set = { n: 128 } as VqaSet;
    for (const [options, field] of [
      [{ lr: '0.01' }, 'lr'],
      [{ lr: 0 }, 'lr'],
      [{ mode: 'video' }, 'mode'],
      [{ epochz: 2 }, 'epochz'],
    ] as const) {
      const e = await trainVqa(model, set, { epochs: 1, ...options } as never).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ConfigError);
      expect(paths(e as ConfigError)).toContain(field);
    }
    model.dispose();
  });
});

describe('an edited manifest of a shipped model is refused before building', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'multimodal-cfg-'));
  });
  afterAll(async () => {
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  type Json = Record<string, never>;
  it.each([
    [
      'moiie-digit-vqa',
      'vqa.dim 480',
      (c: Json) => ((c.vqa as Json as Record<string, number>).dim = 480),
      'config.vqa.dim',
    ],
    [
      'moiie-digit-vqa',
      'vqa.depth 2 -> 40',
      (c: Json) => ((c.vqa as Record<string, unknown>).depth = 40),
      'config.vqa.ffn',
    ],
    [
      'mote-digit-vqa',
      'mote numExperts 512',
      (c: Json) => ((c.vqa as { ffn: { mote: Record<string, number> }[] }).ffn[1].mote.numExperts = 512),
      'config.vqa.ffn.1.mote.numExperts',
    ],
    [
      'mote-digit-vqa',
      "format 'bogus'",
      (c: Json) => ((c.vqa as { ffn: { mote: Record<string, string> }[] }).ffn[1].mote.format = 'bogus'),
      'config.vqa.ffn.1.mote.format',
    ],
    [
      'mome-av-digits',
      'adapter numExperts 1e5',
      (c: Json) => ((c.adapter as Record<string, number>).numExperts = 1e5),
      'config.adapter.numExperts',
    ],
    [
      'mome-av-digits',
      'backbone.dim 320',
      (c: Json) => ((c.backbone as Record<string, number>).dim = 320),
      'config.backbone.dim',
    ],
    [
      'moma-digit-lm',
      'lm.dim 320',
      (c: Json) => ((c.lm as Record<string, number>).dim = 320),
      'config.lm.dim',
    ],
    [
      'moma-digit-lm',
      'image experts 64',
      (c: Json) => ((c.lm as { ffn: { groups: { experts: number }[] } }).ffn.groups[1].experts = 64),
      'config.lm.ffn.groups.1.experts',
    ],
  ])('%s, %s: CONFIG error naming manifest.json and the field, fast', async (name, what, edit, field) => {
    const src = loadPretrained.resolve(name);
    const dir = path.join(tmp, `${name}-${what.replace(/[^a-z0-9.]+/gi, '-')}`);
    await fsp.mkdir(dir);
    await fsp.copyFile(path.join(src, 'model.safetensors'), path.join(dir, 'model.safetensors'));
    const manifest = JSON.parse(await fsp.readFile(path.join(src, 'manifest.json'), 'utf8'));
    edit(manifest.config);
    await fsp.writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    const bytes = tf.memory().numBytes;
    const start = performance.now();
    const load =
      { 'mome-av-digits': loadMomeModel, 'moma-digit-lm': loadDigitLmModel }[name] ?? loadDigitVqaModel;
    const e = await (load as (d: string) => Promise<unknown>)(dir).catch((x: unknown) => x);
    expect(performance.now() - start).toBeLessThan(1000);
    expect(e).toBeInstanceOf(CheckpointError);
    const err = e as CheckpointError;
    expect([err.code, err.source, err.field]).toEqual(['CONFIG', path.join(dir, 'manifest.json'), field]);
    expect(tf.memory().numBytes).toBe(bytes);
  });
});
