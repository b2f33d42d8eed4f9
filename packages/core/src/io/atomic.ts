/**
 * Crash-safe file writes: data goes to a uniquely named temporary file in the target's
 * directory, is fsynced, then renamed over the target (rename within one directory is atomic on
 * POSIX file systems). A failure removes the temporary file and leaves the previous target as it
 * was. Temporary files are named `.<target>.<pid>.<12 hex>.tmp`, so that a later writer can tell
 * one left by a killed process (see `stale.ts`).
 */
import { randomBytes } from 'crypto';
import { promises as fsp } from 'fs';
import type { FileHandle } from 'fs/promises';
import * as path from 'path';
import { CheckpointError } from './errors';

/** Options of {@link writeFileAtomic}, {@link writeFilesAtomic} and checkpoint saves. */
export interface AtomicWriteOptions {
  /**
   * Writes `data` into the open temporary file for `target`. Defaults to `handle.writeFile(data)`;
   * replace it to stream, or to inject a failure mid-write in tests. A checkpoint's tensor file
   * is named by its plain name (`model.safetensors`) whatever generation it is written as.
   */
  write?: (handle: FileHandle, data: Uint8Array, target: string) => Promise<void>;
  /**
   * Called after each step that changes the disk (a temporary file created, written, synced, a
   * rename, a removal, ...), with a label such as `renamed model.3.safetensors`. A test seam:
   * a test process can kill itself at step N to check what a crash at that point leaves.
   */
  onStep?: (step: string) => void;
}

/** Reports a step to {@link AtomicWriteOptions.onStep}. */
export function reportStep(opts: AtomicWriteOptions, step: string): void {
  opts.onStep?.(step);
}

/** A {@link CheckpointError} with code `IO` naming `target`, unless `e` already is one. */
export function ioError(e: unknown, target: string, what: string): CheckpointError {
  if (e instanceof CheckpointError) return e;
  const why = e instanceof Error ? e.message : String(e);
  return new CheckpointError('IO', `${what} failed: ${why}`, { source: target, cause: e });
}

function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

/** The name of a new temporary file for `target` (see `stale.ts` for the pattern). */
function tempName(target: string): string {
  return `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
}

/** Removes files, ignoring any failure: used to undo a failed write. */
export async function removeQuietly(files: readonly string[]): Promise<void> {
  await Promise.all(files.map((f) => fsp.rm(f, { force: true }).catch(() => undefined)));
}

/**
 * Writes `data` to a new, fsynced temporary file next to `target` and returns its path. `label`
 * is the target as `opts.write` and errors name it (default `target`).
 */
export async function stage(
  target: string,
  data: Uint8Array | string,
  opts: AtomicWriteOptions,
  label = target,
): Promise<string> {
  const temp = path.join(path.dirname(target), tempName(target));
  const base = path.basename(target);
  let handle: FileHandle | undefined;
  let created = false;
  try {
    handle = await fsp.open(temp, 'wx', 0o644);
    created = true;
    reportStep(opts, `created temp of ${base}`);
    const write = opts.write ?? ((h: FileHandle, d: Uint8Array) => h.writeFile(d));
    await write(handle, toBytes(data), label);
    reportStep(opts, `wrote temp of ${base}`);
    await handle.sync();
    await handle.close();
    handle = undefined;
    reportStep(opts, `synced temp of ${base}`);
    return temp;
  } catch (e) {
    await handle?.close().catch(() => undefined);
    if (created) await removeQuietly([temp]);
    throw ioError(e, label, 'writing');
  }
}

/** Renames a staged file over `target`. */
export async function renameInto(temp: string, target: string, opts: AtomicWriteOptions): Promise<void> {
  try {
    await fsp.rename(temp, target);
  } catch (e) {
    throw ioError(e, target, 'renaming into place');
  }
  reportStep(opts, `renamed ${path.basename(target)}`);
}

/** Makes the renames durable; directories cannot be fsynced on every platform (Windows). */
export async function syncDir(dir: string, opts: AtomicWriteOptions = {}): Promise<void> {
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
  reportStep(opts, 'synced the directory');
}

/**
 * Replaces `target` with `data` atomically: readers see either the old or the new file, never a
 * partial one. Failures throw a {@link CheckpointError} with code `IO` naming `target`.
 *
 * @example
 * ```ts
 * await writeFileAtomic('/ckpt/card.json', JSON.stringify(card));
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
 * staging changes none of the targets; each file is replaced atomically, but a crash between two
 * renames leaves some files new and the others old. Files that must change together (a
 * checkpoint) are saved with `saveCheckpoint`, which switches generations with one rename.
 *
 * @example
 * ```ts
 * await writeFilesAtomic(dir, [['card.json', card], ['README.md', readme]]);
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
    await removeQuietly(staged.map(([temp]) => temp));
    throw e;
  }
  for (let i = 0; i < staged.length; i++) {
    const [temp, target] = staged[i];
    try {
      await renameInto(temp, target, opts);
    } catch (e) {
      await removeQuietly(staged.slice(i).map(([t]) => t));
      throw e;
    }
  }
  await syncDir(dir, opts);
}
