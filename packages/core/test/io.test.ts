import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import { promises as fsp, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { z } from 'zod';
import { initBackend, tf } from '../src';
import {
  CheckpointError,
  LIBRARY_VERSION,
  dataToTensor,
  decodeSafetensors,
  encodeSafetensors,
  loadCheckpoint,
  loadIntoModule,
  loadModel,
  MAX_MANIFEST_BYTES,
  saveCheckpoint,
  saveModel,
  type ModelFormat,
  tensorToData,
  writeFileAtomic,
  type AtomicWriteOptions,
  type CheckpointErrorCode,
  type TensorData,
} from '../src/io';
import { Module } from '../src/nn/module';

beforeAll(async () => {
  await initBackend();
});

let tmp: string;
beforeAll(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'moe-io-'));
});
afterAll(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

let dirCount = 0;
function freshDir(): string {
  return path.join(tmp, `ckpt-${dirCount++}`);
}

class Inner extends Module {
  readonly b: tf.Variable;
  readonly steps: tf.Variable;
  constructor(seed: number) {
    super();
    this.b = this.param('b', tf.randomNormal([4], 0, 1, 'float32', seed + 1));
    this.steps = this.buffer('steps', tf.tensor1d([seed, -7, 2147483647], 'int32'));
  }
}

class Tiny extends Module {
  readonly w: tf.Variable;
  readonly inner: Inner;
  readonly mask: tf.Variable;
  constructor(seed: number) {
    super();
    this.w = this.param('w', tf.randomNormal([3, 4], 0, 1, 'float32', seed));
    this.inner = this.child('inner', new Inner(seed));
    this.mask = this.buffer('mask', tf.tensor1d([seed % 2 === 0, true, false], 'bool'));
  }
}

const configSchema = z.object({ hidden: z.number().int().positive(), experts: z.number().int().min(1) });

function bytes(a: Float32Array | Int32Array | Uint8Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function f32FromBits(bits: number[]): Float32Array {
  return new Float32Array(new Uint32Array(bits).buffer);
}

/** NaN payloads (quiet, signalling, negative), ±0, denormals, infinities, extremes. */
const SPECIAL_F32 = f32FromBits([
  0x7fc00000, 0x7fc00001, 0x7f800001, 0xffc12345, 0x7fbfffff, 0x00000000, 0x80000000, 0x00000001, 0x807fffff,
  0x007fffff, 0x7f800000, 0xff800000, 0x7f7fffff, 0x3f800000,
]);

function caught(fn: () => unknown): CheckpointError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CheckpointError) return e;
    throw e;
  }
  throw new Error('expected a CheckpointError, nothing was thrown');
}

async function rejected(p: Promise<unknown>): Promise<CheckpointError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CheckpointError) return e;
    throw e;
  }
  throw new Error('expected a CheckpointError, the promise resolved');
}

/** A safetensors file with a hand-written header. */
function craft(header: unknown, data: number | Uint8Array, rawHeader?: string | Buffer): Buffer {
  const json = Buffer.isBuffer(rawHeader)
    ? rawHeader
    : Buffer.from(rawHeader ?? JSON.stringify(header), 'utf8');
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = Buffer.alloc(8 + json.length + body.length);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(out, 8);
  out.set(body, 8 + json.length);
  return out;
}

function sample(): Record<string, TensorData> {
  return {
    special: { dtype: 'F32', shape: [2, 7], data: SPECIAL_F32.slice() },
    ids: { dtype: 'I32', shape: [4], data: new Int32Array([0, -1, 2147483647, -2147483648]) },
    bytes: { dtype: 'U8', shape: [2, 2], data: new Uint8Array([0, 1, 128, 255]) },
    flags: { dtype: 'BOOL', shape: [3], data: new Uint8Array([1, 0, 1]) },
    scalar: { dtype: 'F32', shape: [], data: new Float32Array([3.5]) },
    empty: { dtype: 'I32', shape: [0, 5], data: new Int32Array(0) },
  };
}

describe('safetensors', () => {
  it('round-trips every dtype bit-exactly, NaN payloads, -0 and denormals included', () => {
    const input = sample();
    const buf = encodeSafetensors(input, { note: 'hi', 'moe.step': '12' });
    const { tensors, metadata } = decodeSafetensors(buf, 'sample.safetensors');
    expect(metadata).toEqual({ note: 'hi', 'moe.step': '12' });
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(input).sort());
    for (const [name, t] of Object.entries(input)) {
      expect(tensors[name].dtype).toBe(t.dtype);
      expect(tensors[name].shape).toEqual(t.shape);
      expect(tensors[name].data.constructor).toBe(t.data.constructor);
      expect(bytes(tensors[name].data)).toEqual(bytes(t.data));
    }
    expect(encodeSafetensors(tensors, metadata)).toEqual(buf);
  });

  it('writes the spec layout: LE length, space-padded header, sorted names, packed data', () => {
    const buf = encodeSafetensors(
      {
        b: { dtype: 'I32', shape: [1], data: new Int32Array([0x01020304]) },
        a: { dtype: 'U8', shape: [3], data: new Uint8Array([9, 8, 7]) },
      },
      { k: 'v' },
    );
    const n = Number(buf.readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    const header = buf.subarray(8, 8 + n).toString('utf8');
    expect(header).toBe(
      `${'{"__metadata__":{"k":"v"},"a":{"dtype":"U8","shape":[3],"data_offsets":[0,3]},' + '"b":{"dtype":"I32","shape":[1],"data_offsets":[3,7]}}'}`.padEnd(
        n,
        ' ',
      ),
    );
    expect([...buf.subarray(8 + n)]).toEqual([9, 8, 7, 4, 3, 2, 1]);
  });

  it('keeps a "__proto__" tensor name as an own property', () => {
    const buf = craft(
      { ['__proto__']: { dtype: 'U8', shape: [1], data_offsets: [0, 1] } },
      new Uint8Array([5]),
    );
    const { tensors } = decodeSafetensors(buf);
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
    expect(Object.keys(tensors)).toEqual(['__proto__']);
    expect([...tensors['__proto__'].data]).toEqual([5]);
  });

  it('converts tensors of each dtype both ways', () => {
    const f = tf.tensor(SPECIAL_F32, [14]);
    const d = tensorToData(f);
    expect(d.dtype).toBe('F32');
    expect(bytes(d.data)).toEqual(bytes(SPECIAL_F32));
    const back = dataToTensor(d);
    expect(back.dtype).toBe('float32');
    expect(bytes(back.dataSync() as Float32Array)).toEqual(bytes(SPECIAL_F32));

    const i = tf.tensor2d([[1, -2, 3]], [1, 3], 'int32');
    expect(tensorToData(i)).toEqual({ dtype: 'I32', shape: [1, 3], data: new Int32Array([1, -2, 3]) });
    const b = tf.tensor1d([true, false, true], 'bool');
    expect(tensorToData(b)).toEqual({ dtype: 'BOOL', shape: [3], data: new Uint8Array([1, 0, 1]) });

    const u8 = dataToTensor({ dtype: 'U8', shape: [3], data: new Uint8Array([0, 200, 255]) });
    expect(u8.dtype).toBe('int32');
    expect([...u8.dataSync()]).toEqual([0, 200, 255]);
    const bools = dataToTensor({ dtype: 'BOOL', shape: [3], data: new Uint8Array([0, 2, 1]) });
    expect(bools.dtype).toBe('bool');
    expect([...bools.dataSync()]).toEqual([0, 1, 1]);
    tf.dispose([f, back, i, b, u8, bools]);
  });

  it('refuses to encode data that does not match its dtype or shape', () => {
    const shape = caught(() =>
      encodeSafetensors({ w: { dtype: 'F32', shape: [3], data: new Float32Array(2) } }),
    );
    expect(shape.code).toBe('SHAPE');
    expect(shape.message).toMatch(/"w"/);
    const dtype = caught(() =>
      encodeSafetensors({ w: { dtype: 'I32', shape: [2], data: new Float32Array(2) } }),
    );
    expect(dtype.code).toBe('DTYPE');
  });

  const f32x2 = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };
  const cases: [string, () => Buffer, CheckpointErrorCode, RegExp][] = [
    ['fewer than 8 bytes', () => Buffer.alloc(5), 'TRUNCATED', /5 bytes/],
    ['a header cut short', () => encodeSafetensors(sample()).subarray(0, 40), 'TRUNCATED', /header length/],
    [
      'data cut short',
      () => {
        const buf = encodeSafetensors(sample());
        return buf.subarray(0, buf.length - 1);
      },
      'TRUNCATED',
      /tensor "special".*past the/,
    ],
    [
      'a header length of 2^40',
      () => {
        const buf = Buffer.from(encodeSafetensors(sample()));
        buf.writeBigUInt64LE(2n ** 40n, 0);
        return buf;
      },
      'HEADER',
      /exceeds/,
    ],
    [
      'a header length of 2^64 - 1',
      () => {
        const buf = Buffer.from(encodeSafetensors(sample()));
        buf.writeBigUInt64LE(2n ** 64n - 1n, 0);
        return buf;
      },
      'HEADER',
      /18446744073709551615/,
    ],
    ['header garbage', () => craft(null, 0, '{"w": {"dtype": "F32", shape'), 'HEADER', /JSON/],
    ['a header not starting with "{"', () => craft(null, 0, ' {}'), 'HEADER', /start with "\{"/],
    ['a JSON array header', () => craft(null, 0, '[1]'), 'HEADER', /start with "\{"/],
    ['an unterminated header', () => craft(null, 0, '{'), 'HEADER', /JSON/],
    [
      'invalid UTF-8',
      () =>
        craft(null, 0, Buffer.concat([Buffer.from('{"'), Buffer.from([0xff, 0xfe]), Buffer.from('":1}')])),
      'HEADER',
      /UTF-8/,
    ],
    [
      'a non-string metadata value',
      () => craft({ __metadata__: { step: 3 } }, 0),
      'HEADER',
      /__metadata__\.step/,
    ],
    ['an empty tensor name', () => craft({ '': f32x2 }, 8), 'HEADER', /empty tensor name/],
    ['an entry that is not an object', () => craft({ w: [1, 2] }, 8), 'HEADER', /"w".*not an object/],
    ['an unknown dtype', () => craft({ w: { ...f32x2, dtype: 'Q4' } }, 8), 'DTYPE', /"w".*Q4/],
    ['an unsupported spec dtype', () => craft({ w: { ...f32x2, dtype: 'F16' } }, 8), 'DTYPE', /F16/],
    [
      'a shape that does not match its bytes',
      () => craft({ w: { ...f32x2, shape: [3] } }, 8),
      'SHAPE',
      /"w"/,
    ],
    ['a negative dimension', () => craft({ w: { ...f32x2, shape: [-2] } }, 8), 'SHAPE', /"w"/],
    [
      'a rank above 64',
      () => craft({ w: { dtype: 'U8', shape: Array(65).fill(1), data_offsets: [0, 1] } }, 1),
      'SHAPE',
      /at most 64/,
    ],
    ['a fractional dimension', () => craft({ w: { ...f32x2, shape: [2.5] } }, 8), 'SHAPE', /"w"/],
    [
      'a shape whose product overflows',
      () => craft({ w: { ...f32x2, shape: [2 ** 52, 2 ** 52, 2 ** 52] } }, 8),
      'SHAPE',
      /more than the 8 data bytes/,
    ],
    ['fractional offsets', () => craft({ w: { ...f32x2, data_offsets: [0, 7.5] } }, 8), 'OFFSETS', /"w"/],
    ['reversed offsets', () => craft({ w: { ...f32x2, data_offsets: [8, 0] } }, 8), 'OFFSETS', /ordered/],
    [
      'overlapping offsets',
      () => craft({ a: f32x2, b: { ...f32x2, data_offsets: [4, 12] } }, 12),
      'OFFSETS',
      /"b".*overlap/,
    ],
    [
      'a hole between tensors',
      () => craft({ a: f32x2, b: { ...f32x2, data_offsets: [12, 20] } }, 20),
      'OFFSETS',
      /"b".*hole/,
    ],
    ['trailing data bytes', () => craft({ a: f32x2 }, 12), 'OFFSETS', /4 trailing bytes/],
  ];

  it.each(cases)('rejects %s with a CheckpointError naming the file', (_label, make, code, pattern) => {
    const err = caught(() => decodeSafetensors(make(), 'bad.safetensors'));
    expect(err.code).toBe(code);
    expect(err.message).toMatch(/^bad\.safetensors: /);
    expect(err.message).toMatch(pattern);
  });
});

describe('checkpoints', () => {
  async function saveTiny(dir: string, net: Tiny, extra: Partial<Parameters<typeof saveCheckpoint>[1]> = {}) {
    await saveCheckpoint(dir, {
      model: 'tiny',
      state: net.stateDict(),
      config: { hidden: 4, experts: 2 },
      configSchema,
      ...extra,
    });
  }

  it('round-trips a Module state dict bit-exactly, keeping dtypes, without leaking tensors', async () => {
    const a = new Tiny(1);
    const b = new Tiny(2);
    const dir = freshDir();
    await saveTiny(dir, a, { extra: { step: 7 } });

    const before = tf.memory().numTensors;
    const manifest = await loadIntoModule(b, dir, { expectModel: 'tiny', configSchema });
    expect(tf.memory().numTensors).toBe(before);
    expect(manifest.extra).toEqual({ step: 7 });

    const sa = a.stateDict();
    const sb = b.stateDict();
    expect(Object.keys(sb).sort()).toEqual(['inner.b', 'inner.steps', 'mask', 'w']);
    for (const [name, t] of Object.entries(sa)) {
      expect(sb[name].dtype).toBe(t.dtype);
      expect(bytes(sb[name].dataSync() as Float32Array)).toEqual(bytes(t.dataSync() as Float32Array));
    }
    a.dispose();
    b.dispose();
  });

  it('stores raw special floats, int32 and bool tensors and extra files exactly', async () => {
    const dir = freshDir();
    const state = {
      special: tf.tensor(SPECIAL_F32, [2, 7]),
      ids: tf.tensor1d([0, -1, 2147483647, -2147483648], 'int32'),
      flags: tf.tensor2d([[true], [false]], [2, 1], 'bool'),
    };
    const optimizer = { 'w.m': tf.tensor1d([0.5, -0]), step: tf.scalar(3, 'int32') };
    await saveCheckpoint(dir, { model: 'raw', state, files: { optimizer } });

    const loaded = await loadCheckpoint(dir);
    for (const [name, t] of Object.entries(state)) {
      expect(loaded.state[name].dtype).toBe(t.dtype);
      expect(loaded.state[name].shape).toEqual(t.shape);
      expect(bytes(loaded.state[name].dataSync() as Float32Array)).toEqual(
        bytes(t.dataSync() as Float32Array),
      );
    }
    expect(Object.keys(loaded.files)).toEqual(['optimizer']);
    expect(bytes(loaded.files.optimizer['w.m'].dataSync() as Float32Array)).toEqual(
      bytes(new Float32Array([0.5, -0])),
    );
    expect(loaded.files.optimizer.step.dtype).toBe('int32');

    const m = loaded.manifest;
    const sha = (f: string) =>
      createHash('sha256')
        .update(readFileSync(path.join(dir, f)))
        .digest('hex');
    expect(m).toMatchObject({ format: 'moe-zoo-checkpoint', formatVersion: 1, model: 'raw', config: null });
    expect(m.sha256).toBe(sha('model.safetensors'));
    expect(m.files).toEqual({ optimizer: sha('optimizer.safetensors') });
    expect(new Date(m.createdAt).toISOString()).toBe(m.createdAt);
    tf.dispose([...Object.values(state), ...Object.values(optimizer), ...Object.values(loaded.state)]);
    tf.dispose(Object.values(loaded.files.optimizer));
  });

  it('writes a byte-identical model file on re-save', async () => {
    const net = new Tiny(3);
    const [d1, d2] = [freshDir(), freshDir()];
    await saveTiny(d1, net);
    const first = await fsp.readFile(path.join(d1, 'model.safetensors'));
    await saveTiny(d1, net);
    await saveTiny(d2, net);
    expect(await fsp.readFile(path.join(d1, 'model.safetensors'))).toEqual(first);
    expect(await fsp.readFile(path.join(d2, 'model.safetensors'))).toEqual(first);
    net.dispose();
  });

  it('records the library version of package.json', async () => {
    const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(LIBRARY_VERSION).toBe(pkg.version);
    const dir = freshDir();
    await saveCheckpoint(dir, { model: 'v', state: {} });
    const { manifest } = await loadCheckpoint(dir);
    expect(manifest.libraryVersion).toBe(pkg.version);
  });

  describe('refuses', () => {
    let dir: string;
    let net: Tiny;
    beforeAll(async () => {
      net = new Tiny(4);
      dir = freshDir();
      await saveTiny(dir, net, { files: { optimizer: { m: tf.zeros([2]) } } });
    });
    afterAll(() => net.dispose());

    async function copy(): Promise<string> {
      const d = freshDir();
      await fsp.cp(dir, d, { recursive: true });
      return d;
    }

    async function editManifest(d: string, edit: (m: Record<string, unknown>) => void): Promise<void> {
      const p = path.join(d, 'manifest.json');
      const m = JSON.parse(await fsp.readFile(p, 'utf8')) as Record<string, unknown>;
      edit(m);
      await fsp.writeFile(p, JSON.stringify(m));
    }

    it('a tampered byte (CHECKSUM)', async () => {
      const d = await copy();
      const p = path.join(d, 'model.safetensors');
      const buf = await fsp.readFile(p);
      buf[buf.length - 3] ^= 0x01;
      await fsp.writeFile(p, buf);
      const err = await rejected(loadCheckpoint(d));
      expect(err.code).toBe('CHECKSUM');
      expect(err.message).toContain(p);
    });

    it('a tampered extra file (CHECKSUM)', async () => {
      const d = await copy();
      const p = path.join(d, 'optimizer.safetensors');
      await fsp.appendFile(p, ' ');
      const err = await rejected(loadCheckpoint(d));
      expect(err.code).toBe('CHECKSUM');
      expect(err.message).toContain('optimizer.safetensors');
    });

    it('a wrong model name (MODEL)', async () => {
      const err = await rejected(loadCheckpoint(dir, { expectModel: 'switch-transformer' }));
      expect(err.code).toBe('MODEL');
      expect(err.message).toMatch(/model: is "tiny", expected "switch-transformer"/);
    });

    it('a config failing its schema at load, naming the field (CONFIG)', async () => {
      const d = await copy();
      await editManifest(d, (m) => {
        m.config = { hidden: -4, experts: 2 };
      });
      const err = await rejected(loadCheckpoint(d, { configSchema }));
      expect(err.code).toBe('CONFIG');
      expect(err.message).toContain('manifest.json: config.hidden: ');
    });

    it('a config failing its schema at save, writing nothing (CONFIG)', async () => {
      const d = freshDir();
      const err = await rejected(saveTiny(d, net, { config: { hidden: 4, experts: 'two' } }));
      expect(err.code).toBe('CONFIG');
      expect(err.message).toMatch(/^config\.experts: /);
      await expect(fsp.access(d)).rejects.toThrow();
    });

    it('a missing tensor file or manifest (MISSING), naming the path', async () => {
      const d = await copy();
      await fsp.rm(path.join(d, 'optimizer.safetensors'));
      const err = await rejected(loadCheckpoint(d));
      expect(err.code).toBe('MISSING');
      expect(err.message).toContain(path.join(d, 'optimizer.safetensors'));
      const none = await rejected(loadCheckpoint(freshDir()));
      expect(none.code).toBe('MISSING');
      expect(none.message).toMatch(/manifest\.json: file not found/);
    });

    it.each<[string, (m: Record<string, unknown>) => void, RegExp]>([
      ['another format', (m) => (m.format = 'pickle'), /format: is "pickle"/],
      ['a newer format version', (m) => (m.formatVersion = 2), /formatVersion: 2 is not supported/],
      ['a bad checksum string', (m) => (m.sha256 = 'abc'), /sha256: /],
      [
        'a path in files',
        (m) => (m.files = { '../../etc/passwd': 'a'.repeat(64) }),
        /files\.\.\.\/\.\.\/etc\/passwd: Invalid key/,
      ],
      ['a reserved name in files', (m) => (m.files = { model: 'a'.repeat(64) }), /files\.model: /],
      ['no model name', (m) => delete m.model, /model: /],
    ])('a manifest with %s (MANIFEST)', async (_label, edit, pattern) => {
      const d = await copy();
      await editManifest(d, edit);
      const err = await rejected(loadCheckpoint(d));
      expect(err.code).toBe('MANIFEST');
      expect(err.message).toMatch(pattern);
    });

    it('a manifest that is not JSON (MANIFEST)', async () => {
      const d = await copy();
      await fsp.writeFile(path.join(d, 'manifest.json'), 'module.exports = {}');
      expect((await rejected(loadCheckpoint(d))).code).toBe('MANIFEST');
    });

    it('a malformed tensor file even when its checksum matches', async () => {
      const d = await copy();
      const bad = craft({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8);
      await fsp.writeFile(path.join(d, 'model.safetensors'), bad);
      await editManifest(d, (m) => {
        m.sha256 = createHash('sha256').update(bad).digest('hex');
      });
      const err = await rejected(loadCheckpoint(d));
      expect(err.code).toBe('SHAPE');
      expect(err.message).toContain(`${path.join(d, 'model.safetensors')}: tensor "w"`);
    });

    it('a state dict that does not fit the module, leaking nothing', async () => {
      const d = freshDir();
      await saveCheckpoint(d, { model: 'tiny', state: { w: tf.zeros([3, 4]) } });
      const before = tf.memory().numTensors;
      await expect(loadIntoModule(net, d)).rejects.toThrow(
        /loadStateDict: missing \[inner\.b, mask, inner\.steps\]/,
      );
      expect(tf.memory().numTensors).toBe(before);
    });
  });
});

describe('saveModel / loadModel', () => {
  /** A Tiny whose config is its seed, so a rebuilt model has other weights until loaded. */
  class SeededTiny extends Tiny {
    constructor(readonly config: { seed: number }) {
      super(config.seed);
    }
  }
  const seedSchema = z.object({ seed: z.number().int().min(0) });
  const format: ModelFormat<SeededTiny, typeof seedSchema> = {
    name: 'seeded-tiny',
    configSchema: seedSchema,
    configOf: (m) => m.config,
    build: (c) => new SeededTiny({ seed: c.seed + 100 }),
  };

  it('returns the model bit-exactly with its config and extra, leaking nothing', async () => {
    const a = new SeededTiny({ seed: 3 });
    const dir = freshDir();
    await saveModel(dir, format, a, { steps: 12 });
    const before = tf.memory().numTensors;
    const { model, config, extra } = await loadModel(dir, format);
    expect(config).toEqual({ seed: 3 });
    expect(extra).toEqual({ steps: 12 });
    for (const [name, t] of Object.entries(a.stateDict())) {
      expect(bytes(model.stateDict()[name].dataSync() as Float32Array)).toEqual(
        bytes(t.dataSync() as Float32Array),
      );
    }
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await saveModel(dir, format, a);
    const bare = await loadModel(dir, format);
    expect(bare.extra).toEqual({});
    bare.model.dispose();
    a.dispose();
  });

  it("refuses another model's checkpoint, a bad config and a state that does not fit, leaking nothing", async () => {
    const dir = freshDir();
    const state = { w: tf.zeros([3, 4]) };
    const before = tf.memory().numTensors;
    await saveCheckpoint(dir, { model: 'tiny', state, config: { seed: 1 } });
    expect((await rejected(loadModel(dir, format))).code).toBe('MODEL');
    await saveCheckpoint(dir, { model: 'seeded-tiny', state, config: { seed: -1 } });
    const bad = await rejected(loadModel(dir, format));
    expect([bad.code, bad.field]).toEqual(['CONFIG', 'config.seed']);
    await saveCheckpoint(dir, { model: 'seeded-tiny', state, config: { seed: 1 } });
    const misfit = await rejected(loadModel(dir, format));
    expect([misfit.code, misfit.source]).toEqual(['SHAPE', path.join(dir, 'model.safetensors')]);
    expect(misfit.message).toMatch(
      /does not fit a seeded-tiny of this config \(it holds 12 values, the config in manifest.json implies more\)/,
    );
    // A file with thousands of foreign tensors gives a short error, not a list of all of them.
    const many = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`x${i}`, tf.zeros([1])]));
    await saveCheckpoint(dir, { model: 'seeded-tiny', state: many, config: { seed: 1 } });
    const crowded = await rejected(loadModel(dir, format));
    expect(crowded.message).toMatch(/unexpected \[(x\d+, ){8}\.\.\. 4992 more\]/);
    expect(crowded.message.length).toBeLessThan(600);
    tf.dispose(Object.values(many));
    expect(tf.memory().numTensors).toBe(before);
    state.w.dispose();
    const invalid = new SeededTiny({ seed: -2 });
    const refused = await rejected(saveModel(freshDir(), format, invalid));
    expect([refused.code, refused.field]).toEqual(['CONFIG', 'config.seed']);
    invalid.dispose();
  });
});

describe('atomic writes', () => {
  /** Writes half of `file` and then fails, like a full disk; other files are written normally. */
  function failMidway(file: string): AtomicWriteOptions {
    return {
      write: async (handle, data, target) => {
        if (path.basename(target) !== file) return handle.writeFile(data);
        await handle.write(data, 0, data.length >> 1);
        throw new Error('ENOSPC (injected)');
      },
    };
  }

  async function listing(dir: string): Promise<string[]> {
    return (await fsp.readdir(dir)).sort();
  }

  it('replaces a file, or leaves it untouched and no temp file when the write fails', async () => {
    const dir = freshDir();
    await fsp.mkdir(dir);
    const p = path.join(dir, 'f.bin');
    await writeFileAtomic(p, 'old contents');
    await writeFileAtomic(p, 'new contents');
    expect(await fsp.readFile(p, 'utf8')).toBe('new contents');

    const err = await rejected(writeFileAtomic(p, Buffer.alloc(4096, 1), failMidway('f.bin')));
    expect(err.code).toBe('IO');
    expect(err.message).toContain(p);
    expect(err.message).toContain('ENOSPC (injected)');
    expect(await fsp.readFile(p, 'utf8')).toBe('new contents');
    expect(await listing(dir)).toEqual(['f.bin']);
  });

  it('rejects a write into a missing directory as IO', async () => {
    const err = await rejected(writeFileAtomic(path.join(freshDir(), 'x'), 'x'));
    expect(err.code).toBe('IO');
  });

  it.each(['model.safetensors', 'optimizer.safetensors', 'manifest.json'])(
    'a save failing while writing %s leaves the previous checkpoint loadable',
    async (file) => {
      const dir = freshDir();
      const old = new Tiny(5);
      const next = new Tiny(6);
      const opt = { files: { optimizer: { m: tf.ones([2]) } } };
      await saveCheckpoint(dir, { model: 'tiny', state: old.stateDict(), ...opt });
      const files = await listing(dir);
      const err = await rejected(
        saveCheckpoint(dir, { model: 'tiny', state: next.stateDict(), ...opt, atomic: failMidway(file) }),
      );
      expect(err.code).toBe('IO');
      expect(await listing(dir)).toEqual(files);

      const fresh = new Tiny(7);
      await loadIntoModule(fresh, dir, { expectModel: 'tiny' });
      expect(fresh.w.dataSync()).toEqual(old.w.dataSync());
      tf.dispose(Object.values(opt.files.optimizer));
      [old, next, fresh].forEach((m) => m.dispose());
    },
  );

  it('a first save that fails leaves no manifest behind', async () => {
    const dir = freshDir();
    const net = new Tiny(8);
    await rejected(
      saveCheckpoint(dir, { model: 'tiny', state: net.stateDict(), atomic: failMidway('model.safetensors') }),
    );
    expect(await listing(dir)).toEqual([]);
    expect((await rejected(loadCheckpoint(dir))).code).toBe('MISSING');
    net.dispose();
  });
});

describe('special files', () => {
  /** A genuine checkpoint whose `name` file is then replaced by `make(path)`. */
  async function withReplaced(name: string, make: (file: string) => Promise<void>): Promise<string> {
    const dir = freshDir();
    const state = { w: tf.ones([2, 2]) };
    await saveCheckpoint(dir, { model: 'tiny', state, config: { a: 1 } });
    state.w.dispose();
    await fsp.rm(path.join(dir, name));
    await make(path.join(dir, name));
    return dir;
  }

  it.each([['manifest.json'], ['model.safetensors']])(
    'refuses a FIFO as %s at once, naming it, instead of waiting on it forever',
    async (name) => {
      const dir = await withReplaced(name, async (file) => {
        execFileSync('mkfifo', [file]);
      });
      const e = await rejected(loadCheckpoint(dir));
      expect([e.code, e.source, e.message]).toEqual([
        'IO',
        path.join(dir, name),
        expect.stringMatching(/not a regular file/),
      ]);
    },
  );

  it('refuses a link to a device and a manifest larger than any config', async () => {
    const dir = await withReplaced('model.safetensors', (file) => fsp.symlink('/dev/zero', file));
    const e = await rejected(loadCheckpoint(dir));
    expect([e.code, e.message]).toEqual(['IO', expect.stringMatching(/not a regular file/)]);
    const big = await withReplaced('manifest.json', (file) =>
      fsp.writeFile(file, ' '.repeat(MAX_MANIFEST_BYTES + 1)),
    );
    const tooBig = await rejected(loadCheckpoint(big));
    expect([tooBig.code, tooBig.message]).toEqual(['IO', expect.stringMatching(/more than the 16777216/)]);
  });
});
