import * as fs from 'fs';
import * as path from 'path';

/**
 * The `version` of the nearest package.json at or above `dir`: a command line passes its own
 * `__dirname`, which is `src/` under ts-jest and `dist/` once built, both inside the package.
 *
 * @example
 * ```ts
 * const version = packageVersion(__dirname); // '0.1.0'
 * ```
 */
export function packageVersion(dir: string): string {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const file = path.join(d, 'package.json');
    if (fs.existsSync(file)) {
      const { version } = JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: unknown };
      if (typeof version !== 'string') throw new Error(`${file} has no version`);
      return version;
    }
    if (path.dirname(d) === d) throw new Error(`no package.json at or above ${dir}`);
  }
}
