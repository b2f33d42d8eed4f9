#!/usr/bin/env node
/**
 * `npm run new-package -- <name> [--root DIR] [--no-suite]`: scaffolds packages/<name> wired to
 * @moe-zoo/core and a bench suite for it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CreatePackageError } from './errors';
import { createPackage } from './generate';

const USAGE = `usage: npm run new-package -- <name> [--root <dir>] [--no-suite]

Scaffolds packages/<name> (@moe-zoo/<name>): a tiny MoE model on @moe-zoo/core with data,
training, README example and tests, plus the bench suite apps/bench/src/suites/<name>/ and its claims test.

  <name>        lowercase letters and digits in dash-separated words, e.g. speech-moe
  --root <dir>  workspace root (default: the nearest folder with nx.json above the current one)
  --no-suite    do not add a bench suite
`;

/** The nearest ancestor of `start` (inclusive) holding nx.json, or undefined. */
export function findRoot(start: string): string | undefined {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'nx.json'))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

interface Args {
  name?: string;
  root?: string;
  suite: boolean;
  help: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { suite: true, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') args.help = true;
    else if (a === '--no-suite') args.suite = false;
    else if (a === '--root') {
      const dir = argv[++i];
      if (!dir) throw new CreatePackageError('--root needs a directory');
      args.root = dir;
    } else if (a.startsWith('--root=')) args.root = a.slice('--root='.length);
    else if (a.startsWith('-')) throw new CreatePackageError(`unknown option ${a}`);
    else if (args.name !== undefined)
      throw new CreatePackageError(`one name only (got "${args.name}" and "${a}")`);
    else args.name = a;
  }
  return args;
}

/** Runs the command line; resolves to the exit code (0 ok, 1 error, 2 usage). */
export async function main(
  argv: readonly string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
  err: (s: string) => void = (s) => process.stderr.write(s),
): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    err(`error: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    out(USAGE);
    return 0;
  }
  if (!args.name) {
    err(`error: missing the package name\n\n${USAGE}`);
    return 2;
  }
  const root = args.root ? path.resolve(args.root) : findRoot(process.cwd());
  if (!root) {
    err('error: no workspace root (nx.json) above the current folder; pass --root\n');
    return 2;
  }
  try {
    const created = await createPackage({ name: args.name, root, suite: args.suite });
    const pkg = `@moe-zoo/${created.names.name}`;
    out(`created ${pkg}:\n${created.files.map((f) => `  ${f}`).join('\n')}\n\n`);
    out(
      [
        'next:',
        `  npm install                             # link ${pkg} into the workspace`,
        `  npx nx test ${pkg}`,
        ...(args.suite ? [`  npm run bench -- run ${created.names.name} --quick`] : []),
        '',
      ].join('\n'),
    );
    return 0;
  } catch (e) {
    if (e instanceof CreatePackageError) {
      err(`error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
