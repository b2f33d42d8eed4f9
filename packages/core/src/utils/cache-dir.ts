import { existsSync, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The nearest ancestor of `from` whose package.json declares `workspaces` (the repo root), or undefined. */
export function findWorkspaceRoot(from: string = process.cwd()): string | undefined {
  let dir = path.resolve(from);
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { workspaces?: unknown }).workspaces) return dir;
      } catch {
        // An unreadable package.json is not a root; keep looking.
      }
    }
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/**
 * The one cache folder of moe-zoo's generated data, with a sub-folder per generator:
 * `$MOE_ZOO_CACHE/<sub>` when the variable is set, else `<workspace root>/.cache/<sub>` (the root
 * found from the working directory, then from this file), else `<tmp>/moe-zoo-cache/<sub>`.
 *
 * @example
 * ```ts
 * const dir = cacheDir('restoration'); // e.g. /repo/.cache/restoration
 * ```
 */
export function cacheDir(sub: string): string {
  const env = process.env.MOE_ZOO_CACHE;
  if (env) return path.join(env, sub);
  const root = findWorkspaceRoot() ?? findWorkspaceRoot(__dirname);
  return root ? path.join(root, '.cache', sub) : path.join(os.tmpdir(), 'moe-zoo-cache', sub);
}
