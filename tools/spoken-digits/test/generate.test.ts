import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WaveFile } from 'wavefile';
import { generateSpokenDigits, SpokenDigitsManifest } from '../src';

interface Fmt {
  sampleRate: number;
  numChannels: number;
  bitsPerSample: number;
}

describe('generateSpokenDigits', () => {
  it('writes 16 kHz mono 16-bit WAVs and a manifest, deterministically', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'digits-'));
    const opts = { seed: 1, repeats: 1, maxVoices: 2, digits: [3, 7] };
    const a = generateSpokenDigits({ ...opts, dir: path.join(root, 'a') });
    const b = generateSpokenDigits({ ...opts, dir: path.join(root, 'b') });
    const m = JSON.parse(readFileSync(path.join(a, 'manifest.json'), 'utf8')) as SpokenDigitsManifest;
    expect(m.utterances).toHaveLength(4);
    expect(new Set(m.utterances.map((u) => u.voice)).size).toBe(2);
    for (const u of m.utterances) {
      const bytes = readFileSync(path.join(a, u.file));
      expect(bytes.equals(readFileSync(path.join(b, u.file)))).toBe(true);
      const w = new WaveFile(bytes);
      const fmt = w.fmt as Fmt;
      expect([fmt.sampleRate, fmt.numChannels, fmt.bitsPerSample]).toEqual([16000, 1, 16]);
      const n = (w.getSamples(false, Float64Array) as Float64Array).length;
      expect(n).toBeGreaterThan(3000);
    }
  });
});
