import { initBackend, makeRng, tf } from '../src';
import {
  CheckpointError,
  dataToTensor,
  decodeSafetensors,
  encodeSafetensors,
  type DecodedSafetensors,
  type TensorData,
} from '../src/io';

beforeAll(async () => {
  await initBackend();
});

type Rng = () => number;
type Mutation = (buf: Buffer, rng: Rng) => Buffer;

const CASES = 4000;
const SOURCE = 'fuzz.safetensors';

const int = (rng: Rng, n: number): number => Math.floor(rng() * n);
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[int(rng, xs.length)];
const randomBytes = (rng: Rng, n: number): Buffer =>
  Buffer.from(Array.from({ length: n }, () => int(rng, 256)));

function baseFile(): Buffer {
  const f32 = Float32Array.from({ length: 24 }, (_, i) => Math.sin(i) * 1e3);
  f32[3] = NaN;
  f32[4] = -0;
  const tensors: Record<string, TensorData> = {
    'blocks.0.w1': { dtype: 'F32', shape: [4, 6], data: f32 },
    'blocks.0.b': { dtype: 'F32', shape: [3], data: new Float32Array([1, -1, 0.5]) },
    scalar: { dtype: 'F32', shape: [], data: new Float32Array([2]) },
    'router.counts': {
      dtype: 'I32',
      shape: [2, 3],
      data: new Int32Array([0, 1, -1, 2147483647, -2147483648, 7]),
    },
    empty: { dtype: 'I32', shape: [0, 3], data: new Int32Array(0) },
    'quant.codes': { dtype: 'U8', shape: [5], data: new Uint8Array([0, 1, 127, 128, 255]) },
    mask: { dtype: 'BOOL', shape: [2, 2], data: new Uint8Array([1, 0, 0, 1]) },
  };
  return encodeSafetensors(tensors, { format: 'pt', step: '100', é: 'ü' });
}

function headerLength(buf: Buffer): number {
  return buf.length >= 8 ? Number(buf.readBigUInt64LE(0)) : 0;
}

/** Rebuilds a file around a new header text, keeping the data section. */
function withHeader(buf: Buffer, text: string): Buffer {
  const n = headerLength(buf);
  const data = 8 + n <= buf.length ? buf.subarray(8 + n) : Buffer.alloc(0);
  const json = Buffer.from(text, 'utf8');
  const out = Buffer.alloc(8 + json.length + data.length);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(out, 8);
  data.copy(out, 8 + json.length);
  return out;
}

function headerText(buf: Buffer): string | undefined {
  const n = headerLength(buf);
  return 8 + n <= buf.length ? buf.subarray(8, 8 + n).toString('utf8') : undefined;
}

const NUMBERS = [
  '0',
  '-1',
  '1',
  '3',
  '4',
  '8',
  '1.5',
  '-0',
  '1e308',
  '1e400',
  '9007199254740991',
  '9007199254740993',
  '4294967296',
  '2147483648',
  '100000000',
  '18446744073709551615',
  '-9007199254740993',
  '0.0000001',
];
const DTYPES = ['F32', 'I32', 'U8', 'BOOL', 'F16', 'BF16', 'F64', 'I64', 'I8', '', 'f32', 'F32 '];
const JSON_CHARS = '{}[]",:0123456789-.eE \\u';
const HEADER_LENGTHS = [
  0n,
  1n,
  7n,
  8n,
  2n ** 32n,
  2n ** 53n + 1n,
  2n ** 63n,
  2n ** 64n - 1n,
  100_000_000n,
  100_000_001n,
];

const mutations: Record<string, Mutation> = {
  flipBits(buf, rng) {
    const out = Buffer.from(buf);
    for (let k = 1 + int(rng, 8); k > 0; k--) out[int(rng, out.length)] ^= 1 << int(rng, 8);
    return out;
  },
  headerBytes(buf, rng) {
    const out = Buffer.from(buf);
    const n = Math.min(headerLength(buf), out.length - 8);
    if (n <= 0) return out;
    for (let k = 1 + int(rng, 4); k > 0; k--) {
      out[8 + int(rng, n)] = rng() < 0.7 ? JSON_CHARS.charCodeAt(int(rng, JSON_CHARS.length)) : int(rng, 256);
    }
    return out;
  },
  truncate(buf, rng) {
    return buf.subarray(0, int(rng, buf.length));
  },
  headerLength(buf, rng) {
    const out = Buffer.from(buf);
    const n = BigInt(headerLength(buf));
    const choices = [
      ...HEADER_LENGTHS,
      n - 1n,
      n + 1n,
      n + 8n,
      n - 8n,
      BigInt(out.length),
      BigInt(out.length - 8),
    ];
    let v = rng() < 0.8 ? pick(rng, choices) : BigInt(int(rng, 2 ** 32)) * BigInt(int(rng, 2 ** 32));
    if (v < 0n) v = 0n;
    if (out.length >= 8) out.writeBigUInt64LE(v % 2n ** 64n, 0);
    return out;
  },
  splice(buf, rng) {
    const at = int(rng, buf.length + 1);
    return Buffer.concat([buf.subarray(0, at), randomBytes(rng, 1 + int(rng, 32)), buf.subarray(at)]);
  },
  overwrite(buf, rng) {
    const out = Buffer.from(buf);
    const at = int(rng, out.length);
    randomBytes(rng, 1 + int(rng, 16)).copy(out, at);
    return out;
  },
  duplicate(buf, rng) {
    const a = int(rng, buf.length);
    const b = Math.min(buf.length, a + 1 + int(rng, 64));
    const at = int(rng, buf.length + 1);
    return Buffer.concat([buf.subarray(0, at), buf.subarray(a, b), buf.subarray(at)]);
  },
  deleteRegion(buf, rng) {
    const a = int(rng, buf.length);
    const b = Math.min(buf.length, a + 1 + int(rng, 32));
    return Buffer.concat([buf.subarray(0, a), buf.subarray(b)]);
  },
  appendGarbage(buf, rng) {
    return Buffer.concat([buf, randomBytes(rng, 1 + int(rng, 16))]);
  },
  editNumber(buf, rng) {
    const text = headerText(buf);
    if (text === undefined) return buf;
    const spots = [...text.matchAll(/-?\d+(\.\d+)?([eE][+-]?\d+)?/g)];
    if (spots.length === 0) return buf;
    const m = pick(rng, spots);
    const old = Number(m[0]);
    const repl = pick(rng, [...NUMBERS, String(old + 1), String(old - 1), String(old * 2), String(old + 4)]);
    const i = m.index ?? 0;
    return withHeader(buf, text.slice(0, i) + repl + text.slice(i + m[0].length));
  },
  editDtype(buf, rng) {
    const text = headerText(buf);
    if (text === undefined) return buf;
    const spots = [...text.matchAll(/"dtype":"([^"]*)"/g)];
    if (spots.length === 0) return buf;
    const m = pick(rng, spots);
    const i = m.index ?? 0;
    return withHeader(buf, `${text.slice(0, i)}"dtype":"${pick(rng, DTYPES)}"${text.slice(i + m[0].length)}`);
  },
  editStructure(buf, rng) {
    const text = headerText(buf);
    if (text === undefined) return buf;
    let header: Record<string, Record<string, unknown>>;
    try {
      header = JSON.parse(text) as Record<string, Record<string, unknown>>;
    } catch {
      return buf;
    }
    if (typeof header !== 'object' || header === null) return buf;
    const names = Object.keys(header);
    if (names.length === 0) return buf;
    const name = pick(rng, names);
    const entry = header[name];
    const other = header[pick(rng, names)];
    const values: unknown[] = [null, [], {}, 'x', 3, [1, 2, 3], [-1], [0, 0], [2 ** 40, 2 ** 40], [1, 'a']];
    switch (int(rng, 6)) {
      case 0:
        delete header[name];
        break;
      case 1:
        header[name] = pick(rng, values) as Record<string, unknown>;
        break;
      case 2:
        if (entry && typeof entry === 'object')
          entry[pick(rng, ['dtype', 'shape', 'data_offsets'])] = pick(rng, values);
        break;
      case 3:
        if (entry && other && typeof entry === 'object' && typeof other === 'object') {
          [entry.data_offsets, other.data_offsets] = [other.data_offsets, entry.data_offsets];
        }
        break;
      case 4:
        header[`${name}.copy`] = entry;
        break;
      default:
        header[''] = entry;
    }
    return withHeader(buf, JSON.stringify(header));
  },
};

function checkDecoded(out: DecodedSafetensors, input: Buffer): string | undefined {
  const sizes: Record<TensorData['dtype'], number> = { F32: 4, I32: 4, U8: 1, BOOL: 1 };
  let total = 0;
  for (const [name, t] of Object.entries(out.tensors)) {
    const numel = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== numel) return `tensor ${name}: ${t.data.length} values for shape [${t.shape}]`;
    if (t.data.BYTES_PER_ELEMENT !== sizes[t.dtype]) return `tensor ${name}: wrong array for ${t.dtype}`;
    total += t.data.byteLength;
  }
  if (total > input.length) return `decoded ${total} bytes from a ${input.length}-byte file`;
  for (const v of Object.values(out.metadata)) if (typeof v !== 'string') return 'non-string metadata';
  const again = decodeSafetensors(encodeSafetensors(out.tensors, out.metadata));
  if (Object.keys(again.tensors).length !== Object.keys(out.tensors).length) return 're-encode lost tensors';
  for (const t of Object.values(out.tensors)) tf.dispose(dataToTensor(t));
  return undefined;
}

describe('decodeSafetensors under fuzzing', () => {
  it(`returns tensors or throws a CheckpointError for ${CASES} seeded mutations, each in < 1 s`, () => {
    const valid = baseFile();
    expect(Object.keys(decodeSafetensors(valid).tensors)).toHaveLength(7);
    const rng = makeRng(20240611);
    const names = Object.keys(mutations);
    const outcomes: Record<string, number> = {};
    const failures: string[] = [];
    let slowest = 0;

    for (let c = 0; c < CASES; c++) {
      const applied: string[] = [];
      let buf = valid;
      for (let k = 1 + int(rng, 3); k > 0; k--) {
        const name = pick(rng, names);
        applied.push(name);
        buf = mutations[name](buf, rng);
      }
      let outcome: string;
      let ms = 0;
      try {
        const t0 = performance.now();
        let decoded: DecodedSafetensors;
        try {
          decoded = decodeSafetensors(buf, SOURCE);
        } finally {
          ms = performance.now() - t0;
        }
        const bad = checkDecoded(decoded, buf);
        if (bad) failures.push(`case ${c} [${applied}]: ${bad}`);
        outcome = 'ok';
      } catch (e) {
        if (e instanceof CheckpointError && e.message.startsWith(`${SOURCE}: `)) {
          outcome = e.code;
        } else {
          outcome = 'unexpected';
          const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
          failures.push(`case ${c} [${applied}]: ${what}`);
        }
      }
      if (ms > 1000) {
        // A stall of a shared machine is not a slow decode: time a second run and keep the faster.
        const t1 = performance.now();
        try {
          decodeSafetensors(buf, SOURCE);
        } catch {
          // classified above
        }
        ms = Math.min(ms, performance.now() - t1);
      }
      slowest = Math.max(slowest, ms);
      if (ms > 1000) failures.push(`case ${c} [${applied}]: took ${ms.toFixed(0)} ms`);
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }

    expect(failures.slice(0, 10)).toEqual([]);
    expect(slowest).toBeLessThan(1000);
    // The mutations must reach every layer of validation, and leave some files valid.
    for (const code of ['ok', 'TRUNCATED', 'HEADER', 'DTYPE', 'SHAPE', 'OFFSETS']) {
      expect(outcomes[code] ?? 0).toBeGreaterThan(0);
    }
  });
});

describe('duplicate tensor names', () => {
  it('are refused (JSON.parse would keep the last one), naming the tensor; escaped and nested keys are read right', () => {
    const valid = encodeSafetensors({ a: { dtype: 'F32', shape: [1], data: new Float32Array([1]) } });
    const header = headerText(valid) ?? '';
    const entry = header.slice(header.indexOf('"a"'), header.indexOf('}') + 1);
    const twice = withHeader(valid, header.replace(entry, `${entry}, ${entry}`));
    expect(() => decodeSafetensors(twice, SOURCE)).toThrow(/fuzz\.safetensors: names "a" twice/);
    // The same name escaped differently is the same name.
    const escaped = withHeader(valid, header.replace(entry, `${entry},${entry.replace('"a"', '"\\u0061"')}`));
    expect(() => decodeSafetensors(escaped, SOURCE)).toThrow(/names "a" twice/);
    // Keys inside a tensor's entry or the metadata are not tensor names.
    const meta = encodeSafetensors(
      { a: { dtype: 'F32', shape: [1], data: new Float32Array([1]) } },
      { a: 'x' },
    );
    expect(Object.keys(decodeSafetensors(meta, SOURCE).tensors)).toEqual(['a']);
  });
});
