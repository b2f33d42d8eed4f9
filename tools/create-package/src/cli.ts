/**
 * `npm run new-package -- <name> [--root DIR] [--no-suite]`: scaffolds packages/<name> wired to
 * @moe-zoo/core and a bench suite for it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { createCli, packageVersion, runMain, UsageError, type Cli, type CliIO } from '@moe-zoo/core';
import { createPackage } from './generate';

/** The nearest ancestor of `start` (inclusive) holding nx.json, or undefined. */
export function findRoot(start: string): string | undefined {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'nx.json'))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * The `new-package` command line on the given streams (default the process's).
 *
 * @example
 * ```ts
 * const code = await createNewPackageCli().run(['speech-moe', '--no-suite']);
 * ```
 */
export function createNewPackageCli(io?: CliIO): Cli {
  const cli = createCli({
    name: 'new-package',
    version: packageVersion(__dirname),
    description:
      'Scaffolds packages/<name> (@moe-zoo/<name>): a tiny MoE model on @moe-zoo/core with data, ' +
      'training, README example and tests, plus the bench suite apps/bench/src/suites/<name>/ and its claims test.',
    backend: false,
    io,
  });
  cli.program
    .argument('<name>', 'lowercase letters and digits in dash-separated words, e.g. speech-moe')
    .option('--root <dir>', 'workspace root (default: the nearest folder with nx.json above the current one)')
    .option('--no-suite', 'do not add a bench suite')
    .action(
      cli.action(async (name: string, flags: { root?: string; suite: boolean }) => {
        const root = flags.root !== undefined ? path.resolve(flags.root) : findRoot(process.cwd());
        if (!root) throw new UsageError('no workspace root (nx.json) above the current folder; pass --root');
        const created = await createPackage({ name, root, suite: flags.suite });
        const pkg = `@moe-zoo/${created.names.name}`;
        cli.io.stdout.write(
          [
            `created ${pkg}:`,
            ...created.files.map((f) => `  ${f}`),
            '',
            'next:',
            `  npm install                             # link ${pkg} into the workspace`,
            `  npx nx test ${pkg}`,
            ...(flags.suite ? [`  npm run bench -- run ${created.names.name}`] : []),
            '',
          ].join('\n'),
        );
      }),
    );
  return cli;
}

/** The command: runs the process's arguments and exits with the code. */
export function main(argv?: readonly string[]): Promise<never> {
  return runMain((a) => createNewPackageCli().run(a), argv);
}

if (require.main === module) void main();
