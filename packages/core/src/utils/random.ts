/**
 * Seeded randomness for everything moe-zoo does: parameter initialisation, dropout masks,
 * router noise and data shuffles all draw from one stream, so `setSeed(s)` before building and
 * training a model gives the same numbers on the same backend.
 */

let state = 0x9e3779b9;

/** Restarts the global stream. */
export function setSeed(seed: number): void {
  if (!Number.isFinite(seed)) throw new Error(`setSeed: seed must be a finite number, got ${seed}`);
  state = Math.floor(seed) >>> 0 || 0x9e3779b9;
}

/** The current position of the global stream, for checkpoints. */
export function getSeedState(): number {
  return state;
}

/** Restores a position saved with {@link getSeedState}. */
export function setSeedState(s: number): void {
  state = s >>> 0;
}

function next(): number {
  // mulberry32
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** A uniform number in [0, 1) from the global stream. */
export function random(): number {
  return next();
}

/** A seed for a tfjs random op (tf.randomUniform, tf.dropout, ...) from the global stream. */
export function nextSeed(): number {
  return Math.floor(next() * 2147483647);
}

/** A local generator (mulberry32) independent of the global stream, e.g. for data sets. */
export function makeRng(seed: number): () => number {
  let s = Math.floor(seed) >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates shuffle of `0..n-1` with the given generator. */
export function permutation(n: number, rng: () => number = random): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}
