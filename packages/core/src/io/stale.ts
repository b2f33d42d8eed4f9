/**
 * Temporary files left behind by a writer that was killed. Only files that are provably ours and
 * provably abandoned are removed: the name follows `atomic.ts`'s pattern
 * `.<target>.<pid>.<12 hex>.tmp` and no process with that pid is alive. A pid reused by another
 * process keeps its file until that process ends too; that errs on the side of keeping.
 */
import { promises as fsp } from 'fs';
import * as path from 'path';
import { reportStep, type AtomicWriteOptions } from './atomic';

const TEMP = /^\.(.+)\.([1-9][0-9]{0,9})\.[0-9a-f]{12}\.tmp$/;

/** The pid that wrote a temporary file named `name`, or undefined when the name is not ours. */
export function tempOwner(name: string): number | undefined {
  const m = TEMP.exec(name);
  return m ? Number(m[2]) : undefined;
}

/** Whether a process with this pid exists (EPERM: it does, and belongs to someone else). */
export function isAlive(pid: number): boolean {
  // This process may be writing the file right now (another save in flight).
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files of dead writers from `dir`; failures are ignored (a file that
 * cannot be removed now will be tried again by the next save). Returns the names removed.
 */
export async function removeStaleTemps(dir: string, opts: AtomicWriteOptions = {}): Promise<string[]> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names.sort()) {
    const pid = tempOwner(name);
    if (pid === undefined || isAlive(pid)) continue;
    try {
      await fsp.unlink(path.join(dir, name));
    } catch {
      continue;
    }
    removed.push(name);
    reportStep(opts, `removed stale ${name}`);
  }
  return removed;
}
