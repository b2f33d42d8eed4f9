/**
 * Crash-safe file writes: data goes to a uniquely named temporary file in the target's
 * directory, is fsynced, then renamed over the target (rename within one directory is atomic on
 * POSIX file systems). A failure removes the temporary file and leaves the previous target as it
 * was.
 */
import { randomBytes } from 'crypto';
import { promises as fsp } from 'fs';
import type { FileHandle } from 'fs/promises';
import * as path from 'path';
import { CheckpointError } from './errors';

/** Options of {@link writeFileAtomic} and {@link writeFilesAtomic}. */
export interface AtomicWriteOptions {
  /**
   * Writes `data` into the open temporary file for `target`. Defaults to `handle.writeFile(data)`;
   * replace it to stream, or to inject a failure mid-write in tests.
   */
  write?: (handle: FileHandle, data: Uint8Array, target: string) => Promise<void>;
}

function ioError(e: unknown, target: string, what: string): CheckpointError {
  if (e instanceof CheckpointError) return e;
  const why = e instanceof Error ? e.message : String(e);
  return new CheckpointError('IO', `${what} failed: ${why}`, { source: target, cause: e });
}

function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

/** Writes `data` to a new temporary file next to `target` and returns its path. */
async function stage(target: string, data: Uint8Array | string, opts: AtomicWriteOptions): Promise<string> {
  const name = `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const temp = path.join(path.dirname(target), name);
  let handle: FileHandle | undefined;
  let created = false;
  try {
    handle = await fsp.open(temp, 'wx', 0o644);
    created = true;
    const write = opts.write ?? ((h: FileHandle, d: Uint8Array) => h.writeFile(d));
    await write(handle, toBytes(data), target);
    await handle.sync();
    await handle.close();
    handle = undefined;
    return temp;
  } catch (e) {
    await handle?.close().catch(() => undefined);
    if (created) await fsp.rm(temp, { force: true }).catch(() => undefined);
    throw ioError(e, target, 'writing');
  }
}

/** Makes the renames durable; directories cannot be fsynced on every platform (Windows). */
async function syncDir(dir: string): Promise<void> {
  try {
    const h = await fsp.open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    // best effort
  }
}

/**
 * Replaces `target` with `data` atomically: readers see either the old or the new file, never a
 * partial one. Failures throw a {@link CheckpointError} with code `IO` naming `target`.
 *
 * @example
 * ```ts
 * await writeFileAtomic('/ckpt/manifest.json', JSON.stringify(manifest));
 * ```
 */
export async function writeFileAtomic(
  target: string,
  data: Uint8Array | string,
  opts: AtomicWriteOptions = {},
): Promise<void> {
  await writeFilesAtomic(path.dirname(target), [[path.basename(target), data]], opts);
}

/**
 * Writes several files of one directory: first every file is staged to a temporary file and
 * fsynced, and only then are they renamed into place, in the given order. A failure while
 * staging (a full disk, a crash) changes none of the targets, so put the file that commits the
 * set (a manifest) last.
 *
 * @example
 * ```ts
 * await writeFilesAtomic(dir, [['model.safetensors', bytes], ['manifest.json', json]]);
 * ```
 */
export async function writeFilesAtomic(
  dir: string,
  files: ReadonlyArray<readonly [name: string, data: Uint8Array | string]>,
  opts: AtomicWriteOptions = {},
): Promise<void> {
  const staged: [temp: string, target: string][] = [];
  try {
    for (const [name, data] of files) {
      const target = path.join(dir, name);
      staged.push([await stage(target, data, opts), target]);
    }
  } catch (e) {
    await Promise.all(staged.map(([temp]) => fsp.rm(temp, { force: true }).catch(() => undefined)));
    throw e;
  }
  for (let i = 0; i < staged.length; i++) {
    const [temp, target] = staged[i];
    try {
      await fsp.rename(temp, target);
    } catch (e) {
      await Promise.all(staged.slice(i).map(([t]) => fsp.rm(t, { force: true }).catch(() => undefined)));
      throw ioError(e, target, 'renaming into place');
    }
  }
  await syncDir(dir);
}
