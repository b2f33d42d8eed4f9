/** Audio-visual digit classification with a MoME model on a decoded signal and pixels (no Node built-in). */
import { DEFAULT_FEATURES, featureShape, signalToTokens, type AudioSignal } from '@moe-zoo/audio';
import { tf } from '@moe-zoo/core';
import { checkDigitPixels, DIGIT_SIDE, patchify, type DigitPixels } from '../digit-pixels';
import type { AvModel } from './model';
import type { RatePair } from './rates';

/** The inputs of {@link classifyAvDigitPixels}: one spoken digit and one image of it, decoded. */
export interface AvDigitSignals {
  /** Decoded mono samples (any sample rate; resampled to the model's 8 kHz features). */
  signal: AudioSignal;
  /** 28 × 28 = 784 pixels in [0, 1], white ink on black. */
  pixels: DigitPixels;
}

/** What `classifyAvDigit` and {@link classifyAvDigitPixels} return. */
export interface AvDigitClassification {
  /** The most probable digit 0..9. */
  digit: number;
  /** Softmax probability of every digit. */
  probs: number[];
  /** The rate pair the model ran at. */
  rate: RatePair;
}

/**
 * The default rate of `classifyAvDigit` and {@link classifyAvDigitPixels}: the highest compression the shipped
 * `mome-av-digits` adapters were trained at (audio tokens pooled by 8, video by 2: 3 + 8 tokens
 * instead of 24 + 16).
 */
export const DEFAULT_AV_RATE: RatePair = { audio: 8, video: 2 };

/**
 * Classifies a decoded spoken digit and the pixels of an image of the same digit with an
 * {@link AvModel} (e.g. the shipped `mome-av-digits`), with the preprocessing of `makeAvDigits`:
 * the clip resampled, cut to its voiced window and turned into normalised log-mel tokens
 * (`@moe-zoo/audio`'s default features), the image cut into row-major p × p patches. `rate` is the
 * token compression (default {@link DEFAULT_AV_RATE}, a8v2; `{ audio: 1, video: 1 }` runs the
 * uncompressed pair). Throws an error naming the problem for bad pixels or a bad rate. The Node
 * entry's `classifyAvDigit` also takes a WAV and an image file.
 *
 * @example
 * ```ts
 * const { digit, probs } = await classifyAvDigitPixels(model, { signal: decodeWav(bytes), pixels });
 * ```
 */
export async function classifyAvDigitPixels(
  model: AvModel,
  input: AvDigitSignals,
  rate: RatePair = DEFAULT_AV_RATE,
): Promise<AvDigitClassification> {
  const c = model.backbone.config;
  const { tokens, dims } = featureShape(DEFAULT_FEATURES);
  if (tokens !== c.audioTokens || dims !== c.audioDims)
    throw new Error(
      `classifyAvDigit: the model takes ${c.audioTokens} x ${c.audioDims} audio tokens, the default features are ${tokens} x ${dims}`,
    );
  const patch = Math.round(Math.sqrt(c.videoDims));
  if (
    patch * patch !== c.videoDims ||
    DIGIT_SIDE % patch !== 0 ||
    (DIGIT_SIDE / patch) ** 2 !== c.videoTokens
  )
    throw new Error(
      `classifyAvDigit: the model's ${c.videoTokens} video tokens of ${c.videoDims} are not patches of a ${DIGIT_SIDE}x${DIGIT_SIDE} image`,
    );
  const [la, lv] = model.backbone.tokensAt(rate);
  if (!(Number.isInteger(la) && la > 0 && Number.isInteger(lv) && lv > 0))
    throw new Error(
      `classifyAvDigit: rate a${rate.audio}v${rate.video} must divide the ${c.audioTokens} audio and ${c.videoTokens} video tokens`,
    );
  const pixels = checkDigitPixels(input.pixels, 'classifyAvDigit');
  const audio = signalToTokens(input.signal.samples, input.signal.sampleRate, DEFAULT_FEATURES);
  const video = new Float32Array(DIGIT_SIDE * DIGIT_SIDE);
  patchify(pixels, patch, video, 0);
  const wasTraining = model.training;
  model.eval();
  try {
    const probsTensor = tf.tidy(() => {
      const { logits } = model.forward(
        tf.tensor3d(audio, [1, c.audioTokens, c.audioDims]),
        tf.tensor3d(video, [1, c.videoTokens, c.videoDims]),
        rate,
      );
      return tf.softmax(logits);
    });
    const probs = Array.from(await probsTensor.data());
    probsTensor.dispose();
    return { digit: probs.indexOf(Math.max(...probs)), probs, rate: { ...rate } };
  } finally {
    if (wasTraining) model.train();
  }
}
