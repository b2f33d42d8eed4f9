import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureSpokenDigits } from '@moe-zoo/spoken-digits-tool';
import { initBackend } from '@moe-zoo/core';
import {
  classifyMain,
  classifyWav,
  createAudioTransformer,
  evaluateAudio,
  loadSpokenDigits,
  saveAudioModel,
  specialisation,
  trainAudioClassifier,
} from '../src';

describe('spoken digits + audio transformer', () => {
  let dir = '';
  beforeAll(async () => {
    await initBackend();
    dir = ensureSpokenDigits({ seed: 0 });
  });

  it('splits voices disjointly and trains well above chance; checkpoints classify WAVs', async () => {
    const data = loadSpokenDigits(dir, { seed: 0, snrs: [Infinity, 10], maxTrain: 240, maxTest: 100 });
    expect(data.trainVoices.some((v) => data.testVoices.includes(v))).toBe(false);
    expect(data.train.n).toBe(480);
    expect(data.test.n).toBe(200);
    const config = { kind: 'moe' as const };
    const model = createAudioTransformer(config);
    const dense = createAudioTransformer({ kind: 'dense' });
    expect(Math.abs(model.activeParams() - dense.activeParams()) / dense.activeParams()).toBeLessThan(0.03);
    dense.dispose();
    await trainAudioClassifier(model, data.train, { epochs: 3, batchSize: 32, seed: 0 });
    const ev = evaluateAudio(model, data.test);
    expect(ev.accuracy).toBeGreaterThan(0.4); // chance is 0.1
    expect(ev.usage).toBeDefined();
    const usage = ev.usage as Float64Array;
    expect(usage.length).toBe(data.test.n * 8);
    const spec = specialisation(usage, ev.numExperts, data.test.y, 20);
    expect(spec.tv).toBeGreaterThan(spec.baselineMean);

    const ckpt = mkdtempSync(path.join(tmpdir(), 'audio-ckpt-'));
    await saveAudioModel(ckpt, model, config);
    model.dispose();
    const wav = readdirSync(dir).find((f) => f.endsWith('-7-0.wav')) as string;
    const r = await classifyWav(path.join(dir, wav), ckpt);
    expect(r.probs).toHaveLength(10);
    const lines: string[] = [];
    expect(await classifyMain([path.join(dir, 'manifest.json'), ckpt], (s) => lines.push(s))).toBe(1);
    expect(lines[0]).toMatch(/error: .*manifest\.json: not a WAV file/);
    expect(await classifyMain([], (s) => lines.push(s))).toBe(2);
  });

  it('is deterministic per seed', () => {
    const a = loadSpokenDigits(dir, { seed: 3, maxTrain: 20, maxTest: 10, cache: false });
    const b = loadSpokenDigits(dir, { seed: 3, maxTrain: 20, maxTest: 10, cache: false });
    expect(a.testVoices).toEqual(b.testVoices);
    expect(a.train.x).toEqual(b.train.x);
  });
});
