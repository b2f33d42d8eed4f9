/** `spoken-digits [--seed N] [--dir DIR]`: (re)generates the spoken-digit WAV cache. */
import { createCli, integerFlag, packageVersion, runMain, type Cli, type CliIO } from '@moe-zoo/core';
import { defaultCacheDir, generateSpokenDigits } from './generate';

/**
 * The `spoken-digits` command line on the given streams (default the process's).
 *
 * @example
 * ```ts
 * await createSpokenDigitsCli().run(['--seed', '1']); // writes <repo>/.cache/spoken-digits/v1-1/
 * ```
 */
export function createSpokenDigitsCli(io?: CliIO): Cli {
  const cli = createCli({
    name: 'spoken-digits',
    version: packageVersion(__dirname),
    description: 'Synthesizes the spoken-digit WAVs (mespeak) and their manifest.json.',
    backend: false,
    io,
  });
  cli.program
    .option('--seed <n>', 'seed of the pitch and speed jitter', integerFlag('--seed', 0), 0)
    .option('--dir <dir>', 'output folder (default <repo>/.cache/spoken-digits/v1-<seed>)')
    .action(
      cli.action((flags: { seed: number; dir?: string }) => {
        const start = Date.now();
        const dir = generateSpokenDigits({
          seed: flags.seed,
          dir: flags.dir ?? defaultCacheDir({ seed: flags.seed }),
        });
        cli.io.stdout.write(
          `spoken digits written to ${dir} in ${((Date.now() - start) / 1000).toFixed(1)} s\n`,
        );
      }),
    );
  return cli;
}

/** The binary: runs the process's arguments and exits with the code. */
export function main(argv?: readonly string[]): Promise<never> {
  return runMain((a) => createSpokenDigitsCli().run(a), argv);
}

if (require.main === module) void main();
