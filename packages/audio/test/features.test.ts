import { dct2, fft, hzToMel, logMel, melFilterbank, melToHz, mfcc, powerSpectrum, stft } from '../src';

const sine = (f: number, sr: number, n: number) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * f * i) / sr));

describe('fft', () => {
  it('matches a naive DFT', () => {
    const n = 16;
    const x = Array.from({ length: n }, (_, i) => Math.cos(i * 0.7) + 0.3 * i);
    const re = Float64Array.from(x);
    const im = new Float64Array(n);
    fft(re, im);
    for (let k = 0; k < n; k++) {
      let r = 0;
      let q = 0;
      for (let t = 0; t < n; t++) {
        r += x[t] * Math.cos((-2 * Math.PI * k * t) / n);
        q += x[t] * Math.sin((-2 * Math.PI * k * t) / n);
      }
      expect(re[k]).toBeCloseTo(r, 8);
      expect(im[k]).toBeCloseTo(q, 8);
    }
  });

  it("satisfies Parseval's identity", () => {
    const n = 256;
    const x = Float64Array.from(
      { length: n },
      (_, i) => Math.sin(i * 1.3) * Math.exp(-i / 90) + ((i * 37) % 11) / 11,
    );
    const time = x.reduce((s, v) => s + v * v, 0);
    const re = Float64Array.from(x);
    const im = new Float64Array(n);
    fft(re, im);
    let freq = 0;
    for (let k = 0; k < n; k++) freq += re[k] * re[k] + im[k] * im[k];
    expect(freq / n).toBeCloseTo(time, 8);
  });

  it('rejects lengths that are not powers of two', () => {
    expect(() => fft(new Float64Array(12), new Float64Array(12))).toThrow(/power of two/);
  });
});

describe('stft', () => {
  it("puts a sine's energy in its bin", () => {
    const sr = 16000;
    const spec = stft(sine(1000, sr, 4000), { frameLength: 512, hop: 256, fftSize: 512 });
    expect(spec.bins).toBe(257);
    for (let f = 0; f < spec.frames; f++) {
      const row = Array.from(spec.data.subarray(f * spec.bins, (f + 1) * spec.bins));
      expect(row.indexOf(Math.max(...row))).toBe(32); // 1000 Hz * 512 / 16000
    }
  });

  it('has the expected number of frames and a one-sided power spectrum', () => {
    const spec = stft(new Float32Array(1000), { frameLength: 400, hop: 160 });
    expect(spec.frames).toBe(1 + Math.floor(600 / 160));
    expect(powerSpectrum([1, 0, 0, 0], 4)).toEqual(Float64Array.from([1, 1, 1]));
  });
});

describe('mel', () => {
  it('converts Hz and mel both ways', () => {
    expect(hzToMel(1000)).toBeCloseTo(1000, 0);
    expect(melToHz(hzToMel(3210))).toBeCloseTo(3210, 6);
  });

  it('filterbank: triangles peak at 1 and sum to 1 between the first and last centre', () => {
    const sr = 16000;
    const nfft = 512;
    const nMels = 26;
    const fb = melFilterbank(sr, nfft, { nMels });
    const bins = nfft / 2 + 1;
    const firstCentre = melToHz(hzToMel(sr / 2) / (nMels + 1));
    const lastCentre = melToHz((hzToMel(sr / 2) * nMels) / (nMels + 1));
    for (let k = 0; k < bins; k++) {
      const f = (k * sr) / nfft;
      let s = 0;
      for (let m = 0; m < nMels; m++) s += fb[m * bins + k];
      if (f >= firstCentre && f <= lastCentre) expect(s).toBeCloseTo(1, 5);
      else expect(s).toBeLessThanOrEqual(1 + 1e-6);
    }
    for (let m = 0; m < nMels; m++) {
      expect(Math.max(...fb.subarray(m * bins, (m + 1) * bins))).toBeLessThanOrEqual(1);
    }
  });

  it('logMel: a louder sine shifts the log energy by the gain in dB', () => {
    const x = sine(440, 16000, 8000);
    const a = logMel(x, 16000, { nMels: 20 });
    const b = logMel(
      x.map((v) => v * 10),
      16000,
      { nMels: 20 },
    );
    expect(a.frames).toBe(b.frames);
    const m = a.data.indexOf(Math.max(...a.data.subarray(0, 20)));
    expect(b.data[m] - a.data[m]).toBeCloseTo(Math.log(100), 3);
  });

  it('mfcc: DCT-II is orthonormal and a constant log-mel gives only c0', () => {
    const c = dct2({ frames: 1, dims: 8, data: new Float32Array(8).fill(2) });
    expect(c.data[0]).toBeCloseTo(2 * Math.sqrt(8), 5);
    for (let k = 1; k < 8; k++) expect(c.data[k]).toBeCloseTo(0, 5);
    const m = mfcc(sine(300, 16000, 4000), 16000, { nCoeffs: 13 });
    expect(m.dims).toBe(13);
    expect(m.data.every(Number.isFinite)).toBe(true);
  });
});
