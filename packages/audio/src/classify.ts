import { initBackend, tf } from '@moe-zoo/core';
import { signalToTokens } from './data/preprocess';
import { DIGIT_WORDS } from './data/spoken-digits';
import { loadAudioModel } from './model/audio-transformer';
import { loadWav } from './wav';

/** A classification of one WAV file. */
export interface Classification {
  digit: number;
  word: string;
  /** Softmax probabilities of the 10 classes. */
  probs: number[];
}

/**
 * Classifies a WAV file with a checkpoint saved by `saveAudioModel`. Throws `WavError` for
 * empty, malformed or unsupported WAVs and `CheckpointError` for a bad checkpoint.
 */
export async function classifyWav(wavFile: string, checkpointDir: string): Promise<Classification> {
  const signal = await loadWav(wavFile);
  const { model, config } = await loadAudioModel(checkpointDir);
  try {
    model.eval();
    const x = signalToTokens(signal.samples, signal.sampleRate, config.features);
    const { tokens, inputDim } = model.options;
    const probs = tf.tidy(() =>
      Array.from(tf.softmax(model.forward(tf.tensor3d(x, [1, tokens, inputDim])).logits).dataSync()),
    );
    const digit = probs.indexOf(Math.max(...probs));
    return { digit, word: DIGIT_WORDS[digit] ?? String(digit), probs };
  } finally {
    model.dispose();
  }
}

/** CLI entry: `moe-audio-classify <file.wav> <checkpoint-dir>`; returns the exit code. */
export async function classifyMain(argv: string[], out: (s: string) => void = console.log): Promise<number> {
  if (argv.length !== 2 || argv.includes('--help')) {
    out('usage: moe-audio-classify <file.wav> <checkpoint-dir>');
    return argv.includes('--help') ? 0 : 2;
  }
  await initBackend();
  try {
    const r = await classifyWav(argv[0], argv[1]);
    out(`${r.word} (${r.digit}) p=${r.probs[r.digit].toFixed(3)}`);
    return 0;
  } catch (e) {
    out(`error: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}
