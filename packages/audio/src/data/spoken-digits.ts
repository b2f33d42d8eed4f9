import { makeRng, parseConfig, sizeField } from '@moe-zoo/core';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { decodeWav } from '../wav-codec';
import { addNoise } from './noise';
import {
  DEFAULT_FEATURES,
  featureShape,
  featurize,
  FeatureConfig,
  FeatureConfigSchema,
  resample,
  voicedWindow,
} from './preprocess';

export { DIGIT_WORDS } from './digit-words';

/** The SNR conditions of the issue: clean, 20, 10 and 0 dB. */
export const DEFAULT_SNRS = [Infinity, 20, 10, 0];

/** Label of an SNR condition: 'clean' or e.g. '10dB'. */
export function snrLabel(snr: number): string {
  return Number.isFinite(snr) ? `${snr}dB` : 'clean';
}

/** The `manifest.json` a spoken-digit WAV folder must contain (written by @moe-zoo/spoken-digits-tool). */
export const SpokenDigitsManifestSchema = z.object({
  version: z.string(),
  seed: z.number(),
  sampleRate: z.number().positive(),
  utterances: z
    .array(z.object({ file: z.string(), digit: z.number().int().min(0).max(9), voice: z.string() }))
    .min(1),
});

/** Labelled feature tensors (host memory) with the condition of each sample. */
export interface AudioSet {
  n: number;
  tokens: number;
  dims: number;
  /** [n × tokens × dims] */
  x: Float32Array;
  /** Digit 0..9. */
  y: Int32Array;
  /** SNR in dB of each sample (Infinity = clean). */
  snr: Float64Array;
  /** Speaker identity of each sample. */
  voice: string[];
}

/** Options of {@link loadSpokenDigits} (strict: a misspelt option is a `ConfigError` naming it). */
export const SpokenDigitsOptionsSchema = z.strictObject({
  /** Seeds the voice split and the noise (default 0). */
  seed: z.number().int().min(0).optional(),
  /** Noise levels in dB (`Infinity` = clean). */
  snrs: z
    .array(
      z.custom<number>((v) => typeof v === 'number' && !Number.isNaN(v), {
        message: 'expected an SNR in dB',
      }),
    )
    .min(1)
    .max(64)
    .optional(),
  /** Fraction of the voices held out for test (default 1/3). */
  testFraction: z.number().gt(0).lt(1).optional(),
  features: FeatureConfigSchema.optional(),
  /** Keep at most this many utterances per split (before SNR expansion), evenly over digits. */
  maxTrain: sizeField(1_000_000).optional(),
  maxTest: sizeField(1_000_000).optional(),
  /** Cache features as `<dir>/features-<key>.bin` (default true). */
  cache: z.boolean().optional(),
});
/** Options of {@link loadSpokenDigits}. */
export type SpokenDigitsOptions = z.input<typeof SpokenDigitsOptionsSchema>;

/** Train and test sets with disjoint speakers (`trainVoices`/`testVoices` list the accents). */
export interface SpokenDigits {
  train: AudioSet;
  test: AudioSet;
  trainVoices: string[];
  testVoices: string[];
  snrs: number[];
  features: FeatureConfig;
}

interface Utt {
  file: string;
  digit: number;
  voice: string;
}

function subsample(list: Utt[], max: number | undefined): Utt[] {
  if (max === undefined || max >= list.length) return list;
  const byDigit = Array.from({ length: 10 }, (_, d) => list.filter((u) => u.digit === d));
  const out: Utt[] = [];
  for (let i = 0; out.length < max; i++) {
    for (const group of byDigit) if (i < group.length && out.length < max) out.push(group[i]);
  }
  return out;
}

/**
 * Reads a spoken-digit WAV folder (see `@moe-zoo/spoken-digits-tool`), splits the voices into
 * disjoint train and test speakers by seed, adds seeded background noise at each SNR and computes
 * log-mel tokens. Every utterance appears once per SNR. Features are cached next to the WAVs.
 *
 * @example
 * ```ts
 * const data = loadSpokenDigits('.cache/spoken-digits/v1-0', { seed: 0 });
 * data.train.x; // Float32Array [n × 24 × 64]
 * ```
 */
export function loadSpokenDigits(dir: string, options: SpokenDigitsOptions = {}): SpokenDigits {
  const o = parseConfig(SpokenDigitsOptionsSchema, options, 'loadSpokenDigits options');
  const seed = o.seed ?? 0;
  const snrs = o.snrs ?? DEFAULT_SNRS;
  const features = o.features ?? DEFAULT_FEATURES;
  const manifestPath = path.join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) {
    throw new Error(`${manifestPath} not found: generate the data with @moe-zoo/spoken-digits-tool`);
  }
  const parsed = SpokenDigitsManifestSchema.safeParse(JSON.parse(readFileSync(manifestPath, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${manifestPath}: invalid manifest at "${issue.path.join('.')}": ${issue.message}`);
  }
  const utts = parsed.data.utterances;
  // A voice is `accent@pitchBand`; the speaker is the accent, and all its pitch bands stay on one
  // side of the split, so no test speaker is heard in training.
  const speaker = (u: Utt) => u.voice.split('@')[0];
  const voices = [...new Set(utts.map(speaker))].sort();
  if (voices.length < 2)
    throw new Error(`${manifestPath}: need at least 2 accents (speakers) for a speaker split`);
  const r = makeRng(seed * 7919 + 1);
  const shuffled = voices
    .map((v) => ({ v, k: r() }))
    .sort((a, b) => a.k - b.k)
    .map((e) => e.v);
  const nTest = Math.min(
    voices.length - 1,
    Math.max(1, Math.round(voices.length * (o.testFraction ?? 1 / 3))),
  );
  const testVoices = shuffled.slice(0, nTest).sort();
  const trainVoices = shuffled.slice(nTest).sort();
  const trainUtts = subsample(
    utts.filter((u) => trainVoices.includes(speaker(u))),
    o.maxTrain,
  );
  const testUtts = subsample(
    utts.filter((u) => testVoices.includes(speaker(u))),
    o.maxTest,
  );
  const build = (list: Utt[], split: string) =>
    buildSet(dir, list, snrs, features, seed, split, o.cache ?? true, parsed.data.sampleRate);
  return {
    train: build(trainUtts, 'train'),
    test: build(testUtts, 'test'),
    trainVoices,
    testVoices,
    snrs,
    features,
  };
}

function buildSet(
  dir: string,
  list: Utt[],
  snrs: number[],
  c: FeatureConfig,
  seed: number,
  split: string,
  cache: boolean,
  sourceRate: number,
): AudioSet {
  const { tokens, dims } = featureShape(c);
  const n = list.length * snrs.length;
  const y = new Int32Array(n);
  const snr = new Float64Array(n);
  const voice: string[] = [];
  for (let i = 0; i < list.length; i++) {
    for (let s = 0; s < snrs.length; s++) {
      const j = i * snrs.length + s;
      y[j] = list[i].digit;
      snr[j] = snrs[s];
      voice.push(list[i].voice);
    }
  }
  const key = createHash('sha1')
    .update(
      JSON.stringify({ v: 1, files: list.map((u) => u.file), snrs: snrs.map(snrLabel), c, seed, split }),
    )
    .digest('hex')
    .slice(0, 16);
  const cacheFile = path.join(dir, `features-${key}.bin`);
  const size = n * tokens * dims;
  if (cache && existsSync(cacheFile)) {
    const buf = readFileSync(cacheFile);
    if (buf.length === size * 4) {
      const x = new Float32Array(size);
      new Uint8Array(x.buffer).set(buf);
      return { n, tokens, dims, x, y, snr, voice };
    }
  }
  const x = new Float32Array(size);
  const length = Math.round(c.windowSeconds * c.sampleRate);
  for (let i = 0; i < list.length; i++) {
    const file = path.join(dir, list[i].file);
    const wav = decodeWav(readFileSync(file), file);
    const clean = voicedWindow(resample(wav.samples, wav.sampleRate || sourceRate, c.sampleRate), length);
    for (let s = 0; s < snrs.length; s++) {
      const j = i * snrs.length + s;
      const noisy = addNoise(
        clean,
        snrs[s],
        (seed * 1000003 + i * 131 + s * 7 + (split === 'test' ? 1 : 0)) >>> 0,
      );
      x.set(featurize(noisy, c), j * tokens * dims);
    }
  }
  if (cache) {
    const tmp = `${cacheFile}.tmp-${process.pid}`;
    writeFileSync(tmp, new Uint8Array(x.buffer));
    renameSync(tmp, cacheFile);
  }
  return { n, tokens, dims, x, y, snr, voice };
}
