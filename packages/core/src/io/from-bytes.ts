/**
 * Checkpoints from bytes instead of files, for browsers (and any code that already holds the
 * bytes): `manifest.json`'s text and the model's safetensors bytes, checked as the file loader
 * checks them (manifest, model name, config, sha256) before any tensor is made.
 */
import type { z } from 'zod';
import type { Module } from '../nn/module';
import { tf } from '../tf';
import { CheckpointError } from './errors';
import { MANIFEST_FILE, manifestFiles, parseManifest, validateConfig, type Manifest } from './manifest';
import { dataToTensor, decodeSafetensors } from './safetensors';
import { sha256HexAsync } from './sha256';

/** A checkpoint as bytes: what `manifest.json` and the model's tensor file hold. */
export interface CheckpointBytes {
  /** The text of `manifest.json`. */
  manifest: string;
  /** The model's tensor file (`model.safetensors`, or the generation the manifest names). */
  model: ArrayBuffer | Uint8Array;
}

/** Options of {@link loadStateFromBytes}. */
export interface LoadStateFromBytesOptions {
  /** Refuses (code `MODEL`) a checkpoint of another model. */
  expectModel?: string;
  /** Validates the manifest's config; a failure is a `CONFIG` error naming the field. */
  configSchema?: z.ZodType;
  /** Missing or unexpected tensor names are errors (default true). */
  strict?: boolean;
}

function asBytes(data: ArrayBuffer | Uint8Array): Uint8Array {
  return data instanceof Uint8Array ? data : new Uint8Array(data);
}

/**
 * Loads a checkpoint's weights from bytes into `module` (`module.loadStateDict`, strict unless told
 * otherwise) after checking, in order: the manifest (JSON, schema, format, version), the model
 * name, the config against `configSchema`, and the model bytes' sha256 against the manifest's
 * (Web Crypto, or plain JavaScript where a page has none). Nothing touches a file system, so it
 * works in browsers; failures are {@link CheckpointError}s naming the file and field. Returns the
 * manifest.
 *
 * @example
 * ```ts
 * const manifest = await loadStateFromBytes(net, {
 *   manifest: await (await fetch('ckpt/manifest.json')).text(),
 *   model: await (await fetch('ckpt/model.safetensors')).arrayBuffer(),
 * }, { expectModel: 'mnist-moe' });
 * ```
 */
export async function loadStateFromBytes(
  module: Module,
  bytes: CheckpointBytes,
  opts: LoadStateFromBytesOptions = {},
): Promise<Manifest> {
  const manifest = parseManifest(bytes.manifest, MANIFEST_FILE);
  if (opts.expectModel !== undefined && manifest.model !== opts.expectModel) {
    throw new CheckpointError('MODEL', `is "${manifest.model}", expected "${opts.expectModel}"`, {
      source: MANIFEST_FILE,
      field: 'model',
    });
  }
  if (opts.configSchema) validateConfig(manifest.config, opts.configSchema, MANIFEST_FILE);
  const [[, modelFile, expected]] = manifestFiles(manifest);
  const data = asBytes(bytes.model);
  const actual = await sha256HexAsync(data);
  if (actual !== expected) {
    throw new CheckpointError('CHECKSUM', `sha256 ${actual} does not match the manifest's ${expected}`, {
      source: modelFile,
    });
  }
  const { tensors } = decodeSafetensors(data, modelFile);
  const state: Record<string, tf.Tensor> = {};
  try {
    for (const [name, d] of Object.entries(tensors)) state[name] = dataToTensor(d);
    module.loadStateDict(state, { strict: opts.strict ?? true, source: modelFile });
  } finally {
    tf.dispose(Object.values(state));
  }
  return manifest;
}

/**
 * Fetches a checkpoint folder served over HTTP (`<url>/manifest.json`, then the tensor file it
 * names) as {@link CheckpointBytes}. Uses the global `fetch` unless given one.
 *
 * @example
 * ```ts
 * await loadStateFromBytes(net, await fetchCheckpoint('/models/mnist-moe/'));
 * ```
 */
export async function fetchCheckpoint(
  url: string,
  fetcher: (url: string) => Promise<Response> = (u) => fetch(u),
): Promise<CheckpointBytes> {
  const base = url.endsWith('/') ? url : `${url}/`;
  const get = async (file: string): Promise<Response> => {
    const res = await fetcher(`${base}${file}`);
    if (!res.ok) {
      throw new CheckpointError(
        res.status === 404 ? 'MISSING' : 'IO',
        `HTTP ${res.status} ${res.statusText}`,
        {
          source: `${base}${file}`,
        },
      );
    }
    return res;
  };
  const manifest = await (await get(MANIFEST_FILE)).text();
  const [[, modelFile]] = manifestFiles(parseManifest(manifest, `${base}${MANIFEST_FILE}`));
  return { manifest, model: await (await get(modelFile)).arrayBuffer() };
}
