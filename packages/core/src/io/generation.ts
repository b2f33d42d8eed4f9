/**
 * Saving a checkpoint directory all-or-nothing. The directory holds one committed generation:
 * the tensor files its `manifest.json` names. A save over an existing checkpoint
 *
 * 1. removes what killed saves left: temporaries of dead processes (`stale.ts`) and tensor files
 *    of the checkpoint's names that the manifest does not reference;
 * 2. stages every new file, tensor files and manifest, to fsynced temporaries;
 * 3. renames the tensor files to the names of generation g + 1 (`model.<g+1>.safetensors`), which
 *    no manifest references;
 * 4. commits by renaming the manifest (which names generation g + 1): the one rename that
 *    switches from the old checkpoint to the new;
 * 5. removes the previous generation's files;
 * 6. restores the plain names: hard-links `model.safetensors` (...) to the new files, commits a
 *    manifest without `generation`, and removes the numbered names.
 *
 * A crash before step 4 leaves the previous checkpoint, from step 4 on the new one, each
 * complete. Saves to one directory from one process run one after the other; saving to one
 * directory from two processes at once is not supported. Step 6 only keeps the usual layout (`model.safetensors`, as shipped models and
 * older versions have it); where hard links fail it is skipped and the numbered names stay,
 * which loads the same. A directory without a manifest has nothing to keep: its first save
 * writes the plain names directly, the manifest last.
 */
import { promises as fsp } from 'fs';
import * as path from 'path';
import { removeQuietly, renameInto, reportStep, stage, syncDir, type AtomicWriteOptions } from './atomic';
import {
  generationFileName,
  MANIFEST_FILE,
  manifestFiles,
  parseManifest,
  tensorFileName,
  type Manifest,
} from './manifest';
import { MAX_MANIFEST_BYTES, readChecked } from './read';
import { removeStaleTemps } from './stale';

/** One tensor file of a save: its manifest key (`undefined` for the model) and its bytes. */
export interface TensorFile {
  key: string | undefined;
  bytes: Uint8Array;
}

/** What {@link commitCheckpoint} writes. */
export interface CommitRequest {
  dir: string;
  /** The model's file first, then the extra files. */
  files: readonly TensorFile[];
  /** The manifest's text naming generation `generation` (`undefined`: the plain names). */
  manifest: (generation: number | undefined) => string;
  atomic?: AtomicWriteOptions;
}

type Previous = { kind: 'none' } | { kind: 'unreadable' } | { kind: 'ok'; manifest: Manifest };

const MODEL_NAME = 'model';
const SUFFIX = '.safetensors';

function fileOf(key: string | undefined, generation?: number): string {
  return key === undefined ? generationFileName(MODEL_NAME, generation) : tensorFileName(key, generation);
}

/** The checkpoint being replaced; `unreadable` when a manifest exists but cannot be used. */
async function readPrevious(dir: string): Promise<Previous> {
  const file = path.join(dir, MANIFEST_FILE);
  try {
    await fsp.lstat(file);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? { kind: 'none' } : { kind: 'unreadable' };
  }
  try {
    const text = (await readChecked(file, MAX_MANIFEST_BYTES)).toString('utf8');
    return { kind: 'ok', manifest: parseManifest(text, file) };
  } catch {
    return { kind: 'unreadable' };
  }
}

/** `<name>.safetensors` or `<name>.<g>.safetensors` (names never end in `.<digits>`). */
function parseTensorFile(file: string): { name: string; generation?: number } | undefined {
  if (!file.endsWith(SUFFIX)) return undefined;
  const stem = file.slice(0, -SUFFIX.length);
  const m = /^(.+)\.([0-9]+)$/.exec(stem);
  return m ? { name: m[1], generation: Number(m[2]) } : { name: stem };
}

/** The tensor files in `dir` that belong to one of `names`, plain or of any generation. */
async function tensorFilesOf(dir: string, names: ReadonlySet<string>): Promise<string[]> {
  let entries: string[];
  try {
    entries = await fsp.readdir(dir);
  } catch {
    return [];
  }
  return entries.filter((f) => {
    const parsed = parseTensorFile(f);
    return parsed !== undefined && names.has(parsed.name);
  });
}

/** Removes `files` of `dir` that exist, reporting each; failures are left for the next save. */
async function removeFiles(dir: string, files: readonly string[], opts: AtomicWriteOptions): Promise<void> {
  for (const f of files) {
    try {
      await fsp.unlink(path.join(dir, f));
    } catch {
      continue;
    }
    reportStep(opts, `removed ${f}`);
  }
}

/** Renames a staged manifest into place: the commit. Removes the temporary file on failure. */
async function commitManifest(dir: string, temp: string, opts: AtomicWriteOptions): Promise<void> {
  await syncDir(dir, opts);
  try {
    await renameInto(temp, path.join(dir, MANIFEST_FILE), opts);
  } catch (e) {
    await removeQuietly([temp]);
    throw e;
  }
  await syncDir(dir, opts);
}

/** Steps 2-4 (see the file's comment): stages, places and commits one generation. */
async function writeGeneration(req: CommitRequest, generation: number | undefined): Promise<void> {
  const opts = req.atomic ?? {};
  const targets = req.files.map((f) => path.join(req.dir, fileOf(f.key, generation)));
  const temps: string[] = [];
  const placed: string[] = [];
  try {
    for (let i = 0; i < req.files.length; i++) {
      const label = path.join(req.dir, fileOf(req.files[i].key));
      temps.push(await stage(targets[i], req.files[i].bytes, opts, label));
    }
    temps.push(await stage(path.join(req.dir, MANIFEST_FILE), req.manifest(generation), opts));
    for (let i = 0; i < req.files.length; i++) {
      await renameInto(temps[i], targets[i], opts);
      placed.push(targets[i]);
    }
  } catch (e) {
    // Nothing references the placed files: no manifest names this generation yet.
    await removeQuietly([...temps, ...placed]);
    throw e;
  }
  try {
    await commitManifest(req.dir, temps[temps.length - 1], opts);
  } catch (e) {
    await removeQuietly(placed);
    throw e;
  }
}

/** Step 6: gives the committed generation's files their plain names again. */
async function restorePlainNames(req: CommitRequest, generation: number): Promise<void> {
  const opts = req.atomic ?? {};
  const linked: string[] = [];
  try {
    for (const f of req.files) {
      const plain = fileOf(f.key);
      // Not referenced: the committed manifest names generation `generation`.
      await removeFiles(req.dir, [plain], opts);
      await fsp.link(path.join(req.dir, fileOf(f.key, generation)), path.join(req.dir, plain));
      linked.push(path.join(req.dir, plain));
      reportStep(opts, `linked ${plain}`);
    }
    const temp = await stage(path.join(req.dir, MANIFEST_FILE), req.manifest(undefined), opts);
    await commitManifest(req.dir, temp, opts);
  } catch {
    await removeQuietly(linked);
    return;
  }
  await removeFiles(
    req.dir,
    req.files.map((f) => fileOf(f.key, generation)),
    opts,
  );
}

/** The save in flight per directory, so that saves from one process never interleave. */
const inFlight = new Map<string, Promise<void>>();

/**
 * Writes the tensor files and the manifest of a checkpoint to `req.dir` (which must exist) so
 * that a crash at any point leaves either the previous checkpoint or the new one, each loadable,
 * and removes what earlier crashed saves left behind. Failures before the commit throw a
 * `CheckpointError` (`IO`) and leave the previous checkpoint and no new file; failures after it
 * (removing the old generation, restoring the plain names) are left for the next save.
 */
export async function commitCheckpoint(req: CommitRequest): Promise<void> {
  const key = path.resolve(req.dir);
  const previous = inFlight.get(key) ?? Promise.resolve();
  const mine = previous.then(() => commitNow(req));
  const settled = mine.catch(() => undefined);
  inFlight.set(key, settled);
  try {
    await mine;
  } finally {
    if (inFlight.get(key) === settled) inFlight.delete(key);
  }
}

async function commitNow(req: CommitRequest): Promise<void> {
  const opts = req.atomic ?? {};
  const prev = await readPrevious(req.dir);
  const previousKeys = prev.kind === 'ok' ? Object.keys(prev.manifest.files ?? {}) : [];
  const names = new Set([MODEL_NAME, ...previousKeys, ...req.files.flatMap((f) => f.key ?? [])]);

  await removeStaleTemps(req.dir, opts);
  const present = await tensorFilesOf(req.dir, names);
  if (prev.kind === 'none') {
    await writeGeneration(req, undefined);
    return;
  }
  let generation: number;
  if (prev.kind === 'ok') {
    const referenced = new Set(manifestFiles(prev.manifest).map(([, file]) => file));
    await removeFiles(
      req.dir,
      present.filter((f) => !referenced.has(f)),
      opts,
    );
    generation = (prev.manifest.generation ?? 0) + 1;
  } else {
    // Whatever the unreadable manifest names, a generation above every file on disk is unused.
    generation = 1 + Math.max(0, ...present.map((f) => parseTensorFile(f)?.generation ?? 0));
  }
  await writeGeneration(req, generation);
  try {
    if (prev.kind === 'ok') {
      await removeFiles(
        req.dir,
        manifestFiles(prev.manifest).map(([, file]) => file),
        opts,
      );
    }
    await restorePlainNames(req, generation);
  } catch {
    // The new checkpoint is committed; whatever is left over is removed by the next save.
  }
}
