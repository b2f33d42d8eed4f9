/** Checks a new package name: npm-safe, and not taken in the workspace. */
import * as fs from 'fs';
import * as path from 'path';
import { CreatePackageError } from './errors';

/** Lowercase letters and digits in dash-separated words, starting with a letter. */
export const NAME_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Longest accepted name (it becomes a folder, an npm name and identifiers). */
export const MAX_NAME_LENGTH = 40;

/** The `name` of every workspace package under `packages/`, `apps/` and `tools/` of `root`. */
export function workspacePackageNames(root: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const group of ['packages', 'apps', 'tools']) {
    const dir = path.join(root, group);
    if (!fs.existsSync(dir)) continue;
    for (const entry of fs.readdirSync(dir)) {
      const manifest = path.join(dir, entry, 'package.json');
      if (!fs.existsSync(manifest)) continue;
      try {
        const { name } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: unknown };
        if (typeof name === 'string') names.set(name, path.join(group, entry));
      } catch {
        // an unreadable manifest is not ours to judge here
      }
    }
  }
  return names;
}

/**
 * Throws a {@link CreatePackageError} when `name` is not a valid new package name for the
 * workspace at `root`: not npm-safe (lowercase letters, digits, single dashes), too long, or
 * already used by a folder, a workspace package or a bench suite file.
 *
 * @example
 * ```ts
 * validateName('speech-moe', '/repo'); // ok
 * validateName('Speech', '/repo');     // throws: "Speech" is not a valid package name: ...
 * ```
 */
export function validateName(name: string, root: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new CreatePackageError(
      `"${name}" is not a valid package name: use lowercase letters and digits in dash-separated words, ` +
        'starting with a letter (e.g. "speech-moe")',
    );
  }
  if (name.length > MAX_NAME_LENGTH) {
    throw new CreatePackageError(
      `"${name}" is too long (${name.length} characters, at most ${MAX_NAME_LENGTH})`,
    );
  }
  const folder = path.join(root, 'packages', name);
  if (fs.existsSync(folder)) {
    throw new CreatePackageError(`packages/${name} already exists; choose another name or remove it first`);
  }
  const taken = workspacePackageNames(root).get(`@moe-zoo/${name}`);
  if (taken) throw new CreatePackageError(`@moe-zoo/${name} already exists (${taken}); choose another name`);
  const suites = path.join(root, 'apps', 'bench', 'src', 'suites');
  for (const taken of [name, `${name}.ts`]) {
    if (fs.existsSync(path.join(suites, taken))) {
      throw new CreatePackageError(
        `the bench already has a suite apps/bench/src/suites/${taken}; choose another name`,
      );
    }
  }
}
