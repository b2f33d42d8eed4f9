import {
  DEFAULT_FEATURES,
  DEFAULT_SNRS,
  FeatureConfigSchema,
  loadSpokenDigits,
  snrLabel,
  type AudioSet,
} from '@moe-zoo/audio';
import { makeRng, parseConfig, sizeField } from '@moe-zoo/core';
import { z } from 'zod';
import { patchify } from '../digit-pixels';
import { loadDigitImages, MNIST_SPLITS, type DigitImages } from '../mnist';

/** Audio-visual digits: each sample is a spoken digit and an image of the same digit, both noisy. */
export interface AvSet {
  n: number;
  audioTokens: number;
  audioDims: number;
  /** Log-mel tokens [n × audioTokens × audioDims] (see `@moe-zoo/audio` featurize). */
  audio: Float32Array;
  videoTokens: number;
  videoDims: number;
  /** Image patches [n × videoTokens × videoDims], row-major p × p patches of a 28 × 28 digit. */
  video: Float32Array;
  /** Digit 0..9 (the same for both modalities). */
  y: Int32Array;
  /** Audio SNR in dB (Infinity = clean). */
  snr: Float64Array;
  /** Standard deviation of the Gaussian pixel noise added to the image (0 = clean). */
  imageNoise: Float64Array;
}

/** Options of {@link makeAvDigits} (strict: a misspelt option is a `ConfigError` naming it). */
export const AvDigitsOptionsSchema = z.strictObject({
  /** Seeds the voice split, the audio noise, the image choice and the image noise (default 0). */
  seed: z.number().int().min(0).optional(),
  /** Audio SNRs in dB; every utterance appears once per SNR (default `@moe-zoo/audio`'s clean, 20, 10, 0 dB). */
  snrs: z
    .array(
      z.custom<number>((v) => typeof v === 'number' && !Number.isNaN(v), {
        message: 'expected an SNR in dB',
      }),
    )
    .min(1)
    .max(64)
    .optional(),
  /** Pixel-noise standard deviations, cycled over the samples so every (SNR, level) pair occurs (default 0, 0.4, 0.8). */
  imageNoise: z.array(z.number().min(0).max(10)).min(1).max(64).optional(),
  /** At most this many utterances per split, evenly over digits (before SNR expansion). */
  maxTrain: sizeField(1_000_000).optional(),
  maxTest: sizeField(1_000_000).optional(),
  /** MNIST images per digit to draw from (default 200 train, 63 test; disjoint index ranges). */
  trainImagesPerClass: sizeField(100_000).optional(),
  testImagesPerClass: sizeField(100_000).optional(),
  /** Image patch size (default 7 → 16 tokens of 49); divides 28. */
  patch: sizeField(28)
    .refine((p) => 28 % p === 0, 'must divide 28')
    .optional(),
  features: FeatureConfigSchema.optional(),
  /** Cache the log-mel features next to the WAVs (default true). */
  cache: z.boolean().optional(),
});
/** Options of {@link makeAvDigits}. */
export type AvDigitsOptions = z.input<typeof AvDigitsOptionsSchema>;

/** Train and test sets; test speakers and test images are disjoint from the training ones. */
export interface AvDigits {
  train: AvSet;
  test: AvSet;
  snrs: number[];
  imageNoise: number[];
  trainVoices: string[];
  testVoices: string[];
}

function pair(
  audio: AudioSet,
  images: DigitImages,
  levels: number[],
  snrCount: number,
  patch: number,
  seed: number,
): AvSet {
  const byDigit = Array.from({ length: 10 }, (_, d) =>
    Array.from(images.y.keys()).filter((i) => images.y[i] === d),
  );
  const r = makeRng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const g = 28 / patch;
  const videoTokens = g * g;
  const videoDims = patch * patch;
  const video = new Float32Array(audio.n * 784);
  const imageNoise = new Float64Array(audio.n);
  const img = new Float32Array(784);
  for (let i = 0; i < audio.n; i++) {
    const pool = byDigit[audio.y[i]];
    if (pool.length === 0) throw new Error(`makeAvDigits: no image of digit ${audio.y[i]}`);
    const src = pool[Math.floor(r() * pool.length)];
    // Utterance u at SNR s gets level (u + s) mod L: every (SNR, level) pair occurs.
    const level = levels[(Math.floor(i / snrCount) + (i % snrCount)) % levels.length];
    imageNoise[i] = level;
    for (let j = 0; j < 784; j++) img[j] = images.x[src * 784 + j] + (level > 0 ? level * gauss() : 0);
    patchify(img, patch, video, i * 784);
  }
  return {
    n: audio.n,
    audioTokens: audio.tokens,
    audioDims: audio.dims,
    audio: audio.x,
    videoTokens,
    videoDims,
    video,
    y: audio.y,
    snr: audio.snr,
    imageNoise,
  };
}

/**
 * Builds the audio-visual digit task from a spoken-digit WAV folder (written by
 * `@moe-zoo/spoken-digits-tool`, read with `@moe-zoo/audio`'s `loadSpokenDigits`: speaker-disjoint
 * split, background noise at each SNR, log-mel tokens) and MNIST digits of the same class
 * (disjoint image ranges for train and test), with Gaussian pixel noise. Deterministic per seed.
 *
 * @example
 * ```ts
 * const av = makeAvDigits('.cache/spoken-digits/v1-0', { seed: 0 });
 * av.train.audio; // [n × 24 × 64] log-mel tokens
 * av.train.video; // [n × 16 × 49] 7×7 patches
 * ```
 */
export function makeAvDigits(dir: string, options: AvDigitsOptions = {}): AvDigits {
  const o = parseConfig(AvDigitsOptionsSchema, options, 'makeAvDigits options');
  const seed = o.seed ?? 0;
  const snrs = o.snrs ?? DEFAULT_SNRS;
  const levels = o.imageNoise ?? [0, 0.4, 0.8];
  const patch = o.patch ?? 7;
  const spoken = loadSpokenDigits(dir, {
    seed,
    snrs,
    maxTrain: o.maxTrain,
    maxTest: o.maxTest,
    features: o.features ?? DEFAULT_FEATURES,
    cache: o.cache,
  });
  const trainImages = loadDigitImages(
    MNIST_SPLITS.train.from,
    Math.min(o.trainImagesPerClass ?? 200, MNIST_SPLITS.train.max),
  );
  const testImages = loadDigitImages(
    MNIST_SPLITS.test.from,
    Math.min(o.testImagesPerClass ?? 63, MNIST_SPLITS.test.max),
  );
  return {
    train: pair(spoken.train, trainImages, levels, snrs.length, patch, seed * 7919 + 11),
    test: pair(spoken.test, testImages, levels, snrs.length, patch, seed * 7919 + 12),
    snrs,
    imageNoise: levels,
    trainVoices: spoken.trainVoices,
    testVoices: spoken.testVoices,
  };
}

/** Label of a (SNR, image-noise) condition, e.g. `10dB/σ0.5`. */
export function avConditionLabel(snr: number, imageNoise: number): string {
  return `${snrLabel(snr)}/σ${imageNoise}`;
}
