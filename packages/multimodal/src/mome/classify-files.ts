/** One-call audio-visual digit classification with a MoME model: a WAV and an image (files or decoded) in, the digit out. */
import { loadWav, type AudioSignal } from '@moe-zoo/audio';
import { digitPixels, type DigitImageInput } from '../digit-image';
import { classifyAvDigitPixels, DEFAULT_AV_RATE, type AvDigitClassification } from './classify';
import type { AvModel } from './model';
import type { RatePair } from './rates';

/** The inputs of {@link classifyAvDigit}: one spoken digit and one image of it. */
export interface AvDigitInput {
  /** A WAV file path or decoded mono samples (any sample rate; resampled to the model's 8 kHz features). */
  wav: string | AudioSignal;
  /** An image file path (PNG, JPEG; resized to 28 × 28 greyscale) or 28 × 28 = 784 pixels in [0, 1], white ink on black. */
  image: DigitImageInput;
}

/**
 * Classifies a spoken digit and an image of the same digit with an {@link AvModel} (e.g. the
 * shipped `mome-av-digits`): reads the files, then runs `classifyAvDigitPixels` (its
 * preprocessing and `rate`, default {@link DEFAULT_AV_RATE}). Throws `WavError` for a bad WAV and
 * an error naming the problem for a bad image or rate.
 *
 * @example
 * ```ts
 * const { model } = await loadPretrained('mome-av-digits');
 * const { digit, probs } = await classifyAvDigit(model, { wav: 'seven.wav', image: 'seven.png' });
 * const full = await classifyAvDigit(model, { wav: 'seven.wav', image: 'seven.png' }, { audio: 1, video: 1 });
 * ```
 */
export async function classifyAvDigit(
  model: AvModel,
  input: AvDigitInput,
  rate: RatePair = DEFAULT_AV_RATE,
): Promise<AvDigitClassification> {
  const signal = typeof input.wav === 'string' ? await loadWav(input.wav) : input.wav;
  const pixels = await digitPixels(input.image, 'classifyAvDigit');
  return classifyAvDigitPixels(model, { signal, pixels }, rate);
}
