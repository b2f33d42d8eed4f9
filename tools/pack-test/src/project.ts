/** An empty npm project outside the workspace that installs tarballs and runs an example. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCommand, type CommandResult } from './exec';

/** Environment for commands in the scratch project: no NODE_PATH, so only its own node_modules resolve. */
export function isolatedEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.NODE_PATH;
  return env;
}

/**
 * Makes an empty project (`package.json` only, with the user's own `dependencies` if given) in the
 * system temp folder, and checks it is not inside `workspace` (where Node would find the
 * workspace's node_modules).
 */
export function createScratchProject(workspace: string, dependencies: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'moe-zoo-pack-'));
  const rel = path.relative(path.resolve(workspace), dir);
  if (!rel.startsWith('..') && !path.isAbsolute(rel)) {
    throw new Error(`the scratch project ${dir} is inside the workspace ${workspace}; set TMPDIR elsewhere`);
  }
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    `${JSON.stringify({ name: 'moe-zoo-pack-check', version: '1.0.0', private: true, dependencies }, null, 2)}\n`,
  );
  return dir;
}

/**
 * `npm install <tarballs...>` in `dir`, next to the project's own dependencies (from the registry,
 * the npm cache first).
 */
export function installTarballs(
  dir: string,
  tarballs: string[],
  timeoutMs = 480_000,
): Promise<CommandResult> {
  return runCommand('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs], {
    cwd: dir,
    env: isolatedEnv(),
    timeoutMs,
  });
}

/**
 * Writes `example.ts` and a strict tsconfig (Node types from `typeRoots`), then compiles it with
 * the TypeScript compiler at `tscJs` to `example.js`: the example type-checks against the
 * declarations the tarballs installed.
 */
export async function compileExample(
  dir: string,
  code: string,
  tscJs: string,
  typeRoots: string[],
): Promise<string> {
  fs.writeFileSync(path.join(dir, 'example.ts'), code);
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      module: 'commonjs',
      moduleResolution: 'node',
      strict: true,
      esModuleInterop: true,
      // tfjs's own declarations do not type-check under strict settings; ours are checked through use.
      skipLibCheck: true,
      typeRoots,
      types: ['node'],
    },
    files: ['example.ts'],
  };
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
  await runCommand(process.execPath, [tscJs, '-p', 'tsconfig.json'], { cwd: dir, env: isolatedEnv() });
  return path.join(dir, 'example.js');
}

/**
 * Every installed copy of package `name` in the node_modules tree of `dir` (nested copies too),
 * with its version.
 *
 * @example
 * ```ts
 * installedCopies(project, '@tensorflow/tfjs-core'); // [{ dir: '.../node_modules/@tensorflow/tfjs-core', version: '4.22.0' }]
 * ```
 */
export function installedCopies(dir: string, name: string): { dir: string; version: string }[] {
  const found: { dir: string; version: string }[] = [];
  const visit = (modules: string): void => {
    if (!fs.existsSync(modules)) return;
    const packages = fs
      .readdirSync(modules)
      .sort()
      .flatMap((entry) => {
        if (entry.startsWith('.')) return [];
        if (!entry.startsWith('@')) return [entry];
        return fs.readdirSync(path.join(modules, entry)).map((sub) => `${entry}/${sub}`);
      });
    for (const pkg of packages) {
      const at = path.join(modules, pkg);
      if (pkg === name && fs.existsSync(path.join(at, 'package.json'))) {
        const { version } = JSON.parse(fs.readFileSync(path.join(at, 'package.json'), 'utf8')) as {
          version: string;
        };
        found.push({ dir: at, version });
      }
      visit(path.join(at, 'node_modules'));
    }
  };
  visit(path.join(dir, 'node_modules'));
  return found;
}
