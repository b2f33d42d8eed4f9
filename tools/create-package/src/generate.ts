/** Writes a new model package and its bench suite from the templates. */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CreatePackageError } from './errors';
import { workspaceValues } from './manifest';
import { fillTemplate, namesOf, type PackageNames } from './names';
import { addBenchDependency, registerSuite } from './register';
import { validateName } from './validate';

/** The templates shipped with this tool. */
export const TEMPLATES_DIR = path.join(__dirname, '..', 'templates');

/** Options of {@link createPackage}. */
export interface CreatePackageOptions {
  /** The new package's name without scope, e.g. `speech-moe` (package `@moe-zoo/speech-moe`). */
  name: string;
  /** The workspace root (holds nx.json, packages/, apps/bench). */
  root: string;
  /** Also write the bench suite apps/bench/src/suites/<name>/ with its claims test, and register it (default true). */
  suite?: boolean;
  /** Format the written files with the workspace's prettier when it is installed (default true). */
  format?: boolean;
}

/** What {@link createPackage} did. */
export interface CreatedPackage {
  names: PackageNames;
  /** Absolute path of packages/<name>. */
  dir: string;
  /** Files written or changed, relative to the root, in order. */
  files: string[];
}

function templateFiles(dir: string, prefix = ''): string[] {
  return fs
    .readdirSync(path.join(dir, prefix), { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? templateFiles(dir, path.join(prefix, e.name)) : [path.join(prefix, e.name)],
    )
    .sort();
}

/** The workspace's prettier CLI, if installed. */
function prettierBin(root: string): string | undefined {
  try {
    return require.resolve('prettier/bin/prettier.cjs', { paths: [root] });
  } catch {
    return undefined;
  }
}

/**
 * Formats files with the workspace's prettier and config (a child process: prettier 3 loads its
 * plugins with dynamic imports, which not every host allows in-process).
 */
function formatFiles(root: string, files: string[]): void {
  const bin = prettierBin(root);
  if (!bin || files.length === 0) return;
  try {
    execFileSync(process.execPath, [bin, '--write', '--log-level', 'warn', ...files], {
      cwd: root,
      stdio: 'pipe',
    });
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new CreatePackageError(
      `prettier could not format the generated files: ${stderr || (e as Error).message}`,
    );
  }
}

/**
 * Scaffolds `packages/<name>` (package.json following the published-manifest rules with the
 * workspace's license, engines, repository and ranges, a copy of the root LICENSE, tsconfigs, jest config, README with a runnable
 * example, src with data, a tiny MoE model on core's TokenClassifier and a fitShuffled training
 * loop, tests) and, unless `suite: false`, the suite folder `apps/bench/src/suites/<name>/` (run in
 * `index.ts`, the claim in `claims.ts`, tested by `apps/bench/test/suites/<name>-claims.test.ts`) registered in
 * suites/index.ts with the bench depending on the new package. Validates the name first and
 * writes nothing when it is bad.
 *
 * @example
 * ```ts
 * const { files } = await createPackage({ name: 'speech-moe', root: '/repo' });
 * ```
 */
export async function createPackage(o: CreatePackageOptions): Promise<CreatedPackage> {
  const root = path.resolve(o.root);
  if (!fs.existsSync(path.join(root, 'packages'))) {
    throw new CreatePackageError(
      `${root} is not a moe-zoo workspace root (no packages/ folder); pass --root`,
    );
  }
  validateName(o.name, root);
  const names = namesOf(o.name);
  const withSuite = o.suite ?? true;
  const bench = path.join(root, 'apps', 'bench');
  const indexFile = path.join(bench, 'src', 'suites', 'index.ts');
  const benchManifest = path.join(bench, 'package.json');
  if (withSuite && !(fs.existsSync(indexFile) && fs.existsSync(benchManifest))) {
    throw new CreatePackageError(`${root} has no apps/bench (suites/index.ts, package.json); use --no-suite`);
  }

  // Render everything before writing anything, so a bad template leaves the workspace as it was.
  const values = workspaceValues(root);
  const licenseFile = path.join(root, 'LICENSE');
  if (!fs.existsSync(licenseFile)) {
    throw new CreatePackageError(
      `${root} has no LICENSE; every published package ships a copy of the workspace's LICENSE`,
    );
  }
  const writes: [string, string | Buffer][] = [];
  const packageDir = path.join(root, 'packages', names.name);
  const packageTemplates = path.join(TEMPLATES_DIR, 'package');
  for (const rel of templateFiles(packageTemplates)) {
    const target = path.join(packageDir, rel.replace(/\.tmpl$/, ''));
    writes.push([
      target,
      fillTemplate(fs.readFileSync(path.join(packageTemplates, rel), 'utf8'), names, values),
    ]);
  }
  const manifestFile = path.join(packageDir, 'package.json');
  const manifestText = writes.find(([file]) => file === manifestFile)?.[1];
  let version: unknown;
  try {
    version = (JSON.parse(String(manifestText)) as { version?: unknown }).version;
  } catch (e) {
    throw new CreatePackageError(`the package.json template did not render to JSON: ${(e as Error).message}`);
  }
  if (typeof version !== 'string') throw new CreatePackageError('the package.json template has no "version"');
  // A copy of the root's, byte for byte and not formatted: pack-test compares the two.
  const license = path.join(packageDir, 'LICENSE');
  writes.push([license, fs.readFileSync(licenseFile)]);
  if (withSuite) {
    const benchFile = (template: string, target: string): void => {
      const text = fs.readFileSync(path.join(TEMPLATES_DIR, 'bench', template), 'utf8');
      writes.push([path.join(bench, target), fillTemplate(text, names)]);
    };
    benchFile('suite-index.ts.tmpl', path.join('src', 'suites', names.name, 'index.ts'));
    benchFile('suite-claims.ts.tmpl', path.join('src', 'suites', names.name, 'claims.ts'));
    benchFile('suite-claims.test.ts.tmpl', path.join('test', 'suites', `${names.name}-claims.test.ts`));
    writes.push([indexFile, registerSuite(fs.readFileSync(indexFile, 'utf8'), names)]);
    writes.push([
      benchManifest,
      addBenchDependency(fs.readFileSync(benchManifest, 'utf8'), names, `^${version}`),
    ]);
  }
  for (const [file, text] of writes) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  if (o.format !== false)
    formatFiles(
      root,
      writes.map(([file]) => file).filter((file) => file !== license),
    );
  return { names, dir: packageDir, files: writes.map(([file]) => path.relative(root, file)) };
}
