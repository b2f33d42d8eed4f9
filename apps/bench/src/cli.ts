/**
 * `moe-bench`: lists and runs the bench suites, prints a leaderboard and writes
 * `<out>/<suite>.json` plus `<out>/summary.md` (docs/architecture.md section 6).
 */
import type { Command } from 'commander';
import * as path from 'path';
import {
  createCli,
  integerFlag,
  packageVersion,
  parseBackendFlag,
  runMain,
  UsageError,
  type BackendName,
  type Cli,
  type CliIO,
} from '@moe-zoo/core';
import {
  checkOutDir,
  defaultOutDir,
  defaultOutDirFor,
  executeRun,
  TINY_SUBDIR,
  type SignalSource,
} from './bench-run';
import { FULL_SEEDS, QUICK_SEEDS } from './runner';
import { SUITES, findSuite } from './suites';
import { addFuzzCommand } from './fuzz/command';
import { addZooCommand } from './zoo';
import type { Suite } from './types';

/** Flags shared by the default command, `run` and `perf`. */
interface RunFlags {
  quick?: boolean;
  tiny?: boolean;
  full?: boolean;
  seeds?: number;
  backend?: BackendName | 'auto';
  threads?: number;
  out?: string;
  resume?: boolean;
  force?: boolean;
}

/** What {@link createProgram} may be given instead of the process's own streams and signals. */
export interface CliDeps {
  io?: CliIO;
  /** SIGINT source; default `process`. */
  signals?: SignalSource;
  /** Force progress bars (true) or lines (false); default: whether stderr is a TTY. */
  tty?: boolean;
  /**
   * The reports folder: default `--out` of quick runs, with full runs in its `full/`
   * sub-folder; default `<repo root>/reports`.
   */
  reportsDir?: string;
}

/**
 * Mode and seed count of a run: quick with {@link QUICK_SEEDS} seed by default; full with
 * `--full` ({@link FULL_SEEDS} seeds) or `--seeds N` (N seeds); `--quick` wins over `--seeds`.
 */
export function resolveMode(flags: Pick<RunFlags, 'quick' | 'tiny' | 'full' | 'seeds'>): {
  quick: boolean;
  tiny: boolean;
  seeds: number;
} {
  if (flags.quick && flags.full) throw new UsageError('--quick and --full cannot be used together.');
  if (flags.tiny && flags.full) throw new UsageError('--tiny and --full cannot be used together.');
  const tiny = flags.tiny ?? false;
  const quick = tiny || (flags.quick ?? (!flags.full && flags.seeds === undefined));
  return { quick, tiny, seeds: flags.seeds ?? (quick ? QUICK_SEEDS : FULL_SEEDS) };
}

/** The run flags of the default command, `run` and `perf`. */
function addRunOptions(cmd: Command): Command {
  return cmd
    .option(
      '--quick',
      `quick mode: small data, few steps, ${QUICK_SEEDS} seed (the default; quick even with --seeds)`,
    )
    .option(
      '--tiny',
      'tiny sizes for smoke runs on slow backends (CI on software WebGPU); implies quick; reports in <repo>/reports/tiny. Suites without a tiny size run quick',
    )
    .option('--full', `full mode: ${FULL_SEEDS} seeds (or --seeds N), reports in <repo>/reports/full`)
    .option(
      '--seeds <n>',
      `number of seeds; alone it means full mode (default ${QUICK_SEEDS} quick, ${FULL_SEEDS} full)`,
      integerFlag('--seeds'),
    )
    .option('--out <dir>', 'report directory (default <repo>/reports quick, <repo>/reports/full full)')
    .option('--resume', 'skip suites whose report in --out has the same quick flag and seed count')
    .option('--force', "write into --out even if it holds the other mode's report of a suite being run");
}

/**
 * Builds `moe-bench` over a suite registry (the real binary passes {@link SUITES}; tests pass
 * fakes).
 *
 * @example
 * ```ts
 * const code = await createProgram([mySuite]).run(['run', 'my-suite', '--quick']);
 * ```
 */
export function createProgram(suites: Suite[], deps: CliDeps = {}): Cli {
  const cli = createCli({
    name: 'moe-bench',
    version: packageVersion(__dirname),
    description:
      "Trains and evaluates the moe-zoo models and checks the papers' claims.\n" +
      `Every command runs in quick mode (${QUICK_SEEDS} seed) into <repo>/reports unless given --full ` +
      `(${FULL_SEEDS} seeds) or --seeds N (N seeds), which run in full mode into <repo>/reports/full.\n` +
      'Without a command: runs every suite.',
    io: deps.io,
  });
  const { program, io } = cli;
  const signals = deps.signals ?? process;

  const selectSuites = (names: string[]): Suite[] => {
    const unknown = names.filter((n) => !findSuite(n, suites));
    if (unknown.length > 0) {
      const known = suites.length > 0 ? suites.map((s) => s.name).join(', ') : '(none registered)';
      throw new UsageError(
        `unknown suite${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}; known suites: ${known}`,
      );
    }
    return [...new Set(names)].map((n) => findSuite(n, suites) as Suite);
  };

  const runSelected = async (selected: Suite[], flags: RunFlags): Promise<number> => {
    const mode = resolveMode(flags);
    let backend: BackendName | 'auto';
    try {
      backend = flags.backend ?? parseBackendFlag(process.env.MOE_BACKEND ?? 'auto');
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const reportsDir = deps.reportsDir ?? defaultOutDir();
    const outDir =
      flags.out !== undefined
        ? path.resolve(flags.out)
        : mode.tiny
          ? path.join(reportsDir, TINY_SUBDIR)
          : defaultOutDirFor(mode.quick, reportsDir);
    const problem = await checkOutDir({
      suites: selected,
      quick: mode.quick,
      outDir,
      fullDir: defaultOutDirFor(false, reportsDir),
      force: flags.force ?? false,
    });
    if (problem) throw new UsageError(problem);
    return executeRun(
      { suites: selected, ...mode, backend, threads: flags.threads, outDir, resume: flags.resume ?? false },
      { io, signals, tty: deps.tty },
    );
  };

  addRunOptions(program.enablePositionalOptions())
    .allowExcessArguments()
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  moe-bench                      every suite, quick mode, 1 seed, into reports/',
        '  moe-bench --full               every suite, full mode, seeds 0,1,2, into reports/full/',
        '  moe-bench run core             one suite, quick mode, into reports/',
        '  moe-bench run core --full      one suite, full mode, seeds 0,1,2, into reports/full/',
        '  moe-bench run core --seeds 5   one suite, full mode, seeds 0..4, into reports/full/',
        '  moe-bench perf --backend wasm  the perf suite (quick) on wasm',
        '  moe-bench perf --backend webgpu --tiny   the perf suite at tiny sizes on webgpu, into reports/tiny/',
        '  moe-bench run core --resume    skip suites already in --out',
        '',
        'A quick run refuses to write into reports/full/ or over a full-mode <suite>.json (and a',
        'full run over a quick one) unless given --force. A run stopped by Ctrl-C exits 130.',
      ].join('\n'),
    )
    .action(
      cli.action(async (flags: RunFlags, cmd: Command) => {
        if (cmd.args.length > 0) {
          throw new UsageError(
            `unknown command "${cmd.args[0]}"; commands: list, run <suite...>, perf, zoo [model...], fuzz [model...]`,
          );
        }
        if (suites.length === 0) {
          io.stdout.write('no suites registered\n');
          return;
        }
        return runSelected(
          suites.filter((s) => s.defaultRun !== false),
          flags,
        );
      }),
    );

  program
    .command('list')
    .description('list the suites')
    .action(() => {
      if (suites.length === 0) io.stdout.write('no suites registered\n');
      const width = Math.max(0, ...suites.map((s) => s.name.length));
      for (const s of suites) {
        const optIn = s.defaultRun === false ? ' [not in the default run]' : '';
        io.stdout.write(`${s.name.padEnd(width)}  ${s.description}${optIn}\n`);
      }
    });

  cli
    .addCommonOptions(
      addRunOptions(
        program
          .command('run')
          .description('run the named suites (quick mode unless --full or --seeds N)')
          .argument('<suite...>', 'suite names'),
      ),
    )
    .action(
      cli.action(async (names: string[], _flags: RunFlags, cmd: Command) =>
        runSelected(selectSuites(names), cmd.optsWithGlobals<RunFlags>()),
      ),
    );

  cli
    .addCommonOptions(addRunOptions(program.command('perf').description('shorthand for "run perf"')))
    .action(
      cli.action(async (_flags: RunFlags, cmd: Command) =>
        runSelected(selectSuites(['perf']), cmd.optsWithGlobals<RunFlags>()),
      ),
    );

  addZooCommand(cli, deps.tty);
  addFuzzCommand(cli, deps.tty);
  return cli;
}

/** The `moe-bench` binary: runs the command line and exits (the wasm thread pool would keep Node alive). */
export function main(argv?: readonly string[]): Promise<never> {
  return runMain((a) => createProgram(SUITES).run(a), argv);
}

if (require.main === module) void main();
