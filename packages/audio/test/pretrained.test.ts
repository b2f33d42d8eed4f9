import { readFileSync } from 'node:fs';
import path from 'node:path';
import { initBackend, tf } from '@moe-zoo/core';
import { ensureSpokenDigits } from '@moe-zoo/spoken-digits-tool';
import { classifyWav, DIGIT_WORDS, evaluateAudio, loadPretrained, loadSpokenDigits } from '../src';

// The shipped spoken-digit MoE: its card tells the truth, and one call classifies a WAV file.
describe('shipped model spoken-digits-moe', () => {
  let dir: string;
  beforeAll(async () => {
    await initBackend();
    dir = ensureSpokenDigits({ seed: 0 });
  });

  it("scores on its held-out clips exactly what its card says, inside the card's interval", async () => {
    const { model, card } = await loadPretrained('spoken-digits-moe');
    const quality = card?.quality[0];
    const { test } = loadSpokenDigits(dir, { seed: card?.recipe.seed ?? 0 });
    const { accuracy } = await evaluateAudio(model, test);
    expect(accuracy).toBeCloseTo(quality?.value ?? NaN, 9);
    expect(accuracy).toBeGreaterThan(quality?.lo ?? 1);
    expect(accuracy).toBeGreaterThan(0.6); // chance is 0.1
    model.dispose();
  });

  it('classifies WAV files of voices it never heard with the default model, leaking nothing', async () => {
    const { testVoices } = loadSpokenDigits(dir, { seed: 0 });
    const { utterances } = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
      utterances: { file: string; digit: number; accent: string }[];
    };
    const unheard = utterances.filter((u) => testVoices.includes(u.accent)).slice(0, 20);
    expect(unheard).toHaveLength(20);
    const before = tf.memory().numTensors;
    let right = 0;
    for (const u of unheard) {
      const r = await classifyWav(path.join(dir, u.file));
      expect(DIGIT_WORDS[r.digit]).toBe(r.word);
      if (r.digit === u.digit) right++;
    }
    expect(right).toBeGreaterThan(10); // of 20 clean clips; chance is 2
    expect(tf.memory().numTensors).toBe(before);
  });
});
