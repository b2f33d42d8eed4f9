import { makeRng } from '@moe-zoo/core';

/**
 * Background noise: a seeded mix of white and low-passed (rumble-like) Gaussian noise, with a
 * slowly varying amplitude, so it is not a flat floor the model can subtract.
 */
export function backgroundNoise(n: number, seed: number): Float32Array {
  const r = makeRng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const mix = r();
  const pole = 0.9 + 0.09 * r();
  const rate = (2 * Math.PI * (0.5 + 3 * r())) / 16000;
  const phase = 2 * Math.PI * r();
  const out = new Float32Array(n);
  let lp = 0;
  for (let i = 0; i < n; i++) {
    const w = gauss();
    lp = pole * lp + (1 - pole) * gauss() * 4;
    out[i] = (mix * w + (1 - mix) * lp) * (1 + 0.5 * Math.sin(rate * i + phase));
  }
  return out;
}

/** Mean square of the samples whose magnitude exceeds 5% of the peak (the active speech). */
export function activePower(x: Float32Array): number {
  let peak = 0;
  for (const v of x) peak = Math.max(peak, Math.abs(v));
  let s = 0;
  let n = 0;
  for (const v of x) {
    if (Math.abs(v) >= 0.05 * peak) {
      s += v * v;
      n++;
    }
  }
  return n ? s / n : 0;
}

/**
 * `speech + noise` scaled so 10·log10(P_speech / P_noise) = snrDb (P_speech over the active part).
 * `snrDb = Infinity` returns a copy of the clean signal.
 */
export function addNoise(speech: Float32Array, snrDb: number, seed: number): Float32Array {
  const out = Float32Array.from(speech);
  if (!Number.isFinite(snrDb)) return out;
  const noise = backgroundNoise(speech.length, seed);
  let pn = 0;
  for (const v of noise) pn += v * v;
  pn /= noise.length;
  const g = Math.sqrt(activePower(speech) / (pn * 10 ** (snrDb / 10)));
  for (let i = 0; i < out.length; i++) out[i] += g * noise[i];
  return out;
}
