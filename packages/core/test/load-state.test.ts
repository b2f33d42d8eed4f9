/**
 * `Module.loadStateDict` on state from a file: typed, bounded errors naming the file; no silent
 * dtype casts; nothing assigned unless everything fits.
 */
import { createHash } from 'crypto';
import { promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend, tf } from '../src';
import {
  CheckpointError,
  encodeSafetensors,
  loadIntoModule,
  saveCheckpoint,
  type TensorData,
} from '../src/io';
import { Module } from '../src/nn/module';

beforeAll(async () => {
  await initBackend();
});

let tmp: string;
beforeAll(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'moe-state-'));
});
afterAll(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

let dirCount = 0;
function freshDir(): string {
  return path.join(tmp, `d-${dirCount++}`);
}

class Pair extends Module {
  readonly w = this.param('w', tf.tensor2d([[1.5, -2.25]]));
  readonly v = this.param('v', tf.tensor1d([0.5, 4, 8]));
}

/** A checkpoint of model "pair" whose tensor file is `bytes`, with a matching checksum. */
async function writeCheckpoint(dir: string, bytes: Buffer): Promise<void> {
  await saveCheckpoint(dir, { model: 'pair', state: {} });
  await fsp.writeFile(path.join(dir, 'model.safetensors'), bytes);
  const manifestFile = path.join(dir, 'manifest.json');
  const manifest = JSON.parse(await fsp.readFile(manifestFile, 'utf8')) as { sha256: string };
  manifest.sha256 = createHash('sha256').update(bytes).digest('hex');
  await fsp.writeFile(manifestFile, JSON.stringify(manifest));
}

async function caught(p: Promise<unknown> | (() => unknown)): Promise<CheckpointError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (e instanceof CheckpointError) return e;
    throw e;
  }
  throw new Error('expected a CheckpointError');
}

describe('loadStateDict', () => {
  it('refuses a 200k-entry file with a short CheckpointError naming the file', async () => {
    const dir = freshDir();
    const stray: Record<string, TensorData> = {};
    for (let i = 0; i < 200_000; i++)
      stray[`stray.${i}`] = { dtype: 'F32', shape: [], data: new Float32Array(1) };
    await writeCheckpoint(dir, encodeSafetensors(stray));

    const net = new Pair();
    const before = tf.memory().numTensors;
    const e = await caught(loadIntoModule(net, dir));
    expect([e.code, e.source]).toEqual(['SHAPE', path.join(dir, 'model.safetensors')]);
    expect(e.message).toMatch(/missing \[w, v\], unexpected \[(stray\.\d+, ){8}\.\.\. 199992 more\]$/);
    expect(e.message.length).toBeLessThan(400);
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
  });

  it('refuses F32 data relabelled as I32, and assigns nothing', async () => {
    const dir = freshDir();
    const net = new Pair();
    await saveCheckpoint(dir, { model: 'pair', state: net.stateDict() });
    const file = path.join(dir, 'model.safetensors');
    // Same bytes, header says I32 for "v": a cast would load 3 huge integers as floats.
    const relabelled = Buffer.from(
      (await fsp.readFile(file)).toString('latin1').replace('"v":{"dtype":"F32"', '"v":{"dtype":"I32"'),
      'latin1',
    );
    await writeCheckpoint(dir, relabelled);

    const fresh = new Pair();
    fresh.w.assign(tf.tensor2d([[7, 7]]));
    const e = await caught(loadIntoModule(fresh, dir));
    expect([e.code, e.source, e.field]).toEqual(['DTYPE', file, 'tensor "v"']);
    expect(e.message).toMatch(/is int32, the parameter is float32/);
    // "w" fits, but nothing is assigned when any tensor does not.
    expect(Array.from(fresh.w.dataSync())).toEqual([7, 7]);
    [net, fresh].forEach((m) => m.dispose());
  });

  it('refuses another dtype or shape given directly, naming the tensor', async () => {
    const net = new Pair();
    const ints = { w: tf.tensor2d([[1, 2]], [1, 2], 'int32'), v: tf.zeros([3]) };
    const dtype = await caught(() => net.loadStateDict(ints));
    expect([dtype.code, dtype.source, dtype.message]).toEqual([
      'DTYPE',
      undefined,
      'tensor "w": loadStateDict: is int32, the parameter is float32',
    ]);
    const wide = { w: tf.zeros([1, 3]), v: tf.zeros([3]) };
    const shape = await caught(() => net.loadStateDict(wide, { source: 'x.safetensors' }));
    expect([shape.code, shape.message]).toEqual([
      'SHAPE',
      'x.safetensors: tensor "w": loadStateDict: has shape [1,3], expected [1,2]',
    ]);
    const long = { w: tf.zeros([1, 2]), v: tf.zeros([3]), ['x'.repeat(1_000_000)]: tf.zeros([1]) };
    const named = await caught(() => net.loadStateDict(long));
    expect(named.message).toMatch(/^loadStateDict: missing \[\], unexpected \[x{100}\.\.\.\]$/);
    tf.dispose([...Object.values(ints), ...Object.values(wide), ...Object.values(long)]);
    net.dispose();
  });
});
