/**
 * Audio configs are strict and bounded: a misspelt key, an absurd size, topK above numExperts or a
 * wrong-typed learning rate is a ConfigError naming the field; an edited manifest of the shipped
 * model is refused before building, naming manifest.json and the field.
 */
import { promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CheckpointError, ConfigError, initBackend, tf } from '@moe-zoo/core';
import {
  AudioTransformer,
  DEFAULT_FEATURES,
  loadAudioModel,
  loadPretrained,
  loadSpokenDigits,
  trainAudioClassifier,
  type AudioModelConfigInput,
  type AudioSet,
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
const model = (c: Record<string, unknown>) => () => new AudioTransformer(c as AudioModelConfigInput);
const MOE = { hidden: 16, numExperts: 4, topK: 2 };

beforeAll(async () => {
  await initBackend();
});

describe('audio configs are strict', () => {
  it('refuses misspelt keys, naming them', () => {
    expect(paths(configError(model({ ffn: { kind: 'moe', moe: MOE }, dpth: 3 })))).toEqual(['dpth']);
    expect(paths(configError(model({ ffn: { kind: 'moe', moe: { ...MOE, dispatc: 'dense' } } })))).toEqual([
      'ffn.moe.dispatc',
    ]);
    expect(
      paths(
        configError(
          model({
            ffn: { kind: 'moe', moe: { ...MOE, router: { type: 'sigmoid-loss-free', biasUpdaterate: 1 } } },
          }),
        ),
      ),
    ).toEqual(['ffn.moe.router.biasUpdaterate']);
    expect(
      paths(
        configError(
          model({ ffn: { kind: 'dense', hidden: 8 }, features: { ...DEFAULT_FEATURES, nmels: 40 } }),
        ),
      ),
    ).toEqual(['features.nmels']);
  });

  it('refuses absurd sizes without allocating, naming the field', () => {
    const bytes = tf.memory().numBytes;
    expect(paths(configError(model({ ffn: { kind: 'moe', moe: { ...MOE, numExperts: 1e5 } } })))).toContain(
      'ffn.moe.numExperts',
    );
    expect(paths(configError(model({ ffn: { kind: 'moe', moe: { ...MOE, numExperts: 1e6 } } })))).toContain(
      'ffn.moe.numExperts',
    );
    expect(paths(configError(model({ dim: 48000, ffn: { kind: 'moe', moe: MOE } })))).toEqual(['dim']);
    expect(paths(configError(model({ depth: 500, ffn: { kind: 'moe', moe: MOE } })))).toEqual(['depth']);
    // 1024 experts of 256 in 64 blocks of width 4096: every field in bounds, the whole refused.
    expect(
      paths(
        configError(
          model({
            dim: 4096,
            heads: 8,
            depth: 64,
            ffn: { kind: 'moe', moe: { hidden: 256, numExperts: 1024, topK: 2 } },
          }),
        ),
      ),
    ).toEqual(['depth']);
    expect(
      paths(
        configError(
          model({ ffn: { kind: 'dense', hidden: 8 }, features: { ...DEFAULT_FEATURES, sampleRate: 1e9 } }),
        ),
      ),
    ).toEqual(['features.sampleRate']);
    // A window shorter than one token: refused naming it, not `shape [16,NaN]` from tfjs.
    expect(
      paths(
        configError(
          model({
            ffn: { kind: 'dense', hidden: 8 },
            features: { ...DEFAULT_FEATURES, windowSeconds: 0.01 },
          }),
        ),
      ),
    ).toEqual(['features.windowSeconds']);
    expect(tf.memory().numBytes).toBe(bytes);
  });

  it('refuses topK above numExperts and heads that do not divide dim', () => {
    expect(paths(configError(model({ ffn: { kind: 'moe', moe: { ...MOE, topK: 9 } } })))).toEqual([
      'ffn.moe.topK',
    ]);
    expect(paths(configError(model({ heads: 5, ffn: { kind: 'moe', moe: MOE } })))).toEqual(['heads']);
  });

  it('refuses misspelt and absurd data options, naming the field', () => {
    expect(paths(configError(() => loadSpokenDigits('/nonexistent', { maxtrain: 10 } as never)))).toEqual([
      'maxtrain',
    ]);
    expect(paths(configError(() => loadSpokenDigits('/nonexistent', { testFraction: 1 })))).toEqual([
      'testFraction',
    ]);
    expect(
      paths(
        configError(() =>
          loadSpokenDigits('/nonexistent', { features: { ...DEFAULT_FEATURES, sampleRate: 1 } }),
        ),
      ),
    ).toEqual(['features.sampleRate']);
  });

  it('refuses a wrong-typed learning rate and unknown training options before training', async () => {
    const m = new AudioTransformer({ ffn: { kind: 'dense', hidden: 8 } });
    const set = { n: 64 } as AudioSet;
    for (const [options, field] of [
      [{ lr: '0.01' }, 'lr'],
      [{ lr: Number.NaN }, 'lr'],
      [{ batchSize: 1e9 }, 'batchSize'],
      [{ batchsize: 8 }, 'batchsize'],
    ] as const) {
      const e = await trainAudioClassifier(m, set, { epochs: 1, ...options } as never).catch(
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(ConfigError);
      expect(paths(e as ConfigError)).toContain(field);
    }
    m.dispose();
  });
});

describe('an edited manifest of the shipped model is refused before building', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'audio-cfg-'));
  });
  afterAll(async () => {
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  const moe = (c: Record<string, unknown>) => (c.ffn as { moe: Record<string, unknown> }).moe;
  it.each([
    [
      'numExperts 1e6',
      (c: Record<string, unknown>) => (moe(c).numExperts = 1e6),
      'config.ffn.moe.numExperts',
    ],
    [
      'numExperts 512',
      (c: Record<string, unknown>) => (moe(c).numExperts = 512),
      'config.ffn.moe.numExperts',
    ],
    ['dim 960', (c: Record<string, unknown>) => (c.dim = 960), 'config.dim'],
    ['depth 40', (c: Record<string, unknown>) => (c.depth = 40), 'config.depth'],
    [
      'nMels 64',
      (c: Record<string, unknown>) => ((c.features as Record<string, number>).nMels = 64),
      'config.features.nMels',
    ],
  ])('%s: CONFIG error naming manifest.json and the field, fast', async (name, edit, field) => {
    const src = loadPretrained.resolve('spoken-digits-moe');
    const dir = path.join(tmp, name.replace(/ /g, '-'));
    await fsp.mkdir(dir);
    await fsp.copyFile(path.join(src, 'model.safetensors'), path.join(dir, 'model.safetensors'));
    const manifest = JSON.parse(await fsp.readFile(path.join(src, 'manifest.json'), 'utf8'));
    edit(manifest.config);
    await fsp.writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    const bytes = tf.memory().numBytes;
    const start = performance.now();
    const e = await loadAudioModel(dir).catch((x: unknown) => x);
    expect(performance.now() - start).toBeLessThan(1000);
    expect(e).toBeInstanceOf(CheckpointError);
    const err = e as CheckpointError;
    expect([err.code, err.source, err.field]).toEqual(['CONFIG', path.join(dir, 'manifest.json'), field]);
    expect(tf.memory().numBytes).toBe(bytes);
  });
});
