/** `moe-restore <input> <output> [--model <name|dir>] [--max-pixels N] [--max-tiles N]`: restores one photo. */
import {
  createCli,
  createReporter,
  integerFlag,
  packageVersion,
  runMain,
  startBackend,
  type Cli,
  type CliIO,
  type CommonFlags,
  type ProgressHandle,
} from '@moe-zoo/core';
import { readImageFile, writeImageFile } from './image-io';
import { DEFAULT_RESTORATION_MODEL, loadPretrained } from './pretrained';
import { DEFAULT_MAX_TILES, restoreImageAsync } from './restore';

interface RestoreFlags extends CommonFlags {
  model: string;
  maxPixels?: number;
  maxTiles?: number;
}

/**
 * The `moe-restore` command line on the given streams (default the process's). On a terminal
 * (stderr a TTY) it shows a progress bar over the tiles.
 *
 * @example
 * ```ts
 * const code = await createRestoreCli().run(['rainy.jpg', 'clean.png']); // the shipped mofme-deweather
 * ```
 */
export function createRestoreCli(io?: CliIO): Cli {
  const cli = createCli({
    name: 'moe-restore',
    version: packageVersion(__dirname),
    description:
      'Removes rain, snow and haze from a photo (JPEG, PNG or WebP in; the format of <output> by its ' +
      'extension) with a restoration model: a shipped one by name or a folder saved by saveRestorationModel.',
    io,
  });
  cli.program
    .argument('<input>', 'the photo to restore (.jpg, .png, .webp)')
    .argument('<output>', 'where to write the restored photo (.png, .jpg, .webp)')
    .option('--model <name|dir>', 'a shipped model or a checkpoint folder', DEFAULT_RESTORATION_MODEL)
    .option(
      '--max-pixels <n>',
      'largest image accepted, in pixels (default 40 megapixels)',
      integerFlag('--max-pixels'),
    )
    .option(
      '--max-tiles <n>',
      `most tiles to restore; larger images are refused before any work (default ${DEFAULT_MAX_TILES})`,
      integerFlag('--max-tiles'),
    )
    .action(
      cli.action(async (input: string, output: string, flags: RestoreFlags) => {
        const img = await readImageFile(input, { maxPixels: flags.maxPixels });
        await startBackend(flags);
        const { model } = await loadPretrained(flags.model);
        const start = Date.now();
        const reporter = cli.io.stderr.isTTY ? createReporter({ stream: cli.io.stderr }) : undefined;
        let bar: ProgressHandle | undefined;
        let shown = 0;
        try {
          const restored = await restoreImageAsync(model, img, {
            maxPixels: flags.maxPixels,
            maxTiles: flags.maxTiles,
            onProgress: ({ done, total }) => {
              bar ??= reporter?.progress('restore tiles', total);
              bar?.tick(done - shown);
              shown = done;
            },
          });
          bar?.done();
          await writeImageFile(output, restored);
        } finally {
          reporter?.close();
          model.dispose();
        }
        const seconds = ((Date.now() - start) / 1000).toFixed(1);
        cli.io.stdout.write(`${input} (${img.width}x${img.height}) -> ${output} in ${seconds} s\n`);
      }),
    );
  return cli;
}

/** The binary: runs the process's arguments and exits with the code. */
export function main(argv?: readonly string[]): Promise<never> {
  return runMain((a) => createRestoreCli().run(a), argv);
}

if (require.main === module) void main();
