import { tf } from '@moe-zoo/core';
import { signalToTokens } from './data/preprocess';
import { DIGIT_WORDS } from './data/spoken-digits';
import type { AudioTransformer } from './model/audio-transformer';
import { DEFAULT_AUDIO_MODEL, loadPretrained } from './pretrained';
import { loadWav, type AudioSignal } from './wav';

/** A classification of one WAV file. */
export interface Classification {
  digit: number;
  word: string;
  /** Softmax probabilities of the 10 classes. */
  probs: number[];
}

function classifySignal(model: AudioTransformer, signal: AudioSignal): Classification {
  const wasTraining = model.training;
  model.eval();
  try {
    const x = signalToTokens(signal.samples, signal.sampleRate, model.config.features);
    const { tokens, inputDim } = model.options;
    const probs = tf.tidy(() =>
      Array.from(tf.softmax(model.forward(tf.tensor3d(x, [1, tokens, inputDim])).logits).dataSync()),
    );
    const digit = probs.indexOf(Math.max(...probs));
    return { digit, word: DIGIT_WORDS[digit] ?? String(digit), probs };
  } finally {
    if (wasTraining) model.train();
  }
}

/**
 * Classifies the spoken digit of a WAV file (or decoded samples) with a model: by default the
 * shipped `spoken-digits-moe`; a shipped name or a folder saved by `saveAudioModel` is loaded and
 * disposed after, a loaded model is used as it is. Throws `WavError` for empty, malformed or
 * unsupported WAVs and `CheckpointError` for a bad checkpoint or an unknown name.
 *
 * @example
 * ```ts
 * const { word, probs } = await classifyWav('seven.wav');             // the shipped model
 * const mine = await classifyWav('seven.wav', 'runs/digits');          // a saved checkpoint
 * ```
 */
export async function classifyWav(
  wav: string | AudioSignal,
  model: AudioTransformer | string = DEFAULT_AUDIO_MODEL,
): Promise<Classification> {
  const signal = typeof wav === 'string' ? await loadWav(wav) : wav;
  if (typeof model !== 'string') return classifySignal(model, signal);
  const loaded = await loadPretrained(model);
  try {
    return classifySignal(loaded.model, signal);
  } finally {
    loaded.model.dispose();
  }
}
