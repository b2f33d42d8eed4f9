/**
 * Hostile variants of a genuine checkpoint folder, as an attacker would make them: edited configs
 * (the manifest's sha256 covers only the tensor file), lying safetensors headers, truncated or
 * flipped bytes, and special files in place of the checkpoint's files.
 */
import { createHash } from 'crypto';
import { promises as fsp } from 'fs';
import * as path from 'path';

/** What part of the checkpoint a case attacks. */
export type FuzzKind = 'config' | 'header' | 'bytes' | 'special';

/** One mutation of a copied checkpoint folder. */
export interface FuzzCase {
  kind: FuzzKind;
  /** What was done, e.g. `config.dim = 48000`. */
  name: string;
  apply(dir: string): Promise<void>;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Values a numeric config field is replaced with: absurd sizes, signs, fractions and types. */
const NUMBER_EDITS: readonly ((v: number) => Json)[] = [
  (v) => v * 1000,
  () => 48000,
  () => 1e6,
  () => 2 ** 31,
  () => 1e308,
  () => -1,
  () => 0,
  (v) => v + 0.5,
  (v) => String(v),
];

const MANIFEST = 'manifest.json';

async function readJson(file: string): Promise<JsonObject> {
  return JSON.parse(await fsp.readFile(file, 'utf8')) as JsonObject;
}

/** Dotted paths of every numeric leaf below `value`. */
function numericPaths(value: Json, prefix: string[] = []): string[][] {
  if (typeof value === 'number') return [prefix];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => numericPaths(v, [...prefix, k]));
}

/** Every object below `value` (itself included), by path. */
function objectPaths(value: Json, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return [prefix, ...Object.entries(value).flatMap(([k, v]) => objectPaths(v, [...prefix, k]))];
}

function at(root: Json, keys: readonly string[]): Json {
  return keys.reduce<Json>((node, k) => (node as JsonObject)[k], root);
}

/** A case that rewrites the manifest's config with `edit`. */
function configCase(name: string, edit: (config: JsonObject) => void): FuzzCase {
  return {
    kind: 'config',
    name,
    apply: async (dir) => {
      const file = path.join(dir, MANIFEST);
      const manifest = await readJson(file);
      edit(manifest.config as JsonObject);
      await fsp.writeFile(file, JSON.stringify(manifest, null, 2));
    },
  };
}

function configCases(config: JsonObject): FuzzCase[] {
  const cases: FuzzCase[] = [];
  for (const keys of numericPaths(config)) {
    const label = `config.${keys.join('.')}`;
    const original = at(config, keys) as number;
    for (const edit of NUMBER_EDITS) {
      const value = edit(original);
      cases.push(
        configCase(`${label} = ${JSON.stringify(value)}`, (c) => {
          (at(c, keys.slice(0, -1)) as JsonObject)[keys[keys.length - 1]] = value;
        }),
      );
    }
  }
  for (const keys of objectPaths(config)) {
    const label = keys.length ? `config.${keys.join('.')}` : 'config';
    cases.push(
      configCase(`${label} + unknown key "dispatc"`, (c) => ((at(c, keys) as JsonObject).dispatc = 'dense')),
    );
    cases.push(
      configCase(`${label}.__proto__ = { polluted }`, (c) => {
        Object.defineProperty(at(c, keys) as JsonObject, '__proto__', {
          value: { polluted: true },
          enumerable: true,
        });
      }),
    );
  }
  for (const key of Object.keys(config)) {
    cases.push(configCase(`config.${key} removed`, (c) => delete c[key]));
  }
  return cases;
}

/** The tensor file the manifest names (any string value ending in .safetensors), else model.safetensors. */
async function tensorFile(dir: string): Promise<string> {
  const text = await fsp.readFile(path.join(dir, MANIFEST), 'utf8');
  const named = /"([^"/\\]+\.safetensors)"/.exec(text);
  return path.join(dir, named ? named[1] : 'model.safetensors');
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * Rewrites the tensor file with `edit`; with `resign` the manifest's copy of the file's sha256 is
 * replaced by the new one, as an attacker who edits both files would.
 */
async function editTensorFile(dir: string, edit: (buf: Buffer) => Buffer, resign: boolean): Promise<void> {
  const file = await tensorFile(dir);
  const before = await fsp.readFile(file);
  const after = edit(before);
  await fsp.writeFile(file, after);
  if (!resign) return;
  const manifest = path.join(dir, MANIFEST);
  const text = await fsp.readFile(manifest, 'utf8');
  await fsp.writeFile(manifest, text.split(sha256(before)).join(sha256(after)));
}

/** A case that rewrites the tensor file's header JSON with `edit` (data section kept). */
function headerCase(name: string, edit: (header: JsonObject) => void): FuzzCase {
  return {
    kind: 'header',
    name,
    apply: (dir) =>
      editTensorFile(
        dir,
        (buf) => {
          const n = Number(buf.readBigUInt64LE(0));
          const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as JsonObject;
          edit(header);
          const json = Buffer.from(JSON.stringify(header));
          const length = Buffer.alloc(8);
          length.writeBigUInt64LE(BigInt(json.length), 0);
          return Buffer.concat([length, json, buf.subarray(8 + n)]);
        },
        true,
      ),
  };
}

/** A case that rewrites the tensor file's raw bytes (and, with `resign`, the manifest's sha256 of it). */
function bytesCase(name: string, edit: (buf: Buffer) => Buffer, resign = true): FuzzCase {
  return { kind: 'bytes', name, apply: (dir) => editTensorFile(dir, edit, resign) };
}

type Entry = { dtype: string; shape: number[]; data_offsets: [number, number] };

function headerCases(header: JsonObject, rng: () => number): FuzzCase[] {
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  const pick = () => names[Math.floor(rng() * names.length)];
  const cases: FuzzCase[] = [];
  const first = pick();
  const second = pick();
  const entry = (h: JsonObject, name: string) => h[name] as unknown as Entry;
  cases.push(
    headerCase(
      `${first}: shape doubled`,
      (h) => (entry(h, first).shape = entry(h, first).shape.map((d) => d * 2)),
    ),
  );
  cases.push(headerCase(`${first}: shape [1e9]`, (h) => (entry(h, first).shape = [1e9])));
  cases.push(headerCase(`${first}: shape [2^53, 2]`, (h) => (entry(h, first).shape = [2 ** 53, 2])));
  cases.push(headerCase(`${first}: F32 relabelled I32`, (h) => (entry(h, first).dtype = 'I32')));
  cases.push(headerCase(`${first}: relabelled F16`, (h) => (entry(h, first).dtype = 'F16')));
  cases.push(
    headerCase(`${first}: offsets beyond the file`, (h) => (entry(h, first).data_offsets = [0, 2 ** 40])),
  );
  cases.push(
    headerCase(`${first}, ${second}: offsets swapped`, (h) => {
      const a = entry(h, first).data_offsets;
      entry(h, first).data_offsets = entry(h, second).data_offsets;
      entry(h, second).data_offsets = a;
    }),
  );
  cases.push(headerCase(`${first}: removed`, (h) => delete h[first]));
  cases.push(
    headerCase(`${first}: renamed`, (h) => {
      h[`${first}.renamed`] = h[first];
      delete h[first];
    }),
  );
  cases.push(headerCase('an extra tensor', (h) => (h['extra.weight'] = h[first])));
  cases.push(headerCase('__metadata__ with a non-string', (h) => (h.__metadata__ = { a: 1 })));
  return cases;
}

function byteCases(size: number, rng: () => number): FuzzCase[] {
  const cut = Math.floor(rng() * size);
  const flip = 8 + Math.floor(rng() * (size - 8));
  return [
    bytesCase('truncated to 0 bytes', () => Buffer.alloc(0)),
    bytesCase('truncated to 7 bytes', (b) => b.subarray(0, 7)),
    bytesCase(`truncated at byte ${cut}`, (b) => b.subarray(0, cut)),
    bytesCase('header length 2^64 - 1', (b) => {
      const c = Buffer.from(b);
      c.writeBigUInt64LE(2n ** 64n - 1n, 0);
      return c;
    }),
    bytesCase('header length = file size', (b) => {
      const c = Buffer.from(b);
      c.writeBigUInt64LE(BigInt(b.length), 0);
      return c;
    }),
    bytesCase(
      `byte ${flip} flipped, the manifest's sha256 kept`,
      (b) => {
        const c = Buffer.from(b);
        c[flip] ^= 0xff;
        return c;
      },
      false,
    ),
    bytesCase('1 MB of zeros appended', (b) => Buffer.concat([b, Buffer.alloc(2 ** 20)])),
  ];
}

/** Replaces `file` in the folder by `make(path)`. */
function specialCase(
  name: string,
  file: () => string | ((dir: string) => Promise<string>),
  make: (p: string) => Promise<void>,
): FuzzCase {
  return {
    kind: 'special',
    name,
    apply: async (dir) => {
      const f = file();
      const target = typeof f === 'string' ? path.join(dir, f) : await f(dir);
      await fsp.rm(target, { recursive: true, force: true });
      await make(target);
    },
  };
}

function specialCases(mkfifo: (p: string) => Promise<void>): FuzzCase[] {
  const files: [string, () => string | ((dir: string) => Promise<string>)][] = [
    [MANIFEST, () => MANIFEST],
    ['the tensor file', () => tensorFile],
  ];
  return files.flatMap(([label, file]) => [
    specialCase(`${label} is a FIFO`, file, mkfifo),
    specialCase(`${label} is a symlink to /dev/zero`, file, (p) => fsp.symlink('/dev/zero', p)),
    specialCase(`${label} is a directory`, file, (p) => fsp.mkdir(p)),
    specialCase(`${label} is missing`, file, async () => undefined),
  ]);
}

/**
 * Every hostile variant of the checkpoint in `dir` (config, header, byte and special-file cases),
 * deterministic for `rng`. `mkfifo` makes a named pipe at a path.
 */
export async function fuzzCases(
  dir: string,
  rng: () => number,
  mkfifo: (p: string) => Promise<void>,
): Promise<FuzzCase[]> {
  const manifest = await readJson(path.join(dir, MANIFEST));
  const file = await tensorFile(dir);
  const buf = await fsp.readFile(file);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as JsonObject;
  return [
    ...configCases(manifest.config as JsonObject),
    ...headerCases(header, rng),
    ...byteCases(buf.length, rng),
    ...specialCases(mkfifo),
  ];
}
