/** `npm pack` of a workspace package, and the checks that make a tarball installable on its own. */
import * as fs from 'fs';
import * as path from 'path';
import { runCommand } from './exec';

/** The fields of package.json that decide what a tarball holds and how it is imported. */
export interface PackageManifest {
  name: string;
  version: string;
  main?: string;
  types?: string;
  files?: string[];
  private?: boolean;
  dependencies?: Record<string, string>;
}

/** Reads `<dir>/package.json`. */
export function readManifest(dir: string): PackageManifest {
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as PackageManifest;
}

/**
 * Problems that would make the package unusable once installed from npm: not publishable,
 * `files` without dist or README.md, `main` / `types` missing or outside dist, or not built.
 * Empty when all is well.
 */
export function manifestProblems(dir: string): string[] {
  const m = readManifest(dir);
  const at = `${m.name} (${path.join(dir, 'package.json')})`;
  const problems: string[] = [];
  if (m.private) problems.push(`${at}: "private": true cannot be published`);
  for (const needed of ['dist', 'README.md']) {
    if (!m.files?.includes(needed)) problems.push(`${at}: "files" must include "${needed}"`);
  }
  for (const field of ['main', 'types'] as const) {
    const value = m[field];
    if (!value) problems.push(`${at}: "${field}" is missing`);
    else if (!path.normalize(value).startsWith(`dist${path.sep}`)) {
      problems.push(`${at}: "${field}" (${value}) is not inside dist/`);
    } else if (!fs.existsSync(path.join(dir, value))) {
      problems.push(
        `${at}: ${field} file ${value} does not exist; build the package first (npx nx run ${m.name}:build)`,
      );
    }
  }
  if (!fs.existsSync(path.join(dir, 'README.md'))) problems.push(`${at}: README.md is missing`);
  return problems;
}

/** A packed tarball and what it holds. */
export interface PackedPackage {
  name: string;
  version: string;
  /** Absolute path of the .tgz. */
  tarball: string;
  /** Paths inside the package, e.g. `dist/index.js`. */
  files: string[];
}

/**
 * Runs `npm pack --json` for the package in `dir`, writing the tarball to `dest`.
 *
 * @example
 * ```ts
 * const { tarball, files } = await packPackage('packages/core', '/tmp/tarballs');
 * ```
 */
export async function packPackage(dir: string, dest: string): Promise<PackedPackage> {
  fs.mkdirSync(dest, { recursive: true });
  const { stdout } = await runCommand('npm', ['pack', '--json', '--pack-destination', dest], { cwd: dir });
  // npm may print warnings before the JSON array.
  const json = stdout.slice(stdout.indexOf('['));
  const [info] = JSON.parse(json) as {
    name: string;
    version: string;
    filename: string;
    files: { path: string }[];
  }[];
  return {
    name: info.name,
    version: info.version,
    tarball: path.join(dest, info.filename),
    files: info.files.map((f) => f.path),
  };
}
