/** `moe-train-deweather`: the command line of `trainDeweather` (src/deweather.ts). */
import {
  ConfigError,
  createCli,
  packageVersion,
  parseConfig,
  runMain,
  UsageError,
  type Cli,
  type CliIO,
  type CommonFlags,
} from '@moe-zoo/core';
import { trainDeweather, TrainDeweatherOptionsSchema, type TrainDeweatherOptions } from './deweather';

/** Help of each flag: the schema's defaults. */
function flagHelp(key: string): string {
  const parsed =
    TrainDeweatherOptionsSchema.shape[key as keyof typeof TrainDeweatherOptionsSchema.shape].safeParse(
      undefined,
    );
  return parsed.success ? `default ${String(parsed.data)}` : '';
}

/**
 * The `moe-train-deweather` command line on the given streams (default the process's): flags are
 * the option names of {@link TrainDeweatherOptionsSchema}; a stopped run resumes from DIR/checkpoint.
 *
 * @example
 * ```ts
 * await createTrainDeweatherCli().run(['--out', 'runs/deweather', '--epochs', '2']);
 * ```
 */
export function createTrainDeweatherCli(io?: CliIO): Cli {
  const cli = createCli({
    name: 'moe-train-deweather',
    version: packageVersion(__dirname),
    description:
      'Trains the MoFME deweathering model (rain, snow, haze), scores it on held-out patches and whole ' +
      'photos, and saves it with its training record into --out. A stopped run resumes from --out/checkpoint.',
    io,
  });
  cli.program.requiredOption('--out <dir>', 'where the model, its record and photo-crops.png go');
  for (const key of Object.keys(TrainDeweatherOptionsSchema.shape).filter((k) => k !== 'out')) {
    cli.program.option(`--${key} <value>`, flagHelp(key));
  }
  cli.program.action(
    cli.action(async (flags: CommonFlags & Record<string, unknown>) => {
      const { backend, threads, verbose: _verbose, ...values } = flags;
      let options: TrainDeweatherOptions;
      try {
        options = parseConfig(TrainDeweatherOptionsSchema, values, 'moe-train-deweather options');
      } catch (e) {
        throw e instanceof ConfigError ? new UsageError(e.message) : e;
      }
      await trainDeweather(options, { backend, threads }, (line) => cli.io.stdout.write(`${line}\n`));
    }),
  );
  return cli;
}

/** The binary: runs the process's arguments and exits with the code. */
export function main(argv?: readonly string[]): Promise<never> {
  return runMain((a) => createTrainDeweatherCli().run(a), argv);
}

if (require.main === module) void main();
