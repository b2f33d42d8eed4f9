/** `moe-bench fuzz`: attacks every shipped checkpoint and writes reports/fuzz.json and fuzz.md. */
import { promises as fsp } from 'fs';
import * as path from 'path';
import type { Command } from 'commander';
import {
  createReporter,
  findWorkspaceRoot,
  integerFlag,
  UsageError,
  type Cli,
  type CommonFlags,
} from '@moe-zoo/core';
import { writableReportDir } from '../bench-run';
import { modelDir } from '../zoo/run-zoo';
import { ZOO_RECIPES } from '../zoo/recipes';
import { renderFuzzReport } from './report';
import { runFuzz } from './run-fuzz';

interface FuzzFlags extends CommonFlags {
  seed: number;
  configCases: number;
  timeoutMs: number;
  memoryMb: number;
  out?: string;
}

/** Adds the `fuzz` sub-command to the bench's command line. */
export function addFuzzCommand(cli: Cli, tty?: boolean): void {
  cli
    .addCommonOptions(
      cli.program
        .command('fuzz')
        .description(
          'load every shipped checkpoint mutated as an attacker would (configs, headers, bytes, special files) in child processes; writes fuzz.json and fuzz.md',
        )
        .argument('[model...]', 'model names (default: all shipped models)')
        .option('--seed <n>', 'seed of the sampled cases', integerFlag('--seed', 0), 0)
        .option('--config-cases <n>', 'config mutations per model', integerFlag('--config-cases', 1), 30)
        .option(
          '--timeout-ms <n>',
          'a load longer than this is a hang',
          integerFlag('--timeout-ms', 1),
          30000,
        )
        .option(
          '--memory-mb <n>',
          'resident memory at which a load is killed',
          integerFlag('--memory-mb', 1),
          2048,
        )
        .option('--out <dir>', 'report folder (default: <repo>/reports)'),
    )
    .action(
      cli.action(async (names: string[], _flags: FuzzFlags, cmd: Command) => {
        const flags = cmd.optsWithGlobals<FuzzFlags>();
        const root = findWorkspaceRoot(__dirname);
        if (!root) throw new UsageError('not inside the moe-zoo workspace');
        const unknown = names.filter((n) => !ZOO_RECIPES.some((r) => r.name === n));
        if (unknown.length)
          throw new UsageError(
            `unknown model "${unknown[0]}"; the zoo has ${ZOO_RECIPES.map((r) => r.name).join(', ')}`,
          );
        const out = flags.out ?? path.join(root, 'reports');
        const unwritable = await writableReportDir(out);
        if (unwritable) throw new UsageError(unwritable);
        const targets = ZOO_RECIPES.filter((r) => !names.length || names.includes(r.name)).map((r) => ({
          name: r.name,
          packageName: r.packageName,
          dir: modelDir(root, r),
        }));
        const reporter = createReporter({ stream: cli.io.stderr, tty });
        let bar: ReturnType<typeof reporter.progress> | undefined;
        try {
          const report = await runFuzz({
            targets,
            seed: flags.seed,
            configCases: flags.configCases,
            timeoutMs: flags.timeoutMs,
            memoryLimitMb: flags.memoryMb,
            onCase: (done, total, r) => {
              bar ??= reporter.progress('fuzz cases', total);
              bar.tick(1, { last: `${r.model} ${r.outcome}` });
            },
          });
          bar?.done();
          await fsp.writeFile(path.join(out, 'fuzz.json'), `${JSON.stringify(report, null, 2)}\n`);
          await fsp.writeFile(path.join(out, 'fuzz.md'), renderFuzzReport(report));
          const t = report.totals;
          cli.io.stdout.write(
            `fuzz: ${report.results.length - targets.length} cases in ${report.durationS} s: ${t.loaded} loaded, ${t.typed} typed errors, ` +
              `${t.untyped} untyped, ${t.crash} crashes, ${t.hang} hangs, ${t.memory} over memory -> ${path.join(out, 'fuzz.md')}\n`,
          );
        } finally {
          reporter.close();
        }
      }),
    );
}
