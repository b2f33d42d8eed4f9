import { LIMITS, sizeField } from '@moe-zoo/core';
import { z } from 'zod';
import { logMel } from '../features/spectral';

/** How a waveform becomes a [tokens, dims] feature matrix; stored with checkpoints. */
export interface FeatureConfig {
  sampleRate: number;
  /** Seconds of audio kept around the voiced part (zero-padded or cropped). */
  windowSeconds: number;
  frameLength: number;
  hop: number;
  fftSize: number;
  nMels: number;
  /** Consecutive frames stacked into one token. */
  stack: number;
}

/** The highest sample rate a feature config may ask for, in Hz. */
export const MAX_SAMPLE_RATE = 192_000;
/** The longest feature window, in seconds. */
export const MAX_WINDOW_SECONDS = 60;

/**
 * A {@link FeatureConfig} as a strict, bounded schema (the log-mel front end of a model, stored
 * with checkpoints; it fixes the token count and width): every field bounded, the window holding
 * at least one token.
 */
export const FeatureConfigSchema = z
  .strictObject({
    sampleRate: z.number().min(1000).max(MAX_SAMPLE_RATE),
    windowSeconds: z.number().positive().max(MAX_WINDOW_SECONDS),
    frameLength: sizeField(65_536, 2),
    hop: sizeField(65_536),
    fftSize: sizeField(65_536, 2),
    nMels: sizeField(512),
    stack: sizeField(64),
  })
  .superRefine((c, ctx) => {
    if (ctx.issues.length > 0) return;
    if (c.fftSize < c.frameLength) {
      ctx.addIssue({
        code: 'custom',
        path: ['fftSize'],
        message: `${c.fftSize} is below frameLength (${c.frameLength})`,
      });
    }
    const { tokens } = featureShape(c);
    if (!(tokens >= 1)) {
      ctx.addIssue({
        code: 'custom',
        path: ['windowSeconds'],
        message: `${c.windowSeconds} s at ${c.sampleRate} Hz holds fewer than ${c.stack} frames of ${c.frameLength}: no token`,
      });
    } else if (tokens > LIMITS.tokens) {
      ctx.addIssue({
        code: 'custom',
        path: ['windowSeconds'],
        message: `${tokens} tokens, more than ${LIMITS.tokens}`,
      });
    }
  }) satisfies z.ZodType<FeatureConfig>;

/** The default features: 0.8 s at 16 kHz, 32 ms frames every 16 ms, 32 mels, 2 frames per token (24 × 64). */
export const DEFAULT_FEATURES: FeatureConfig = {
  sampleRate: 16000,
  windowSeconds: 0.8,
  frameLength: 512,
  hop: 256,
  fftSize: 512,
  nMels: 32,
  stack: 2,
};

/** Tokens and values per token of a feature config. */
export function featureShape(c: FeatureConfig): { tokens: number; dims: number } {
  const n = Math.round(c.windowSeconds * c.sampleRate);
  const frames = 1 + Math.floor((n - c.frameLength) / c.hop);
  return { tokens: Math.floor(frames / c.stack), dims: c.nMels * c.stack };
}

/** Linear-interpolation resampling (enough for feature extraction at a different input rate). */
export function resample(x: Float32Array, from: number, to: number): Float32Array {
  if (from === to) return x;
  const n = Math.max(1, Math.round((x.length * to) / from));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = (i * from) / to;
    const j = Math.floor(t);
    const a = x[Math.min(j, x.length - 1)];
    const b = x[Math.min(j + 1, x.length - 1)];
    out[i] = a + (b - a) * (t - j);
  }
  return out;
}

/**
 * Peak-normalises to 0.5 and cuts a fixed window centred on the voiced part (samples above 5% of
 * the peak), zero-padding short signals.
 */
export function voicedWindow(x: Float32Array, length: number): Float32Array {
  let peak = 0;
  for (const v of x) peak = Math.max(peak, Math.abs(v));
  const out = new Float32Array(length);
  if (peak === 0) return out;
  let a = 0;
  let b = x.length - 1;
  while (a < b && Math.abs(x[a]) < 0.05 * peak) a++;
  while (b > a && Math.abs(x[b]) < 0.05 * peak) b--;
  const centre = Math.floor((a + b) / 2);
  const start = centre - Math.floor(length / 2);
  const g = 0.5 / peak;
  for (let i = 0; i < length; i++) {
    const j = start + i;
    if (j >= 0 && j < x.length) out[i] = x[j] * g;
  }
  return out;
}

/**
 * Log-mel tokens of a fixed-length window (already at `c.sampleRate`): [tokens × dims], each
 * utterance standardised to zero mean and unit variance.
 */
export function featurize(window: Float32Array, c: FeatureConfig = DEFAULT_FEATURES): Float32Array {
  const { tokens, dims } = featureShape(c);
  const m = logMel(window, c.sampleRate, {
    frameLength: c.frameLength,
    hop: c.hop,
    fftSize: c.fftSize,
    nMels: c.nMels,
    floor: 1e-8,
  });
  const out = m.data.slice(0, tokens * dims);
  let mean = 0;
  for (const v of out) mean += v;
  mean /= out.length;
  let varSum = 0;
  for (const v of out) varSum += (v - mean) ** 2;
  const std = Math.sqrt(varSum / out.length) || 1;
  for (let i = 0; i < out.length; i++) out[i] = (out[i] - mean) / std;
  return out;
}

/** Any-rate signal → model input (resample, voiced window, log-mel tokens). */
export function signalToTokens(
  samples: Float32Array,
  sampleRate: number,
  c: FeatureConfig = DEFAULT_FEATURES,
): Float32Array {
  const x = resample(samples, sampleRate, c.sampleRate);
  return featurize(voicedWindow(x, Math.round(c.windowSeconds * c.sampleRate)), c);
}
