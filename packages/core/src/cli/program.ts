import { Command, CommanderError, Help, InvalidArgumentError } from 'commander';
import {
  BACKEND_ORDER,
  initBackend,
  parseBackendFlag,
  type BackendInfo,
  type BackendName,
} from '../backend/init';
import type { ProgressStream } from '../train/progress';
import { EXIT_ERROR, EXIT_OK, EXIT_USAGE, UsageError, formatCliError } from './errors';

/** The streams a command line writes to: results on stdout; progress, logs and errors on stderr. */
export interface CliIO {
  stdout: ProgressStream;
  stderr: ProgressStream;
}

/** What {@link createCli} builds. */
export interface CliSpec {
  /** The command's name, the prefix of its error lines (`moe-restore`). */
  name: string;
  /** `--version` prints this; read it with {@link packageVersion}. */
  version: string;
  description: string;
  /** Add `--backend` and `--threads` (commands that compute with tfjs); default true. */
  backend?: boolean;
  /** Default: the process's stdout and stderr. */
  io?: CliIO;
}

/** The flags every command line has (`backend` and `threads` only where {@link CliSpec.backend}). */
export interface CommonFlags {
  backend?: BackendName | 'auto';
  threads?: number;
  verbose?: boolean;
}

/** A command line: a commander program and the runner that turns argv into an exit code. */
export interface Cli {
  readonly program: Command;
  readonly io: CliIO;
  /** Adds the common flags to a sub-command (the program has them already). */
  addCommonOptions(cmd: Command): Command;
  /**
   * Wraps an action so that the number it resolves to (default 0) becomes the exit code; a
   * {@link UsageError} it throws exits 2, any other error exits 1 with one line on stderr.
   */
  action<A extends unknown[]>(
    fn: (...args: A) => Promise<number | void> | number | void,
  ): (...args: A) => Promise<void>;
  /** Parses `argv` (without `node` and the script) and runs it; resolves to the exit code. */
  run(argv: readonly string[]): Promise<number>;
}

function parseBackendOption(value: string): BackendName | 'auto' {
  try {
    return parseBackendFlag(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

/**
 * A parser of an integer flag value of at least `min`, for `option(flags, description, parser)`:
 * anything else is a usage error naming the flag.
 *
 * @example
 * ```ts
 * cli.program.option('--seeds <n>', 'number of seeds', integerFlag('--seeds', 1));
 * ```
 */
export function integerFlag(flag: string, min = 1): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`${flag} must be an integer >= ${min}.`);
    }
    return n;
  };
}

/** Flags every command has, listed after a command's own in `--help`. */
const COMMON_FLAGS = new Set(['--backend', '--threads', '--verbose', '--version', '--help']);

/**
 * Builds a command line with the conventions of every moe-zoo command: `--version`, `--help` on
 * stdout (exit 0), `--backend <name>` and `--threads <n>`, `--verbose`; unknown options and
 * excess arguments are usage errors (exit 2); a failure is one line `<name>: <message>` on stderr
 * (exit 1) with the stack only under `--verbose`. Add arguments and options to `program`, and
 * give it an action through {@link Cli.action}.
 *
 * @example
 * ```ts
 * const cli = createCli({ name: 'moe-thing', version: packageVersion(__dirname), description: 'Does a thing.' });
 * cli.program.argument('<input>').action(
 *   cli.action(async (input: string, flags: CommonFlags) => {
 *     await startBackend(flags);
 *     cli.io.stdout.write(`${await doThing(input)}\n`);
 *   }),
 * );
 * process.exitCode = await cli.run(process.argv.slice(2));
 * ```
 */
export function createCli(spec: CliSpec): Cli {
  const io: CliIO = spec.io ?? { stdout: process.stdout, stderr: process.stderr };
  const withBackend = spec.backend ?? true;
  let exitCode = EXIT_OK;
  let verbose = false;

  const addCommonOptions = (cmd: Command): Command => {
    if (withBackend) {
      cmd
        .option(
          '--backend <name>',
          `auto, ${BACKEND_ORDER.join(', ')} (default $MOE_BACKEND, else auto)`,
          parseBackendOption,
        )
        .option(
          '--threads <n>',
          'wasm threads (default $MOE_THREADS, else min(2, cores))',
          integerFlag('--threads'),
        );
    }
    return cmd.option('--verbose', 'print the stack trace of an error');
  };

  const program = new Command(spec.name)
    .description(spec.description)
    .version(spec.version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'print this help')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(`${spec.name}: ${s.replace(/^error: /, '')}`),
    })
    .configureHelp({
      visibleOptions: (cmd) => {
        const all = new Help().visibleOptions(cmd);
        const common = (o: (typeof all)[number]): boolean => COMMON_FLAGS.has(o.long ?? '');
        return [...all.filter((o) => !common(o)), ...all.filter(common)];
      },
    })
    .showHelpAfterError(`(${spec.name} --help shows the usage)`)
    .addHelpText('after', '\nExit codes: 0 success, 1 error, 2 usage error.')
    .hook('preAction', (_program, actionCommand) => {
      verbose = actionCommand.optsWithGlobals<CommonFlags>().verbose === true;
    });
  addCommonOptions(program);

  return {
    program,
    io,
    addCommonOptions,
    action(fn) {
      return async (...args) => {
        const code = await fn(...args);
        if (typeof code === 'number') exitCode = code;
      };
    },
    async run(argv) {
      exitCode = EXIT_OK;
      verbose = false;
      try {
        await program.parseAsync([...argv], { from: 'user' });
        return exitCode;
      } catch (e) {
        if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
        if (e instanceof UsageError) {
          io.stderr.write(`${spec.name}: ${e.message}\n`);
          return EXIT_USAGE;
        }
        io.stderr.write(formatCliError(spec.name, e, verbose));
        return EXIT_ERROR;
      }
    },
  };
}

/**
 * Starts the backend a command line asked for (`--backend`, `--threads`; else `MOE_BACKEND`,
 * `MOE_THREADS`, auto).
 *
 * @example
 * ```ts
 * const info = await startBackend(flags); // { name: 'wasm', threads: 2, ... }
 * ```
 */
export function startBackend(flags: CommonFlags): Promise<BackendInfo> {
  return initBackend({ backend: flags.backend, threads: flags.threads });
}

/**
 * Runs a command line on the process's arguments and exits with its code. It exits explicitly
 * because a started wasm thread pool can keep Node alive.
 *
 * @example
 * ```ts
 * if (require.main === module) void runMain((argv) => createMyCli().run(argv));
 * ```
 */
export async function runMain(
  run: (argv: readonly string[]) => Promise<number>,
  argv: readonly string[] = process.argv.slice(2),
): Promise<never> {
  process.exit(await run(argv));
}
