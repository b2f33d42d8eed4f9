import * as path from 'path';
import { initBackend } from '@moe-zoo/core';
import { readImage } from '@moe-zoo/data';
import { ensureSpokenDigits } from '@moe-zoo/spoken-digits-tool';
import {
  classifyAvDigit,
  DEFAULT_AV_RATE,
  evaluateAvModel,
  FULL_RATE,
  loadPretrained,
  makeAvDigits,
  rateKey,
  type AvModel,
} from '../src';

// The shipped model, re-measured on the held-out test pairs of makeAvDigits (seed 0: voices and
// MNIST images never trained on) at the uncompressed pair and at the default (highest) compression.
// A broken or missing model fails these tests.
const DIR = path.join(__dirname, '..', 'models', 'mome-av-digits');
let model: AvModel;
let card: Awaited<ReturnType<typeof loadPretrained>>['card'];
beforeAll(async () => {
  await initBackend();
  ({ model, card } = (await loadPretrained('mome-av-digits')) as { model: AvModel; card: typeof card });
});
afterAll(() => model?.dispose());

describe('the shipped mome-av-digits', () => {
  it('classifies its example pair (a held-out "seven" and an MNIST test seven) at the default and the full rate', async () => {
    const input = { wav: path.join(DIR, 'example-seven.wav'), image: path.join(DIR, 'example-7.png') };
    const compressed = await classifyAvDigit(model, input);
    expect(compressed.rate).toEqual(DEFAULT_AV_RATE);
    expect(compressed.digit).toBe(7);
    expect(compressed.probs).toHaveLength(10);
    expect(compressed.probs.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 5);
    expect((await classifyAvDigit(model, input, FULL_RATE)).digit).toBe(7);
    // Pixels give what the file gives.
    const pixels = (await readImage(input.image, { width: 28, height: 28, channels: 1 })).data;
    const fromPixels = await classifyAvDigit(model, { ...input, image: pixels });
    expect(fromPixels.probs[7]).toBeCloseTo(compressed.probs[7], 6);
    await expect(classifyAvDigit(model, { ...input, image: [0.5] })).rejects.toThrow(/784/);
    await expect(classifyAvDigit(model, input, { audio: 5, video: 1 })).rejects.toThrow(/rate/);
  });

  it('re-measures to the accuracies its card states', async () => {
    expect(card?.name).toBe('mome-av-digits');
    const av = makeAvDigits(ensureSpokenDigits({ seed: 0 }), { seed: 0 });
    const rates = [FULL_RATE, DEFAULT_AV_RATE];
    const evals = await evaluateAvModel(model, av.test, rates);
    for (const r of rates) {
      const stated = card?.quality.find((q) => q.metric === `accuracy (${rateKey(r)})`);
      expect(stated).toBeDefined();
      expect(evals[rateKey(r)].accuracy).toBeCloseTo(stated?.value ?? NaN, 3);
      expect(evals[rateKey(r)].accuracy).toBeGreaterThan(0.5); // chance 0.1
    }
  });
});
