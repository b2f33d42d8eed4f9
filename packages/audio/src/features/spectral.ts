import { isPowerOfTwo, powerSpectrum } from './fft';

/** Options of {@link stft}. */
export interface StftOptions {
  /** Samples per frame (default 400 = 25 ms at 16 kHz). */
  frameLength?: number;
  /** Samples between frame starts (default 160 = 10 ms at 16 kHz). */
  hop?: number;
  /** FFT size, a power of two >= frameLength (default: the next power of two). */
  fftSize?: number;
  /** Window (default 'hann', periodic). */
  window?: 'hann' | 'rect';
}

/** A power spectrogram: `frames` rows of `bins` = fftSize/2+1 values, row-major. */
export interface Spectrogram {
  frames: number;
  bins: number;
  fftSize: number;
  data: Float32Array;
}

function resolve(o: StftOptions) {
  const frameLength = o.frameLength ?? 400;
  const hop = o.hop ?? 160;
  const fftSize = o.fftSize ?? 2 ** Math.ceil(Math.log2(frameLength));
  if (!isPowerOfTwo(fftSize) || fftSize < frameLength) {
    throw new Error(`stft: fftSize ${fftSize} must be a power of two >= frameLength ${frameLength}`);
  }
  if (!(hop >= 1)) throw new Error(`stft: hop ${hop} must be >= 1`);
  return { frameLength, hop, fftSize, window: o.window ?? 'hann' };
}

/** The periodic Hann window of length n (or all ones for 'rect'). */
export function windowFn(n: number, kind: 'hann' | 'rect' = 'hann'): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = kind === 'rect' ? 1 : 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}

/**
 * Short-time power spectrum |STFT|². Frames start at 0, hop, 2·hop, ...; a signal shorter than one
 * frame is zero-padded to one frame.
 */
export function stft(signal: Float32Array, options: StftOptions = {}): Spectrogram {
  const { frameLength, hop, fftSize, window } = resolve(options);
  const frames = Math.max(1, 1 + Math.floor((signal.length - frameLength) / hop));
  const bins = fftSize / 2 + 1;
  const w = windowFn(frameLength, window);
  const data = new Float32Array(frames * bins);
  const buf = new Float64Array(frameLength);
  for (let f = 0; f < frames; f++) {
    const start = f * hop;
    for (let i = 0; i < frameLength; i++) {
      const j = start + i;
      buf[i] = j < signal.length ? signal[j] * w[i] : 0;
    }
    data.set(powerSpectrum(buf, fftSize), f * bins);
  }
  return { frames, bins, fftSize, data };
}

/** Hz → mel (HTK formula). */
export function hzToMel(hz: number): number {
  return 2595 * Math.log10(1 + hz / 700);
}

/** mel → Hz (HTK formula). */
export function melToHz(mel: number): number {
  return 700 * (10 ** (mel / 2595) - 1);
}

/** Options of {@link melFilterbank}. */
export interface MelOptions {
  nMels?: number;
  fMin?: number;
  /** Default: sampleRate / 2. */
  fMax?: number;
}

/**
 * Triangular mel filters [nMels, fftSize/2+1] (row-major), peak 1, centres evenly spaced in mel.
 * Interior bins sum to 1 across filters (adjacent triangles overlap as a partition of unity).
 */
export function melFilterbank(sampleRate: number, fftSize: number, o: MelOptions = {}): Float32Array {
  const nMels = o.nMels ?? 40;
  const fMin = o.fMin ?? 0;
  const fMax = o.fMax ?? sampleRate / 2;
  if (!(fMax > fMin)) throw new Error(`melFilterbank: fMax ${fMax} must exceed fMin ${fMin}`);
  const bins = fftSize / 2 + 1;
  const lo = hzToMel(fMin);
  const hi = hzToMel(fMax);
  const edges = Array.from({ length: nMels + 2 }, (_, i) => melToHz(lo + ((hi - lo) * i) / (nMels + 1)));
  const fb = new Float32Array(nMels * bins);
  for (let m = 0; m < nMels; m++) {
    const [a, b, c] = [edges[m], edges[m + 1], edges[m + 2]];
    for (let k = 0; k < bins; k++) {
      const f = (k * sampleRate) / fftSize;
      const v = f <= a || f >= c ? 0 : f <= b ? (f - a) / (b - a) : (c - f) / (c - b);
      fb[m * bins + k] = v;
    }
  }
  return fb;
}

/** Options of {@link logMel}: STFT and mel settings plus the log floor. */
export interface LogMelOptions extends StftOptions, MelOptions {
  /** Added before the log (default 1e-6). */
  floor?: number;
}

/** A feature matrix: `frames` rows of `dims` values, row-major. */
export interface FeatureMatrix {
  frames: number;
  dims: number;
  data: Float32Array;
}

/**
 * Log-mel spectrogram: ln(mel · |STFT|² + floor), [frames, nMels].
 *
 * @example
 * ```ts
 * const { samples, sampleRate } = await loadWav('seven.wav');
 * const feats = logMel(samples, sampleRate, { nMels: 40 }); // 25 ms frames, 10 ms hop
 * ```
 */
export function logMel(signal: Float32Array, sampleRate: number, o: LogMelOptions = {}): FeatureMatrix {
  const spec = stft(signal, o);
  const nMels = o.nMels ?? 40;
  const fb = melFilterbank(sampleRate, spec.fftSize, o);
  const floor = o.floor ?? 1e-6;
  const data = new Float32Array(spec.frames * nMels);
  for (let f = 0; f < spec.frames; f++) {
    const row = f * spec.bins;
    for (let m = 0; m < nMels; m++) {
      let s = 0;
      const fr = m * spec.bins;
      for (let k = 0; k < spec.bins; k++) s += fb[fr + k] * spec.data[row + k];
      data[f * nMels + m] = Math.log(s + floor);
    }
  }
  return { frames: spec.frames, dims: nMels, data };
}

/** Orthonormal DCT-II of each row of `x`, keeping the first `keep` coefficients. */
export function dct2(x: FeatureMatrix, keep = x.dims): FeatureMatrix {
  const n = x.dims;
  const data = new Float32Array(x.frames * keep);
  for (let f = 0; f < x.frames; f++) {
    for (let k = 0; k < keep; k++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += x.data[f * n + i] * Math.cos((Math.PI * k * (2 * i + 1)) / (2 * n));
      data[f * keep + k] = s * Math.sqrt((k === 0 ? 1 : 2) / n);
    }
  }
  return { frames: x.frames, dims: keep, data };
}

/** MFCC: the first `nCoeffs` (default 13) orthonormal DCT-II coefficients of the log-mel spectrogram. */
export function mfcc(
  signal: Float32Array,
  sampleRate: number,
  o: LogMelOptions & { nCoeffs?: number } = {},
): FeatureMatrix {
  return dct2(logMel(signal, sampleRate, o), o.nCoeffs ?? 13);
}
