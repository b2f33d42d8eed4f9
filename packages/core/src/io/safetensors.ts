/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length N, N bytes of UTF-8 JSON describing each tensor, then the raw little-endian data.
 * Decoding validates the whole header before it allocates anything, and never allocates more
 * than the file holds.
 */
import { tf } from '../tf';
import { CheckpointError } from './errors';

/** The dtypes this reader and writer support. `U8` loads as an int32 tensor (tfjs has no uint8). */
export type SafetensorsDtype = 'F32' | 'I32' | 'U8' | 'BOOL';

/** One tensor as stored in a safetensors file. */
export interface TensorData {
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array | Int32Array | Uint8Array;
}

/** What {@link decodeSafetensors} returns. */
export interface DecodedSafetensors {
  tensors: Record<string, TensorData>;
  metadata: Record<string, string>;
}

const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F32: 4, I32: 4, U8: 1, BOOL: 1 };
/** The reference implementation's cap: a larger header is an attack, not a model. */
const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';
/** No real tensor comes close; a longer shape is garbage that tfjs should never see. */
const MAX_RANK = 64;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function isDtype(s: unknown): s is SafetensorsDtype {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_BYTES, s);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reverses each 4-byte group in place, for big-endian hosts only. */
function swap32(bytes: Uint8Array): void {
  for (let i = 0; i + 3 < bytes.length; i += 4) {
    const a = bytes[i];
    const b = bytes[i + 1];
    bytes[i] = bytes[i + 3];
    bytes[i + 1] = bytes[i + 2];
    bytes[i + 2] = b;
    bytes[i + 3] = a;
  }
}

function typedArrayFor(dtype: SafetensorsDtype, numel: number): Float32Array | Int32Array | Uint8Array {
  if (dtype === 'F32') return new Float32Array(numel);
  if (dtype === 'I32') return new Int32Array(numel);
  return new Uint8Array(numel);
}

function expectedArrayName(dtype: SafetensorsDtype): string {
  return dtype === 'F32' ? 'Float32Array' : dtype === 'I32' ? 'Int32Array' : 'Uint8Array';
}

function matchesArray(dtype: SafetensorsDtype, data: unknown): boolean {
  if (dtype === 'F32') return data instanceof Float32Array;
  if (dtype === 'I32') return data instanceof Int32Array;
  return data instanceof Uint8Array;
}

/**
 * The element count of `shape`, or undefined when it is not a list of non-negative safe
 * integers. Returns `limit + 1` as soon as the product exceeds `limit`, so a hostile shape
 * never overflows.
 */
function elementCount(shape: unknown, limit: number): number | undefined {
  if (!Array.isArray(shape) || shape.length > MAX_RANK) return undefined;
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) return undefined;
  const dims = shape as number[];
  if (dims.includes(0)) return 0;
  let n = 1;
  for (const d of dims) {
    n *= d;
    if (n > limit) return limit + 1;
  }
  return n;
}

function showShape(shape: readonly number[]): string {
  const dims = shape.length > 8 ? [...shape.slice(0, 8), `... (${shape.length} dims)`] : shape;
  return `[${dims.join(', ')}]`;
}

/** A name for error messages, cut short if a hostile header made it huge. */
function clip(name: string): string {
  return name.length > 200 ? `${name.slice(0, 200)}...` : name;
}

function tensorField(name: string): string {
  return `tensor ${JSON.stringify(clip(name))}`;
}

function bytesOf(data: Float32Array | Int32Array | Uint8Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Encodes tensors (and optional string metadata) as a safetensors file. Names are sorted and the
 * header is built by hand, so equal inputs give byte-identical files.
 *
 * @example
 * ```ts
 * const buf = encodeSafetensors({ w: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } });
 * ```
 */
export function encodeSafetensors(
  tensors: Record<string, TensorData>,
  metadata: Record<string, string> = {},
): Buffer {
  const bytes = encodeSafetensorsBytes(tensors, metadata);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * {@link encodeSafetensors} without Node's `Buffer`, for browsers: the same bytes as a
 * `Uint8Array`.
 *
 * @example
 * ```ts
 * const bytes = encodeSafetensorsBytes({ w: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } });
 * ```
 */
export function encodeSafetensorsBytes(
  tensors: Record<string, TensorData>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const names = Object.keys(tensors).sort();
  const parts: string[] = [];
  const metaKeys = Object.keys(metadata).sort();
  if (metaKeys.length > 0) {
    for (const k of metaKeys) {
      if (typeof metadata[k] !== 'string') {
        throw new CheckpointError('HEADER', 'metadata values must be strings', { field: `metadata "${k}"` });
      }
    }
    const meta = metaKeys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`).join(',');
    parts.push(`${JSON.stringify(METADATA_KEY)}:{${meta}}`);
  }
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    const field = tensorField(name);
    if (name === '' || name === METADATA_KEY) {
      throw new CheckpointError('HEADER', 'invalid tensor name', { field });
    }
    if (!isDtype(t.dtype)) throw new CheckpointError('DTYPE', `unsupported dtype ${t.dtype}`, { field });
    if (!matchesArray(t.dtype, t.data)) {
      throw new CheckpointError('DTYPE', `${t.dtype} data must be a ${expectedArrayName(t.dtype)}`, {
        field,
      });
    }
    const numel = elementCount(t.shape, Number.MAX_SAFE_INTEGER);
    if (numel !== t.data.length) {
      throw new CheckpointError(
        'SHAPE',
        `shape ${Array.isArray(t.shape) ? showShape(t.shape) : String(t.shape)} does not hold ${t.data.length} values`,
        { field },
      );
    }
    const end = offset + t.data.byteLength;
    parts.push(
      `${JSON.stringify(name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${end}]}`,
    );
    offset = end;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLen = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset).fill(0x20);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  let at = 8 + headerLen;
  for (const name of names) {
    const bytes = bytesOf(tensors[name].data);
    out.set(bytes, at);
    if (!LITTLE_ENDIAN_HOST && DTYPE_BYTES[tensors[name].dtype] === 4) {
      swap32(out.subarray(at, at + bytes.length));
    }
    at += bytes.length;
  }
  return out;
}

interface Entry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  numel: number;
  begin: number;
  end: number;
}

function parseHeader(buf: Uint8Array, src: string): { json: Record<string, unknown>; dataStart: number } {
  if (buf.length < 8) {
    throw new CheckpointError('TRUNCATED', `${buf.length} bytes, too short for the 8-byte header length`, {
      source: src,
    });
  }
  const n = new DataView(buf.buffer, buf.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new CheckpointError('HEADER', `header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte cap`, {
      source: src,
    });
  }
  const headerLen = Number(n);
  if (8 + headerLen > buf.length) {
    throw new CheckpointError(
      'TRUNCATED',
      `header length ${headerLen} runs past the end of the ${buf.length}-byte file`,
      { source: src },
    );
  }
  const headerBytes = buf.subarray(8, 8 + headerLen);
  if (headerBytes[0] !== 0x7b) {
    throw new CheckpointError('HEADER', 'header does not start with "{"', { source: src });
  }
  let parsed: unknown;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
    parsed = JSON.parse(text);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new CheckpointError('HEADER', `header is not valid UTF-8 JSON (${why})`, { source: src, cause: e });
  }
  if (!isRecord(parsed)) throw new CheckpointError('HEADER', 'header is not a JSON object', { source: src });
  const duplicate = firstDuplicate(topLevelKeys(text));
  if (duplicate !== undefined) {
    // JSON.parse keeps the last of two equal keys; a tensor named twice is ambiguous, so refuse it.
    throw new CheckpointError('HEADER', `names ${JSON.stringify(duplicate)} twice`, { source: src });
  }
  return { json: parsed, dataStart: 8 + headerLen };
}

/** The keys of the outermost object of a JSON text already known to be valid. */
function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      let next = end + 1;
      while (/\s/.test(text[next] ?? '')) next++;
      if (depth === 1 && text[next] === ':') keys.push(JSON.parse(text.slice(i, end + 1)) as string);
      i = end;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return keys;
}

function firstDuplicate(keys: string[]): string | undefined {
  const seen = new Set<string>();
  for (const k of keys) {
    if (seen.has(k)) return k;
    seen.add(k);
  }
  return undefined;
}

function parseMetadata(value: unknown, src: string): Record<string, string> {
  if (value === undefined) return {};
  if (!isRecord(value)) {
    throw new CheckpointError('HEADER', 'must be an object of strings', { source: src, field: METADATA_KEY });
  }
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') {
      throw new CheckpointError('HEADER', 'value is not a string', {
        source: src,
        field: `${METADATA_KEY}.${clip(k)}`,
      });
    }
  }
  // fromEntries defines own properties, so a "__proto__" key cannot reach the prototype.
  return Object.fromEntries(Object.entries(value as Record<string, string>));
}

function parseEntry(name: string, value: unknown, dataLen: number, src: string): Entry {
  const ctx = { source: src, field: tensorField(name) };
  if (name === '') throw new CheckpointError('HEADER', 'empty tensor name', ctx);
  if (!isRecord(value)) throw new CheckpointError('HEADER', 'entry is not an object', ctx);
  const { dtype, shape, data_offsets: offsets } = value;
  if (!isDtype(dtype)) {
    const shown = typeof dtype === 'string' ? dtype : JSON.stringify(dtype);
    throw new CheckpointError('DTYPE', `unsupported dtype ${shown} (supported: F32, I32, U8, BOOL)`, ctx);
  }
  const size = DTYPE_BYTES[dtype];
  const numel = elementCount(shape, Math.floor(dataLen / size));
  if (numel === undefined)
    throw new CheckpointError(
      'SHAPE',
      `shape is not a list of at most ${MAX_RANK} non-negative integers`,
      ctx,
    );
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o))) {
    throw new CheckpointError('OFFSETS', 'data_offsets is not a pair of integers', ctx);
  }
  const [begin, end] = offsets as [number, number];
  if (begin < 0 || end < begin) {
    throw new CheckpointError('OFFSETS', `data_offsets [${begin}, ${end}] are not ordered`, ctx);
  }
  if (end > dataLen) {
    throw new CheckpointError(
      'TRUNCATED',
      `data_offsets end ${end} is past the ${dataLen}-byte data section`,
      ctx,
    );
  }
  if (numel * size !== end - begin) {
    const needs = numel * size > dataLen ? `more than the ${dataLen} data bytes` : `${numel * size} bytes`;
    throw new CheckpointError(
      'SHAPE',
      `shape ${showShape(shape as number[])} of ${dtype} needs ${needs}, data_offsets span ${end - begin}`,
      ctx,
    );
  }
  return { name, dtype, shape: [...(shape as number[])], numel, begin, end };
}

/** The spec requires the tensors to tile the data section exactly. */
function checkTiling(entries: Entry[], dataLen: number, src: string): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of sorted) {
    const ctx = { source: src, field: tensorField(e.name) };
    if (e.begin < cursor) {
      throw new CheckpointError('OFFSETS', `data_offsets [${e.begin}, ${e.end}] overlap another tensor`, ctx);
    }
    if (e.begin > cursor) {
      throw new CheckpointError(
        'OFFSETS',
        `hole of ${e.begin - cursor} bytes before data_offsets ${e.begin}`,
        ctx,
      );
    }
    cursor = e.end;
  }
  if (cursor !== dataLen) {
    throw new CheckpointError('OFFSETS', `${dataLen - cursor} trailing bytes after the last tensor`, {
      source: src,
    });
  }
}

/**
 * Decodes a safetensors file. Everything is validated before any tensor is allocated; each
 * tensor's data is a fresh, aligned copy of its slice of `buf`. Throws {@link CheckpointError}
 * naming `source` and the tensor or field at fault.
 *
 * @example
 * ```ts
 * const { tensors, metadata } = decodeSafetensors(fs.readFileSync(p), p);
 * ```
 */
export function decodeSafetensors(buf: Uint8Array, source?: string): DecodedSafetensors {
  const src = source ?? '<buffer>';
  const { json, dataStart } = parseHeader(buf, src);
  const dataLen = buf.length - dataStart;
  const metadata = parseMetadata(json[METADATA_KEY], src);
  const entries = Object.entries(json)
    .filter(([name]) => name !== METADATA_KEY)
    .map(([name, value]) => parseEntry(name, value, dataLen, src));
  checkTiling(entries, dataLen, src);

  const tensors: [string, TensorData][] = entries.map((e) => {
    const data = typedArrayFor(e.dtype, e.numel);
    const bytes = bytesOf(data);
    bytes.set(buf.subarray(dataStart + e.begin, dataStart + e.end));
    if (!LITTLE_ENDIAN_HOST && DTYPE_BYTES[e.dtype] === 4) swap32(bytes);
    return [e.name, { dtype: e.dtype, shape: e.shape, data }];
  });
  return { tensors: Object.fromEntries(tensors), metadata };
}

/** Builds {@link TensorData} from a tensor's dtype, shape and already read values. */
export function valuesToData(
  t: Pick<tf.Tensor, 'dtype' | 'shape'>,
  values: tf.TypedArray | string[] | Uint8Array[],
  name = 'tensor',
): TensorData {
  const shape = [...t.shape];
  if (t.dtype === 'float32' && values instanceof Float32Array) return { dtype: 'F32', shape, data: values };
  if (t.dtype === 'int32' && values instanceof Int32Array) return { dtype: 'I32', shape, data: values };
  if (t.dtype === 'bool' && values instanceof Uint8Array) return { dtype: 'BOOL', shape, data: values };
  throw new CheckpointError('DTYPE', `cannot store a ${t.dtype} tensor (float32, int32 and bool only)`, {
    field: name,
  });
}

/**
 * Reads a tensor's values (synchronously) into a copy: float32 → F32, int32 → I32, bool → BOOL
 * (one byte per value, as in the safetensors spec).
 *
 * @example
 * ```ts
 * const d = tensorToData(tf.tensor([1, 2, 3])); // { dtype: 'F32', shape: [3], data: Float32Array }
 * ```
 */
export function tensorToData(t: tf.Tensor): TensorData {
  const d = valuesToData(t, t.dataSync());
  return { ...d, data: d.data.slice() };
}

/**
 * Makes a tensor from {@link TensorData}: F32 → float32, I32 and U8 → int32, BOOL → bool (any
 * non-zero byte is true).
 *
 * @example
 * ```ts
 * const t = dataToTensor({ dtype: 'I32', shape: [2], data: new Int32Array([1, 2]) });
 * ```
 */
export function dataToTensor(d: TensorData): tf.Tensor {
  switch (d.dtype) {
    case 'F32':
      return tf.tensor(d.data as Float32Array, d.shape, 'float32');
    case 'I32':
      return tf.tensor(d.data as Int32Array, d.shape, 'int32');
    case 'U8':
      return tf.tensor(Int32Array.from(d.data), d.shape, 'int32');
    case 'BOOL':
      return tf.tensor(
        (d.data as Uint8Array).map((v) => (v === 0 ? 0 : 1)),
        d.shape,
        'bool',
      );
  }
}
