/** One decoded signal -> its spoken digit (no file system: part of the browser entry). */
import { tf } from '@moe-zoo/core';
import { signalToTokens } from './data/preprocess';
import { DIGIT_WORDS } from './data/digit-words';
import type { AudioTransformer } from './model/audio-transformer';
import type { AudioSignal } from './wav-codec';

/** A classification of one WAV file. */
export interface Classification {
  digit: number;
  word: string;
  /** Softmax probabilities of the 10 classes. */
  probs: number[];
}

/**
 * The model's input for a signal: `[1, tokens, inputDim]` log-mel tokens (resampled, voiced window).
 *
 * @example
 * ```ts
 * const { logits, aux } = model.forward(signalTensor(model, signal));
 * ```
 */
export function signalTensor(model: AudioTransformer, signal: AudioSignal): tf.Tensor3D {
  const x = signalToTokens(signal.samples, signal.sampleRate, model.config.features);
  const { tokens, inputDim } = model.options;
  return tf.tensor3d(x, [1, tokens, inputDim]);
}

/** The class with the highest probability, with its word. */
export function classificationOf(probs: number[]): Classification {
  const digit = probs.indexOf(Math.max(...probs));
  return { digit, word: DIGIT_WORDS[digit] ?? String(digit), probs };
}

/**
 * Classifies a decoded signal in eval mode (the training flag is restored afterwards).
 *
 * @example
 * ```ts
 * const { word } = classifySignal(model, decodeWav(bytes));
 * ```
 */
export function classifySignal(model: AudioTransformer, signal: AudioSignal): Classification {
  const wasTraining = model.training;
  model.eval();
  try {
    const probs = tf.tidy(() =>
      Array.from(tf.softmax(model.forward(signalTensor(model, signal)).logits).dataSync()),
    );
    return classificationOf(probs);
  } finally {
    if (wasTraining) model.train();
  }
}
