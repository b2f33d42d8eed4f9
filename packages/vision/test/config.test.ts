/**
 * Vision configs are strict and bounded: a misspelt key, an absurd size, topK above the number of
 * experts or a wrong-typed learning rate is a ConfigError naming the field; an edited manifest of
 * a shipped model is refused before building, naming manifest.json and the field.
 */
import { promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CheckpointError, ConfigError, initBackend, tf } from '@moe-zoo/core';
import {
  AnswerHead,
  CoarseRouter,
  ConvEncoder,
  FusionAnswerer,
  GroupedCrossAttention,
  loadMoVAModel,
  loadPretrained,
  loadViTModel,
  MoVA,
  MoVAdapterBlock,
  trainViT,
  ViT,
  type LabelledImages,
  type MoVAOptions,
  type ViTConfigInput,
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
const vit = (c: Record<string, unknown>) => () => new ViT(c as ViTConfigInput);
const MOE = { kind: 'moe', moe: { hidden: 16, numExperts: 4, topK: 2 } };
const MOVA: MoVAOptions = {
  baseDim: 8,
  tokens: 4,
  experts: 4,
  expertDim: 8,
  dim: 8,
  heads: 2,
  blocks: 1,
  vocabSize: 20,
  numAnswers: 5,
};
const mova = (c: Record<string, unknown>) => () => new MoVA({ ...MOVA, ...c } as MoVAOptions);

beforeAll(async () => {
  await initBackend();
});

describe('vision configs are strict', () => {
  it('refuses misspelt keys, naming them', () => {
    expect(paths(configError(vit({ ffn: MOE, patchSize: 4 })))).toEqual(['patchSize']);
    expect(paths(configError(vit({ ffn: { ...MOE, moe: { ...MOE.moe, dispatc: 'dense' } } })))).toEqual([
      'ffn.moe.dispatc',
    ]);
    expect(paths(configError(mova({ gatting: 'uniform' })))).toEqual(['gatting']);
    expect(paths(configError(() => new ConvEncoder({ channels: [8], stride: [2] } as never)))).toEqual([
      'stride',
    ]);
    expect(
      paths(
        configError(
          () =>
            new CoarseRouter({
              baseDim: 8,
              dim: 8,
              heads: 2,
              blocks: 1,
              vocabSize: 9,
              maxCandidates: 4,
              maxcandidates: 4,
            } as never),
        ),
      ),
    ).toEqual(['maxcandidates']);
  });

  it('refuses topK above the experts (MoVA topK 9 with 4 experts) and heads not dividing dim', () => {
    expect(paths(configError(mova({ topK: 9 })))).toEqual(['topK']);
    expect(paths(configError(vit({ ffn: { ...MOE, moe: { ...MOE.moe, topK: 5 } } })))).toEqual([
      'ffn.moe.topK',
    ]);
    expect(paths(configError(mova({ heads: 3 })))).toEqual(['heads']);
    expect(paths(configError(vit({ ffn: MOE, patch: 5 })))).toEqual(['patch']);
  });

  it('refuses absurd sizes without allocating, naming the field', () => {
    const bytes = tf.memory().numBytes;
    expect(paths(configError(vit({ ffn: { ...MOE, moe: { ...MOE.moe, numExperts: 1e5 } } })))).toContain(
      'ffn.moe.numExperts',
    );
    expect(paths(configError(vit({ ffn: MOE, dim: 48000 })))).toEqual(['dim']);
    expect(paths(configError(mova({ experts: 1e4 })))).toEqual(['experts']);
    expect(
      paths(configError(mova({ dim: 4096, heads: 8, expertDim: 4096, blocks: 64, experts: 64 }))),
    ).toEqual(['blocks']);
    expect(paths(configError(() => new ConvEncoder({ channels: [8, 1e6] })))).toEqual(['channels.1']);
    expect(paths(configError(() => new ConvEncoder({ channels: [8, 8], strides: [2] })))).toEqual([
      'strides',
    ]);
    expect(
      paths(
        configError(
          () =>
            new FusionAnswerer({
              inputDim: 8,
              tokens: 4,
              dim: 8,
              heads: 2,
              blocks: 1e3,
              vocabSize: 9,
              numAnswers: 3,
            }),
        ),
      ),
    ).toEqual(['blocks']);
    expect(tf.memory().numBytes).toBe(bytes);
  });

  it("refuses bad options of MoVA's building blocks, naming the field", () => {
    const gca = { experts: 4, dim: 8, kvDim: 8, kvTokens: 4, heads: 2 };
    expect(paths(configError(() => new GroupedCrossAttention({ ...gca, grid: 3 })))).toEqual(['grid']);
    expect(paths(configError(() => new GroupedCrossAttention({ ...gca, kvtokens: 4 } as never)))).toEqual([
      'kvtokens',
    ]);
    expect(paths(configError(() => new AnswerHead({ dim: 8, heads: 3, tokens: 4, numAnswers: 5 })))).toEqual([
      'heads',
    ]);
    const block = { dim: 8, heads: 2, experts: 4, expertDim: 8, expertTokens: 4, gating: 'learned' as const };
    expect(paths(configError(() => new MoVAdapterBlock({ ...block, topK: 9 })))).toEqual(['topK']);
    expect(paths(configError(() => new MoVAdapterBlock({ ...block, topK: 2, experts: 1e5 })))).toContain(
      'experts',
    );
  });

  it('refuses a wrong-typed learning rate and unknown training options before training', async () => {
    const model = new ViT({ ffn: { kind: 'dense', hidden: 8 } });
    const set = { n: 64, size: 28 } as LabelledImages;
    for (const [options, field] of [
      [{ lr: '0.01' }, 'lr'],
      [{ lr: 1e9 }, 'lr'],
      [{ epochs: 0 }, 'epochs'],
      [{ onstep: () => undefined }, 'onstep'],
    ] as const) {
      const e = await trainViT(model, set, { epochs: 1, ...options } as never).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ConfigError);
      expect(paths(e as ConfigError)).toContain(field);
    }
    model.dispose();
  });
});

describe('an edited manifest of a shipped model is refused before building', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'vision-cfg-'));
  });
  afterAll(async () => {
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  type Config = Record<string, Record<string, unknown> & unknown[]>;
  it.each([
    ['vmoe-fashion', 'dim 960', (c: Config) => ((c as Record<string, unknown>).dim = 960), 'config.dim'],
    [
      'vmoe-fashion',
      'numExperts 512',
      (c: Config) => ((c.ffn as unknown as { moe: Record<string, unknown> }).moe.numExperts = 512),
      'config.ffn.moe.numExperts',
    ],
    ['vmoe-fashion', 'patch 4', (c: Config) => ((c as Record<string, unknown>).patch = 4), 'config.patch'],
    ['mova-vqa', 'model.dim 512', (c: Config) => (c.model.dim = 512), 'config.model.dim'],
    ['mova-vqa', 'model.blocks 12', (c: Config) => (c.model.blocks = 12), 'config.model.blocks'],
    [
      'mova-vqa',
      'base channels',
      (c: Config) => ((c.base.channels as number[])[1] = 2048),
      'config.base.channels.1',
    ],
    ['mova-vqa', 'model.topK 9', (c: Config) => (c.model.topK = 9), 'config.model.topK'],
    [
      'mova-vqa',
      'a misspelt key',
      (c: Config) => (c.router.maxcandidates = 4),
      'config.router.maxcandidates',
    ],
  ])('%s, %s: CONFIG error naming manifest.json and the field, fast', async (name, what, edit, field) => {
    const src = loadPretrained.resolve(name);
    const dir = path.join(tmp, `${name}-${what.replace(/ /g, '-')}`);
    await fsp.mkdir(dir);
    await fsp.copyFile(path.join(src, 'model.safetensors'), path.join(dir, 'model.safetensors'));
    const manifest = JSON.parse(await fsp.readFile(path.join(src, 'manifest.json'), 'utf8'));
    edit(manifest.config);
    await fsp.writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    const bytes = tf.memory().numBytes;
    const start = performance.now();
    const load = name === 'mova-vqa' ? loadMoVAModel : loadViTModel;
    const e = await (load as (d: string) => Promise<unknown>)(dir).catch((x: unknown) => x);
    expect(performance.now() - start).toBeLessThan(1000);
    expect(e).toBeInstanceOf(CheckpointError);
    const err = e as CheckpointError;
    expect([err.code, err.source, err.field]).toEqual(['CONFIG', path.join(dir, 'manifest.json'), field]);
    expect(tf.memory().numBytes).toBe(bytes);
  });
});
