/** `moe-bench zoo [model...]`: trains the shipped models into their packages (`npm run zoo`). */
import type { Command } from 'commander';
import {
  createReporter,
  findWorkspaceRoot,
  integerFlag,
  startBackend,
  UsageError,
  type Cli,
  type CommonFlags,
} from '@moe-zoo/core';
import { runZoo } from './run-zoo';
import { selectRecipes, ZOO_RECIPES } from './recipes';

interface ZooFlags extends CommonFlags {
  seed: number;
  evaluate?: boolean;
  root?: string;
}

/** Adds the `zoo` sub-command to the bench's command line. */
export function addZooCommand(cli: Cli, tty?: boolean): void {
  cli
    .addCommonOptions(
      cli.program
        .command('zoo')
        .description(
          `train the shipped models (${ZOO_RECIPES.map((r) => r.name).join(', ')}) into <package>/models/<name>/ with their cards`,
        )
        .argument('[model...]', 'model names (default: all)')
        .option('--seed <n>', 'training seed', integerFlag('--seed', 0), 0)
        .option('--evaluate', 're-measure the saved models and rewrite their cards, without training')
        .option('--root <dir>', 'the repository to write into (default: this workspace)'),
    )
    .action(
      cli.action(async (names: string[], _flags: ZooFlags, cmd: Command) => {
        const flags = cmd.optsWithGlobals<ZooFlags>();
        let recipes;
        try {
          recipes = selectRecipes(names);
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
        const root = flags.root ?? findWorkspaceRoot(__dirname);
        if (!root) throw new UsageError('not inside the moe-zoo workspace; give --root');
        const backend = await startBackend(flags);
        const reporter = createReporter({ stream: cli.io.stderr, tty });
        try {
          await runZoo(recipes, {
            root,
            seed: flags.seed,
            evaluateOnly: flags.evaluate ?? false,
            reporter,
            log: (line) => reporter.log(line),
            backend: `${backend.name} x${backend.threads}`,
          });
        } finally {
          reporter.close();
        }
      }),
    );
}
