/**
 * Configs are strict and bounded: a misspelt key, an absurd size, topK above numExperts or a
 * wrong-typed learning rate is a ConfigError naming the field; an edited checkpoint manifest is
 * refused before the net is built, naming manifest.json and the field.
 */
import { promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CheckpointError, ConfigError, initBackend, tf } from '@moe-zoo/core';
import {
  FiLMExperts,
  loadRestorationModel,
  loadPretrained,
  makePatchSet,
  MoFMELayer,
  RestorationNet,
  trainRestoration,
  type PatchSet,
  type RestorationConfigInput,
} from '../src';

/** The ConfigError `fn` throws; fails the test if it throws anything else or nothing. */
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

const MOFME = { kind: 'mofme' as const, mofme: { numExperts: 4, topK: 2 } };
const net = (c: Record<string, unknown>) => () => new RestorationNet(c as RestorationConfigInput);

beforeAll(async () => {
  await initBackend();
});

describe('restoration configs are strict', () => {
  it('refuses misspelt keys at every level, naming them', () => {
    expect(paths(configError(net({ dim: 16, heads: 2, dpth: 2, ffn: MOFME })))).toEqual(['dpth']);
    expect(
      paths(
        configError(
          net({
            dim: 16,
            heads: 2,
            ffn: { kind: 'mofme', mofme: { numExperts: 4, topK: 2, dispatc: 'dense' } },
          }),
        ),
      ),
    ).toEqual(['ffn.mofme.dispatc']);
    expect(
      paths(
        configError(
          net({
            dim: 16,
            heads: 2,
            ffn: { kind: 'moe', moe: { hidden: 8, numExperts: 4, topK: 2, capacityfactor: 2 } },
          }),
        ),
      ),
    ).toEqual(['ffn.moe.capacityfactor']);
    const router = { type: 'softmax', biass: true };
    expect(
      paths(
        configError(
          net({ dim: 16, heads: 2, ffn: { kind: 'mofme', mofme: { numExperts: 4, topK: 2, router } } }),
        ),
      ),
    ).toEqual(['ffn.mofme.router.biass']);
    expect(
      paths(configError(() => new MoFMELayer({ dim: 8, numExperts: 2, topK: 1, adaptorratio: 2 } as never))),
    ).toEqual(['adaptorratio']);
  });

  it('refuses absurd sizes before allocating, naming the field', () => {
    const bytes = tf.memory().numBytes;
    expect(paths(configError(net({ dim: 48000, heads: 4, ffn: MOFME })))).toEqual(['dim']);
    expect(
      paths(
        configError(net({ dim: 16, heads: 2, ffn: { kind: 'mofme', mofme: { numExperts: 1e5, topK: 2 } } })),
      ),
    ).toContain('ffn.mofme.numExperts');
    expect(paths(configError(net({ dim: 16, heads: 2, depth: 1000, ffn: MOFME })))).toEqual(['depth']);
    expect(
      paths(
        configError(
          net({
            dim: 16,
            heads: 2,
            ffn: { kind: 'mofme', mofme: { numExperts: 4, topK: 2, adaptorRatio: 5000 } },
          }),
        ),
      ),
    ).toEqual(['ffn.mofme.adaptorRatio']);
    expect(paths(configError(net({ dim: 16, heads: 2, tile: 100_000, ffn: MOFME })))).toEqual(['tile']);
    // Each field within its bound, the whole beyond the parameter budget: reported on depth.
    expect(paths(configError(net({ dim: 4096, heads: 8, depth: 64, ffn: MOFME })))).toEqual(['depth']);
    expect(
      paths(configError(() => new FiLMExperts({ numExperts: 4, dim: 1e6, modulation: 'linear' }))),
    ).toEqual(['dim']);
    expect(tf.memory().numBytes).toBe(bytes);
  });

  it('refuses topK above numExperts, heads not dividing dim, an unknown modulation', () => {
    expect(
      paths(
        configError(net({ dim: 16, heads: 2, ffn: { kind: 'mofme', mofme: { numExperts: 4, topK: 9 } } })),
      ),
    ).toEqual(['ffn.mofme.topK']);
    expect(paths(configError(net({ dim: 16, heads: 3, ffn: MOFME })))).toEqual(['heads']);
    expect(
      paths(configError(() => new FiLMExperts({ numExperts: 2, dim: 8, modulation: 'bogus' as 'linear' }))),
    ).toEqual(['modulation']);
  });

  it('refuses patch sets that would not fit in memory and misspelt data options, naming the field', () => {
    expect(
      paths(configError(() => makePatchSet({ split: 'train', n: 1e6, size: 1024, cacheDir: false }))),
    ).toEqual(['n']);
    expect(paths(configError(() => makePatchSet({ split: 'train', n: 8, sed: 1 } as never)))).toEqual([
      'sed',
    ]);
    expect(paths(configError(() => makePatchSet({ split: 'val' as 'test', n: 8 })))).toEqual(['split']);
  });

  it('refuses a wrong-typed learning rate and unknown training options before training', async () => {
    const model = new RestorationNet({ dim: 16, heads: 2, channels: 8, ffn: MOFME });
    const train = { n: 4 } as unknown as PatchSet;
    for (const [options, field] of [
      [{ lr: '0.01' }, 'lr'],
      [{ lr: -1 }, 'lr'],
      [{ batchSize: 0 }, 'batchSize'],
      [{ epoch: 2 }, 'epoch'],
    ] as const) {
      const e = await trainRestoration({ model, train, epochs: 1, ...options } as never).catch(
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(ConfigError);
      expect(paths(e as ConfigError)).toContain(field);
    }
    model.dispose();
  });
});

describe('an edited checkpoint of the shipped net is refused before building', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'restoration-cfg-'));
  });
  afterAll(async () => {
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  async function editedCopy(name: string, edit: (config: Record<string, unknown>) => void): Promise<string> {
    const src = loadPretrained.resolve('mofme-deweather');
    const dir = path.join(tmp, name);
    await fsp.mkdir(dir);
    await fsp.copyFile(path.join(src, 'model.safetensors'), path.join(dir, 'model.safetensors'));
    const manifest = JSON.parse(await fsp.readFile(path.join(src, 'manifest.json'), 'utf8'));
    edit(manifest.config);
    await fsp.writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    return dir;
  }

  const mofme = (c: Record<string, unknown>) => (c.ffn as { mofme: Record<string, unknown> }).mofme;
  it.each([
    ['dim 48000', (c: Record<string, unknown>) => (c.dim = 48000), 'config.dim'],
    ['dim 512', (c: Record<string, unknown>) => (c.dim = 512), 'config.dim'],
    ['depth 32', (c: Record<string, unknown>) => (c.depth = 32), 'config.depth'],
    [
      'numExperts 512',
      (c: Record<string, unknown>) => (mofme(c).numExperts = 512),
      'config.ffn.mofme.numExperts',
    ],
    [
      'adaptorRatio 32',
      (c: Record<string, unknown>) => (mofme(c).adaptorRatio = 32),
      'config.ffn.mofme.adaptorRatio',
    ],
    ['patch 8', (c: Record<string, unknown>) => (c.patch = 8), 'config.patch'],
    ['tile 256', (c: Record<string, unknown>) => (c.tile = 256), 'config.tile'],
    ['channels 256', (c: Record<string, unknown>) => (c.channels = 256), 'config.channels'],
    [
      'a misspelt key',
      (c: Record<string, unknown>) => (mofme(c).dispatc = 'dense'),
      'config.ffn.mofme.dispatc',
    ],
  ])(
    '%s: CONFIG error naming manifest.json and the field, fast, without memory growth',
    async (name, edit, field) => {
      const dir = await editedCopy(name.replace(/ /g, '-'), edit);
      const bytes = tf.memory().numBytes;
      const start = performance.now();
      const e = await loadRestorationModel(dir).catch((x: unknown) => x);
      const ms = performance.now() - start;
      expect(e).toBeInstanceOf(CheckpointError);
      const err = e as CheckpointError;
      expect([err.code, err.source, err.field]).toEqual(['CONFIG', path.join(dir, 'manifest.json'), field]);
      expect(ms).toBeLessThan(1000);
      expect(tf.memory().numBytes).toBe(bytes);
    },
  );
});
