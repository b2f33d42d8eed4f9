import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WaveFile } from 'wavefile';
import { activePower, addNoise, decodeWav, encodeWav, loadWav, MAX_WAV_SECONDS, WavError } from '../src';

describe('WAV I/O', () => {
  it('round-trips 16-bit PCM', () => {
    const samples = Float32Array.from({ length: 1600 }, (_, i) => 0.5 * Math.sin(i / 5));
    const back = decodeWav(encodeWav({ samples, sampleRate: 16000 }));
    expect(back.sampleRate).toBe(16000);
    expect(back.samples.length).toBe(1600);
    for (let i = 0; i < 1600; i += 97) expect(back.samples[i]).toBeCloseTo(samples[i], 4);
  });

  it('mixes stereo to mono and reads 8-bit and float', () => {
    const st = new WaveFile();
    st.fromScratch(2, 8000, '16', [
      [16384, 16384],
      [0, -16384],
    ]);
    expect(Array.from(decodeWav(st.toBuffer()).samples)).toEqual([0.25, 0]);
    const u8 = new WaveFile();
    u8.fromScratch(1, 8000, '8', [128, 255, 0]);
    const s8 = decodeWav(u8.toBuffer()).samples;
    expect(s8[0]).toBeCloseTo(0, 5);
    expect(s8[2]).toBeCloseTo(-1, 5);
    const f = new WaveFile();
    f.fromScratch(1, 8000, '32f', [0.25, -0.5]);
    expect(Array.from(decodeWav(f.toBuffer()).samples)).toEqual([0.25, -0.5]);
  });

  it('rejects empty, non-WAV, truncated, sample-less and compressed files clearly', async () => {
    expect(() => decodeWav(new Uint8Array(0), 'a.wav')).toThrow(/a\.wav: empty file/);
    expect(() => decodeWav(new TextEncoder().encode('hello world, not audio'))).toThrow(/not a WAV file/);
    const good = encodeWav({ samples: new Float32Array(100), sampleRate: 16000 });
    expect(() => decodeWav(good.subarray(0, 30))).toThrow(WavError);
    const empty = new WaveFile();
    empty.fromScratch(1, 16000, '16', []);
    expect(() => decodeWav(empty.toBuffer())).toThrow(/no samples/);
    const mulaw = new WaveFile();
    mulaw.fromScratch(1, 8000, '8m', [1, 2, 3]);
    expect(() => decodeWav(mulaw.toBuffer())).toThrow(/unsupported WAV encoding \(format code 7/);
    const dir = mkdtempSync(path.join(tmpdir(), 'wav-'));
    writeFileSync(path.join(dir, 'x.wav'), '');
    await expect(loadWav(path.join(dir, 'x.wav'))).rejects.toThrow(/x\.wav: empty file/);
    await expect(loadWav(path.join(dir, 'missing.wav'))).rejects.toThrow(/missing\.wav: cannot read/);
  });
});

describe('WAV bounds', () => {
  it('refuses sample rates outside 1-384 kHz, naming the file, before any resampling', () => {
    const w = new WaveFile();
    w.fromScratch(1, 1, '16', new Int16Array(16000));
    expect(() => decodeWav(w.toBuffer(), 'slow.wav')).toThrow(/slow\.wav: unsupported sample rate 1 Hz/);
  });

  it('refuses a WAV whose header declares more bytes than the file holds', () => {
    const good = encodeWav({ samples: new Float32Array(1000), sampleRate: 16000 });
    expect(() => decodeWav(good.subarray(0, good.length - 100), 'cut.wav')).toThrow(
      /cut\.wav: truncated WAV: the header declares 2044 bytes, the file has 1944/,
    );
  });

  it('refuses non-finite float samples and clips longer than the limit', () => {
    const f = new WaveFile();
    f.fromScratch(1, 8000, '32f', [0.25, NaN, 0.5]);
    expect(() => decodeWav(f.toBuffer(), 'nan.wav')).toThrow(
      /nan\.wav: sample 1 is not a finite number \(NaN\)/,
    );
    const long = new WaveFile();
    long.fromScratch(1, 1000, '8', new Uint8Array(MAX_WAV_SECONDS * 1000 + 2).fill(128));
    expect(() => decodeWav(long.toBuffer(), 'long.wav')).toThrow(/long\.wav: longer than 600 s/);
  });
});

describe('noise', () => {
  it('hits the requested SNR and is deterministic per seed', () => {
    const speech = Float32Array.from({ length: 8000 }, (_, i) =>
      i > 2000 && i < 6000 ? 0.4 * Math.sin(i / 3) : 0,
    );
    for (const snr of [20, 10, 0]) {
      const noisy = addNoise(speech, snr, 5);
      const noise = noisy.map((v, i) => v - speech[i]);
      const pn = noise.reduce((s, v) => s + v * v, 0) / noise.length;
      expect(10 * Math.log10(activePower(speech) / pn)).toBeCloseTo(snr, 3);
      expect(addNoise(speech, snr, 5)).toEqual(noisy);
    }
    expect(addNoise(speech, Infinity, 1)).toEqual(speech);
    expect(addNoise(speech, 10, 1)).not.toEqual(addNoise(speech, 10, 2));
  });
});
