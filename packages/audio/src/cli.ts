/** `moe-audio-classify <file.wav> [--model <name|dir>]`: the spoken digit in a WAV file. */
import {
  createCli,
  packageVersion,
  runMain,
  startBackend,
  type Cli,
  type CliIO,
  type CommonFlags,
} from '@moe-zoo/core';
import { classifyWav } from './classify';
import { DEFAULT_AUDIO_MODEL } from './pretrained';

/**
 * The `moe-audio-classify` command line on the given streams (default the process's).
 *
 * @example
 * ```ts
 * const code = await createClassifyCli().run(['seven.wav']); // prints "seven (7) p=0.912"
 * ```
 */
export function createClassifyCli(io?: CliIO): Cli {
  const cli = createCli({
    name: 'moe-audio-classify',
    version: packageVersion(__dirname),
    description:
      'Classifies the spoken digit in a WAV file with the shipped spoken-digits-moe model, another shipped ' +
      'model (--model <name>) or a checkpoint saved by saveAudioModel (--model <dir>).',
    io,
  });
  cli.program
    .argument('<file.wav>', 'the recording (PCM or float WAV, any rate, mono or stereo)')
    .option(
      '--model <name|dir>',
      'a shipped model name or a folder written by saveAudioModel',
      DEFAULT_AUDIO_MODEL,
    )
    .action(
      cli.action(async (wav: string, flags: CommonFlags & { model: string }) => {
        await startBackend(flags);
        const r = await classifyWav(wav, flags.model);
        cli.io.stdout.write(`${r.word} (${r.digit}) p=${r.probs[r.digit].toFixed(3)}\n`);
      }),
    );
  return cli;
}

/** The binary: runs the process's arguments and exits with the code. */
export function main(argv?: readonly string[]): Promise<never> {
  return runMain((a) => createClassifyCli().run(a), argv);
}

if (require.main === module) void main();
