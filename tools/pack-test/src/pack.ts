/** `npm pack` of a workspace package, and the checks of what its tarball holds. */
import * as fs from 'fs';
import * as path from 'path';
import { runCommand } from './exec';
import { binTargets, readManifest } from './manifest';
import { filesUnder } from './walk';

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

/** What a published tarball may hold: built code, bin wrappers, trained models and the package files. */
const SHIPPED = /^(dist\/|bin\/|models\/|README\.md$|LICENSE$|package\.json$)/;

/**
 * Source maps that would point a debugger at nothing: for every shipped `.map`, each source must be
 * inlined (`sourcesContent`) or shipped itself.
 */
function sourceMapProblems(dir: string, shipped: Set<string>): string[] {
  const problems: string[] = [];
  for (const file of [...shipped].filter((f) => f.endsWith('.map'))) {
    const map = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as {
      sources?: string[];
      sourcesContent?: (string | null)[];
      sourceRoot?: string;
    };
    (map.sources ?? []).forEach((source, i) => {
      if (typeof map.sourcesContent?.[i] === 'string') return;
      const target = path.posix.normalize(
        path.posix.join(path.posix.dirname(file), map.sourceRoot ?? '', source),
      );
      if (!shipped.has(target)) {
        problems.push(`${file} points to ${source}, which is neither shipped nor inlined (sourcesContent)`);
      }
    });
  }
  for (const file of [...shipped].filter((f) => f.endsWith('.js'))) {
    const ref = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(fs.readFileSync(path.join(dir, file), 'utf8'));
    if (ref && !ref[1].startsWith('data:')) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), ref[1]));
      if (!shipped.has(target)) problems.push(`${file} names the source map ${ref[1]}, which is not shipped`);
    }
  }
  return problems;
}

/**
 * Problems with what the tarball of the package in `dir` holds, each starting with its name; empty
 * when all is well: package.json, README.md, LICENSE, `main`, `types` and every bin target shipped;
 * a `.d.ts` beside every `.js` of dist; source maps self-contained or their sources shipped; the
 * whole `models/` folder shipped when the package has one; nothing else (no sources, no tests).
 */
export function tarballProblems(dir: string, packed: PackedPackage): string[] {
  const m = readManifest(dir);
  const shipped = new Set(packed.files);
  const problems: string[] = [];
  const needed = ['package.json', 'README.md', 'LICENSE', m.main, m.types, ...binTargets(m)];
  for (const file of needed) {
    if (file && !shipped.has(path.posix.normalize(file))) problems.push(`${file} is not in the tarball`);
  }
  const js = packed.files.filter((f) => f.startsWith('dist/') && f.endsWith('.js'));
  if (js.length === 0) problems.push('the tarball holds no built JavaScript');
  for (const f of js) {
    if (!shipped.has(f.replace(/\.js$/, '.d.ts'))) problems.push(`${f} has no declarations (.d.ts)`);
  }
  for (const f of packed.files.filter((file) => !SHIPPED.test(file)))
    problems.push(`${f} should not be shipped`);
  problems.push(...sourceMapProblems(dir, shipped));
  const models = path.join(dir, 'models');
  if (fs.existsSync(models)) {
    for (const f of filesUnder(models).map((file) => `models/${file}`)) {
      if (!shipped.has(f)) problems.push(`${f} (a trained model file) is not in the tarball`);
    }
  }
  return problems.map((p) => `${m.name} tarball: ${p}`);
}
