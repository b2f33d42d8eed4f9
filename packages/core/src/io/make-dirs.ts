import { promises as fsp } from 'fs';
import * as path from 'path';

/** Whether `p` exists; false only for ENOENT (any other error, e.g. ENOTDIR, is thrown). */
async function exists(p: string): Promise<boolean> {
  try {
    await fsp.stat(p);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/**
 * Creates `dir` and its missing parents, one level at a time. Node's own
 * `mkdir(dir, { recursive: true })` never returns for a folder under a pseudo file system that
 * refuses it with ENOENT (`/proc/nope` spins at full CPU on Node 20); one level at a time, the same
 * refusal is an ordinary error naming the folder.
 *
 * @example
 * ```ts
 * await makeDirs('reports/full'); // like mkdir -p
 * ```
 */
export async function makeDirs(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let cur = path.resolve(dir); !(await exists(cur));) {
    missing.push(cur);
    const up = path.dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  for (const level of missing.reverse()) {
    try {
      await fsp.mkdir(level);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}
