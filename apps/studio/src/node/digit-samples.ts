/**
 * The bundled spoken digits: one clip per digit from the voices the shipped model's training held
 * out (audio's `loadSpokenDigits` split, seed 0), taken from the spoken-digit cache that
 * @moe-zoo/spoken-digits-tool generates (deterministic per seed; made here if missing).
 */
import { promises as fsp } from 'fs';
import * as path from 'path';
import { DIGIT_WORDS, loadSpokenDigits } from '@moe-zoo/audio';
import { ensureSpokenDigits } from '@moe-zoo/spoken-digits-tool';
import type { DigitSample } from '../shared/catalog';

interface Utterance {
  file: string;
  digit: number;
  accent: string;
  voice: string;
}

/** Writes `<app>/samples/digits/*.wav`; returns their catalogue entries. */
export async function writeDigitSamples(appDir: string, seed = 0): Promise<DigitSample[]> {
  const cache = ensureSpokenDigits({ seed });
  const { testVoices } = loadSpokenDigits(cache, { seed, snrs: [Infinity] });
  const manifest = JSON.parse(await fsp.readFile(path.join(cache, 'manifest.json'), 'utf8')) as {
    utterances: Utterance[];
  };
  const unheard = manifest.utterances.filter((u) => testVoices.includes(u.accent));
  const dir = path.join(appDir, 'samples', 'digits');
  await fsp.mkdir(dir, { recursive: true });
  const out: DigitSample[] = [];
  for (let digit = 0; digit < DIGIT_WORDS.length; digit++) {
    const u = unheard.find((x) => x.digit === digit);
    if (!u) throw new Error(`no held-out clip of digit ${digit} in ${cache}`);
    const name = `${DIGIT_WORDS[digit]}.wav`;
    await fsp.copyFile(path.join(cache, u.file), path.join(dir, name));
    out.push({
      id: DIGIT_WORDS[digit],
      digit,
      word: DIGIT_WORDS[digit],
      voice: u.voice,
      file: `samples/digits/${name}`,
    });
  }
  return out;
}
