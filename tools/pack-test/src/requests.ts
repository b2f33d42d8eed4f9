/** What built JavaScript loads: the literal `require(...)` and `require.resolve(...)` requests. */
import * as fs from 'fs';
import * as path from 'path';
import { filesUnder } from './walk';

const REQUIRE = /\brequire(?:\.resolve)?\(\s*(['"])([^'"]+)\1/g;

/**
 * The bare module requests (packages, not relative paths) that the `.js` files under `dir` pass to
 * `require` or `require.resolve` as string literals, sorted and without repeats.
 *
 * @example
 * ```ts
 * builtRequests('packages/core/dist'); // ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', ...]
 * ```
 */
export function builtRequests(dir: string): string[] {
  const found = new Set<string>();
  for (const file of filesUnder(dir).filter((f) => f.endsWith('.js'))) {
    for (const match of fs.readFileSync(path.join(dir, file), 'utf8').matchAll(REQUIRE)) {
      if (!match[2].startsWith('.') && !path.isAbsolute(match[2])) found.add(match[2]);
    }
  }
  return [...found].sort();
}
