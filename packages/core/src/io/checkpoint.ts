/**
 * Checkpoint directories: `model.safetensors`, optional extra tensor files (`optimizer.safetensors`,
 * ...) and `manifest.json`, which is renamed into place last, names the tensor files and records
 * their sha256. Saves switch generations with one rename (`generation.ts`). Loading only ever
 * parses JSON and safetensors; nothing in a checkpoint is executed.
 */
import { createHash } from 'crypto';
import * as path from 'path';
import type { z } from 'zod';
import type { Module } from '../nn/module';
import { tf } from '../tf';
import type { AtomicWriteOptions } from './atomic';
import { CheckpointError } from './errors';
import { commitCheckpoint, type TensorFile } from './generation';
import { makeDirs } from './make-dirs';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_FORMAT_VERSION,
  LIBRARY_VERSION,
  MANIFEST_FILE,
  MODEL_FILE,
  manifestFiles,
  manifestSchema,
  parseManifest,
  tensorFileName,
  validateConfig,
  type Manifest,
} from './manifest';
import { MAX_MANIFEST_BYTES, readChecked } from './read';
import {
  dataToTensor,
  decodeSafetensors,
  encodeSafetensors,
  valuesToData,
  type TensorData,
} from './safetensors';

type Tensors = Record<string, tf.Tensor>;

/** Options of {@link saveCheckpoint}. */
export interface SaveCheckpointOptions {
  /** The model's name, checked on load with `expectModel`. */
  model: string;
  /** The weights, e.g. `module.stateDict()`; each tensor keeps its dtype. */
  state: Tensors;
  /** The model's config, stored as JSON in the manifest. */
  config?: unknown;
  /** Validates `config` as it will be read back (after a JSON round trip). */
  configSchema?: z.ZodType;
  /** Any JSON data to keep in the manifest (step, metrics, ...). */
  extra?: Record<string, unknown>;
  /** More tensor files, e.g. `{ optimizer: {...} }` → `optimizer.safetensors`. */
  files?: Record<string, Tensors>;
  /** How files are written; a seam to inject failures (or crashes, with `onStep`) in tests. */
  atomic?: AtomicWriteOptions;
}

/** Options of {@link loadCheckpoint}. */
export interface LoadCheckpointOptions {
  /** Validates the manifest's config; a failure is a `CONFIG` error naming the field. */
  configSchema?: z.ZodType;
  /** Refuses (code `MODEL`) a checkpoint of another model. */
  expectModel?: string;
}

/** What {@link loadCheckpoint} returns; the caller owns (and disposes) the tensors. */
export interface LoadedCheckpoint {
  manifest: Manifest;
  /** The path of the model's tensor file, as the manifest names it (for error messages). */
  modelFile: string;
  state: Tensors;
  files: Record<string, Tensors>;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function encodeTensors(tensors: Tensors, file: string): Promise<Buffer> {
  const entries: [string, TensorData][] = [];
  for (const [name, t] of Object.entries(tensors)) {
    entries.push([name, valuesToData(t, await t.data(), `${file}: tensor "${name}"`)]);
  }
  return encodeSafetensors(Object.fromEntries(entries));
}

/** The config as it will be read back, failing early on what JSON cannot hold. */
function jsonRoundTrip(value: unknown, field: string): unknown {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? null : JSON.parse(text);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new CheckpointError('CONFIG', `cannot be stored as JSON (${why})`, { field, cause: e });
  }
}

/**
 * Saves a checkpoint directory (created if needed), all-or-nothing: the new tensor files are
 * written beside the previous checkpoint's, and one rename of the manifest switches to them, so a
 * save that fails or is killed at any point leaves the previous checkpoint or the new one, never
 * a mix; the previous generation's files are removed once the new manifest is durable, and what
 * killed saves left behind (temporaries of dead processes, unreferenced tensor files) is removed.
 *
 * @example
 * ```ts
 * await saveCheckpoint('runs/step-100', { model: 'mnist-moe', state: net.stateDict(), config, configSchema });
 * ```
 */
export async function saveCheckpoint(dir: string, opts: SaveCheckpointOptions): Promise<void> {
  const config = jsonRoundTrip(opts.config ?? null, 'config');
  if (opts.configSchema) validateConfig(config, opts.configSchema);
  const extra = opts.extra === undefined ? undefined : jsonRoundTrip(opts.extra, 'extra');

  const model = await encodeTensors(opts.state, MODEL_FILE);
  const files: TensorFile[] = [{ key: undefined, bytes: model }];
  const hashes: [string, string][] = [];
  for (const [name, tensors] of Object.entries(opts.files ?? {})) {
    const bytes = await encodeTensors(tensors, tensorFileName(name));
    files.push({ key: name, bytes });
    hashes.push([name, sha256(bytes)]);
  }
  const manifest = {
    format: CHECKPOINT_FORMAT,
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    model: opts.model,
    libraryVersion: LIBRARY_VERSION,
    createdAt: new Date().toISOString(),
    sha256: sha256(model),
    generation: undefined as number | undefined,
    ...(hashes.length > 0 ? { files: Object.fromEntries(hashes) } : {}),
    config,
    ...(extra === undefined ? {} : { extra }),
  };
  // Never write a manifest that loadCheckpoint would refuse.
  const checked = manifestSchema.safeParse(manifest);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new CheckpointError('MANIFEST', issue?.message ?? 'invalid', {
      field: issue?.path.map(String).join('.'),
    });
  }

  try {
    await makeDirs(dir);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new CheckpointError('IO', `cannot create the directory (${why})`, { source: dir, cause: e });
  }
  await commitCheckpoint({
    dir,
    files,
    manifest: (generation) => `${JSON.stringify({ ...manifest, generation }, null, 2)}\n`,
    atomic: opts.atomic,
  });
}

export { MAX_MANIFEST_BYTES, readChecked };

function checkManifest(text: string, manifestPath: string, opts: LoadCheckpointOptions): Manifest {
  const manifest = parseManifest(text, manifestPath);
  if (opts.expectModel !== undefined && manifest.model !== opts.expectModel) {
    throw new CheckpointError('MODEL', `is "${manifest.model}", expected "${opts.expectModel}"`, {
      source: manifestPath,
      field: 'model',
    });
  }
  if (opts.configSchema) validateConfig(manifest.config, opts.configSchema, manifestPath);
  return manifest;
}

type Wanted = [key: string | undefined, file: string, sha: string][];

/**
 * Reads the manifest and the checksummed bytes of every tensor file it names. A save running
 * meanwhile may commit a new generation and remove the files just named: a missing file is then
 * retried with the new manifest.
 */
async function readCommitted(
  dir: string,
  opts: LoadCheckpointOptions,
): Promise<{ manifest: Manifest; wanted: Wanted; read: Buffer[] }> {
  const manifestPath = path.join(dir, MANIFEST_FILE);
  let text = (await readChecked(manifestPath, MAX_MANIFEST_BYTES)).toString('utf8');
  for (let attempt = 0; ; attempt++) {
    const manifest = checkManifest(text, manifestPath, opts);
    const wanted: Wanted = manifestFiles(manifest).map(([key, file, sha]) => [
      key,
      path.join(dir, file),
      sha,
    ]);
    const read: Buffer[] = [];
    try {
      for (const [, file, expected] of wanted) {
        const bytes = await readChecked(file);
        const actual = sha256(bytes);
        if (actual !== expected) {
          throw new CheckpointError(
            'CHECKSUM',
            `sha256 ${actual} does not match the manifest's ${expected}`,
            {
              source: file,
            },
          );
        }
        read.push(bytes);
      }
      return { manifest, wanted, read };
    } catch (e) {
      if (!(e instanceof CheckpointError && e.code === 'MISSING') || attempt >= 2) throw e;
      const again = (await readChecked(manifestPath, MAX_MANIFEST_BYTES)).toString('utf8');
      if (again === text) throw e;
      text = again;
    }
  }
}

function disposeAll(groups: Tensors[]): void {
  for (const g of groups) for (const t of Object.values(g)) t.dispose();
}

/**
 * Loads a checkpoint directory. Checks, in order: the manifest (JSON, schema, format, version),
 * the model name, the config against `configSchema`, the sha256 of every tensor file, then
 * decodes them. Any failure is a {@link CheckpointError} naming the file and field.
 *
 * @example
 * ```ts
 * const { manifest, state } = await loadCheckpoint('runs/step-100', { expectModel: 'mnist-moe' });
 * ```
 */
export async function loadCheckpoint(
  dir: string,
  opts: LoadCheckpointOptions = {},
): Promise<LoadedCheckpoint> {
  const { manifest, wanted, read } = await readCommitted(dir, opts);
  const decoded = wanted.map(([, file], i) => decodeSafetensors(read[i], file).tensors);

  const created: tf.Tensor[] = [];
  const toTensor = (d: TensorData): tf.Tensor => {
    const t = dataToTensor(d);
    created.push(t);
    return t;
  };
  try {
    const [state, ...rest] = decoded.map((d) =>
      Object.fromEntries(Object.entries(d).map(([name, data]) => [name, toTensor(data)])),
    );
    const files = Object.fromEntries(rest.map((t, i) => [wanted[i + 1][0] as string, t]));
    return { manifest, state, files, modelFile: wanted[0][1] };
  } catch (e) {
    for (const t of created) t.dispose();
    throw e;
  }
}

/**
 * Loads a checkpoint into `module` with `module.loadStateDict` (strict unless told otherwise),
 * then disposes the loaded tensors. Returns the manifest.
 *
 * @example
 * ```ts
 * const manifest = await loadIntoModule(net, 'runs/step-100', { expectModel: 'mnist-moe' });
 * ```
 */
export async function loadIntoModule(
  module: Module,
  dir: string,
  opts: LoadCheckpointOptions & { strict?: boolean } = {},
): Promise<Manifest> {
  const { manifest, state, files, modelFile } = await loadCheckpoint(dir, opts);
  try {
    module.loadStateDict(state, { strict: opts.strict ?? true, source: modelFile });
  } finally {
    disposeAll([state, ...Object.values(files)]);
  }
  return manifest;
}
