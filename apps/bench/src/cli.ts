#!/usr/bin/env node
/**
 * `moe-bench`: lists and runs the bench suites, prints a leaderboard and writes
 * `<out>/<suite>.json` plus `<out>/summary.md` (docs/architecture.md section 6).
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import * as path from 'path';
import { parseBackendFlag, type BackendName } from '@moe-zoo/core';
import {
  checkOutDir,
  defaultOutDir,
  defaultOutDirFor,
  executeRun,
  type CliIO,
  type SignalSource,
} from './bench-run';
import { FULL_SEEDS, QUICK_SEEDS } from './runner';
import { SUITES, findSuite } from './suites';
import type { Suite } from './types';

/** Exit code of usage errors: unknown suite, bad flag value. */
export const EXIT_USAGE = 2;

/** Flags shared by the default command, `run` and `perf`. */
interface RunFlags {
  quick?: boolean;
  full?: boolean;
  seeds?: number;
  backend?: BackendName | 'auto';
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

/** The commander program plus a runner that turns a command line into an exit code. */
export interface BenchCli {
  program: Command;
  /** Parses `argv` (without `node` and the script) and runs it; resolves to the exit code. */
  run(argv: readonly string[]): Promise<number>;
}

function parseSeeds(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError('--seeds must be a positive integer.');
  }
  return n;
}

function parseBackendOption(value: string): BackendName | 'auto' {
  try {
    return parseBackendFlag(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

/**
 * Mode and seed count of a run: quick with {@link QUICK_SEEDS} seed by default; full with
 * `--full` ({@link FULL_SEEDS} seeds) or `--seeds N` (N seeds); `--quick` wins over `--seeds`.
 */
export function resolveMode(flags: Pick<RunFlags, 'quick' | 'full' | 'seeds'>): {
  quick: boolean;
  seeds: number;
} {
  if (flags.quick && flags.full)
    throw new InvalidArgumentError('--quick and --full cannot be used together.');
  const quick = flags.quick ?? (!flags.full && flags.seeds === undefined);
  return { quick, seeds: flags.seeds ?? (quick ? QUICK_SEEDS : FULL_SEEDS) };
}

function addRunOptions(cmd: Command): Command {
  return cmd
    .option(
      '--quick',
      `quick mode: small data, few steps, ${QUICK_SEEDS} seed (the default; quick even with --seeds)`,
    )
    .option('--full', `full mode: ${FULL_SEEDS} seeds (or --seeds N), reports in <repo>/reports/full`)
    .option(
      '--seeds <n>',
      `number of seeds; alone it means full mode (default ${QUICK_SEEDS} quick, ${FULL_SEEDS} full)`,
      parseSeeds,
    )
    .option(
      '--backend <name>',
      'auto, tensorflow, wasm or cpu (default $MOE_BACKEND, else auto)',
      parseBackendOption,
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
export function createProgram(suites: Suite[], deps: CliDeps = {}): BenchCli {
  const io: CliIO = deps.io ?? { stdout: process.stdout, stderr: process.stderr };
  const signals = deps.signals ?? process;
  let exitCode = 0;

  const usageError = (message: string): void => {
    io.stderr.write(`error: ${message}\n`);
    exitCode = EXIT_USAGE;
  };

  const selectSuites = (names: string[]): Suite[] | undefined => {
    const unknown = names.filter((n) => !findSuite(n, suites));
    if (unknown.length > 0) {
      const known = suites.length > 0 ? suites.map((s) => s.name).join(', ') : '(none registered)';
      usageError(
        `unknown suite${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}; known suites: ${known}`,
      );
      return undefined;
    }
    return [...new Set(names)].map((n) => findSuite(n, suites) as Suite);
  };

  const runSelected = async (selected: Suite[], flags: RunFlags): Promise<void> => {
    let backend: BackendName | 'auto';
    let mode: { quick: boolean; seeds: number };
    try {
      mode = resolveMode(flags);
      backend = flags.backend ?? parseBackendFlag(process.env.MOE_BACKEND ?? 'auto');
    } catch (e) {
      usageError((e as Error).message);
      return;
    }
    const reportsDir = deps.reportsDir ?? defaultOutDir();
    const outDir =
      flags.out !== undefined ? path.resolve(flags.out) : defaultOutDirFor(mode.quick, reportsDir);
    const problem = await checkOutDir({
      suites: selected,
      quick: mode.quick,
      outDir,
      fullDir: defaultOutDirFor(false, reportsDir),
      force: flags.force ?? false,
    });
    if (problem) {
      usageError(problem);
      return;
    }
    exitCode = await executeRun(
      { suites: selected, ...mode, backend, outDir, resume: flags.resume ?? false },
      { io, signals, tty: deps.tty },
    );
  };

  const program = new Command('moe-bench')
    .description(
      "Trains and evaluates the moe-zoo models and checks the papers' claims.\n" +
        `Every command runs in quick mode (${QUICK_SEEDS} seed) into <repo>/reports unless given --full ` +
        `(${FULL_SEEDS} seeds) or --seeds N (N seeds), which run in full mode into <repo>/reports/full.\n` +
        'Without a command: runs every suite.',
    )
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  addRunOptions(program)
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
        '  moe-bench run core --resume    skip suites already in --out',
        '',
        'A quick run refuses to write into reports/full/ or over a full-mode <suite>.json (and a',
        'full run over a quick one) unless given --force.',
      ].join('\n'),
    )
    .action(async (flags: RunFlags, cmd: Command) => {
      if (cmd.args.length > 0) {
        usageError(`unknown command "${cmd.args[0]}"; commands: list, run <suite...>, perf`);
        return;
      }
      if (suites.length === 0) {
        io.stdout.write('no suites registered\n');
        return;
      }
      await runSelected(suites, flags);
    });

  program
    .command('list')
    .description('list the suites')
    .action(() => {
      if (suites.length === 0) io.stdout.write('no suites registered\n');
      const width = Math.max(0, ...suites.map((s) => s.name.length));
      for (const s of suites) io.stdout.write(`${s.name.padEnd(width)}  ${s.description}\n`);
    });

  addRunOptions(
    program
      .command('run')
      .description('run the named suites (quick mode unless --full or --seeds N)')
      .argument('<suite...>', 'suite names'),
  ).action(async (names: string[], _flags: RunFlags, cmd: Command) => {
    const flags = cmd.optsWithGlobals<RunFlags>();
    const selected = selectSuites(names);
    if (selected) await runSelected(selected, flags);
  });

  addRunOptions(program.command('perf').description('shorthand for "run perf"')).action(
    async (_flags: RunFlags, cmd: Command) => {
      const flags = cmd.optsWithGlobals<RunFlags>();
      const selected = selectSuites(['perf']);
      if (selected) await runSelected(selected, flags);
    },
  );

  return {
    program,
    async run(argv) {
      exitCode = 0;
      try {
        await program.parseAsync([...argv], { from: 'user' });
      } catch (e) {
        if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT_USAGE;
        io.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
        return 1;
      }
      return exitCode;
    },
  };
}

/** The `moe-bench` binary: runs the command line and exits (the wasm thread pool would keep Node alive). */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<never> {
  const code = await createProgram(SUITES).run(argv);
  process.exit(code);
}

if (require.main === module) void main();
