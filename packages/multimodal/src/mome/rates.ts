/** A pair of token compression rates: audio tokens are average-pooled by `audio`, video tokens by `video`. */
export interface RatePair {
  audio: number;
  video: number;
}

/** The rate grid: audio 2, 4, 8 × video 1, 2. */
export const MOME_RATES: readonly RatePair[] = [2, 4, 8].flatMap((audio) =>
  [1, 2].map((video) => ({ audio, video })),
);

/** The uncompressed pair the backbone is pre-trained on. */
export const FULL_RATE: RatePair = { audio: 1, video: 1 };

/** `a4v2`-style key of a rate pair. */
export function rateKey(r: RatePair): string {
  return `a${r.audio}v${r.video}`;
}

/** Parses a {@link rateKey}; throws on anything else. */
export function parseRateKey(key: string): RatePair {
  const m = /^a(\d+)v(\d+)$/.exec(key);
  if (!m) throw new Error(`rate key "${key}" is not of the form a<audio>v<video>, e.g. a4v2`);
  return { audio: Number(m[1]), video: Number(m[2]) };
}
