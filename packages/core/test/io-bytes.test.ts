/**
 * Checkpoints from bytes (the browser entry's loader): the same checks as the file loader, the
 * pure SHA-256 against Node's, and safetensors bytes without Buffer equal to the Node encoder's.
 */
import { createHash } from 'crypto';
import { promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  CheckpointError,
  encodeSafetensors,
  encodeSafetensorsBytes,
  fetchCheckpoint,
  initBackend,
  loadStateFromBytes,
  MoELayer,
  saveCheckpoint,
  setSeed,
  sha256Hex,
  sha256HexAsync,
  tf,
  type CheckpointBytes,
} from '../src';

const LAYER = { dim: 8, hidden: 16, numExperts: 4, topK: 2 } as const;

let dir: string;
let bytes: CheckpointBytes & { model: Uint8Array };

beforeAll(async () => {
  await initBackend();
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'moe-bytes-'));
  setSeed(1);
  const layer = new MoELayer(LAYER);
  await saveCheckpoint(dir, { model: 'bytes-moe', state: layer.stateDict(), config: LAYER });
  layer.dispose();
  bytes = {
    manifest: await fsp.readFile(path.join(dir, 'manifest.json'), 'utf8'),
    model: new Uint8Array(await fsp.readFile(path.join(dir, 'model.safetensors'))),
  };
});

afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

function caught(p: Promise<unknown>): Promise<CheckpointError> {
  return p.then(
    () => {
      throw new Error('expected a CheckpointError');
    },
    (e: unknown) => e as CheckpointError,
  );
}

describe('sha256', () => {
  it('matches Node crypto at every padding boundary and on a megabyte', async () => {
    const data = new Uint8Array(1 << 20).map((_, i) => (i * 2654435761) >>> 24);
    for (const n of [0, 1, 3, 55, 56, 63, 64, 65, 119, 120, 127, 128, 1000, data.length]) {
      const part = data.subarray(7, 7 + n);
      const want = createHash('sha256').update(part).digest('hex');
      expect({ n, hex: sha256Hex(part) }).toEqual({ n, hex: want });
      expect({ n, hex: await sha256HexAsync(part) }).toEqual({ n, hex: want });
    }
  });
});

describe('encodeSafetensorsBytes', () => {
  it('gives the bytes of encodeSafetensors', () => {
    const tensors = {
      w: { dtype: 'F32' as const, shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
      i: { dtype: 'I32' as const, shape: [1], data: new Int32Array([7]) },
    };
    const fromBytes = encodeSafetensorsBytes(tensors, { note: 'x' });
    expect(fromBytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(fromBytes).equals(encodeSafetensors(tensors, { note: 'x' }))).toBe(true);
  });
});

describe('loadStateFromBytes', () => {
  it('loads what saveCheckpoint wrote: the same outputs as the saved layer', async () => {
    setSeed(1);
    const saved = new MoELayer(LAYER).eval();
    setSeed(2);
    const layer = new MoELayer(LAYER).eval();
    const x = tf.randomNormal([6, 8], 0, 1, 'float32', 5);
    const before = await tf.tidy(() => tf.sub(layer.forward(x).y, saved.forward(x).y).abs().max()).data();
    expect(before[0]).toBeGreaterThan(1e-3);
    const manifest = await loadStateFromBytes(
      layer,
      { ...bytes, model: bytes.model.slice().buffer },
      { expectModel: 'bytes-moe' },
    );
    expect(manifest.model).toBe('bytes-moe');
    const after = await tf.tidy(() => tf.sub(layer.forward(x).y, saved.forward(x).y).abs().max()).data();
    expect(after[0]).toBe(0);
    tf.dispose(x);
    saved.dispose();
    layer.dispose();
  });

  it('refuses changed bytes (CHECKSUM), another model (MODEL) and a bad manifest (MANIFEST) before loading', async () => {
    const layer = new MoELayer(LAYER);
    const tampered = bytes.model.slice();
    tampered[tampered.length - 1] ^= 1;
    expect((await caught(loadStateFromBytes(layer, { ...bytes, model: tampered }))).code).toBe('CHECKSUM');
    expect((await caught(loadStateFromBytes(layer, bytes, { expectModel: 'other' }))).code).toBe('MODEL');
    expect((await caught(loadStateFromBytes(layer, { ...bytes, manifest: '{' }))).code).toBe('MANIFEST');
    layer.dispose();
  });

  it('fetchCheckpoint reads the manifest, then the tensor file it names', async () => {
    const asked: string[] = [];
    const fetcher = async (url: string): Promise<Response> => {
      asked.push(url);
      const file = path.join(dir, url.replace('https://models.test/m/', ''));
      try {
        return new Response(await fsp.readFile(file));
      } catch {
        return new Response(null, { status: 404, statusText: 'Not Found' });
      }
    };
    const fetched = await fetchCheckpoint('https://models.test/m', fetcher);
    expect(asked).toEqual(['https://models.test/m/manifest.json', 'https://models.test/m/model.safetensors']);
    expect(fetched.manifest).toBe(bytes.manifest);
    expect(new Uint8Array(fetched.model)).toEqual(bytes.model);
    const missing = await caught(fetchCheckpoint('https://models.test/none/', fetcher));
    expect(missing.code).toBe('MISSING');
  });
});
