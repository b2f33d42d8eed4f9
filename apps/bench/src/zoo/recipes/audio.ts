/** `spoken-digits-moe`: the audio suite's MoE arm, trained longer, on the spoken-digit set of seed 0. */
import * as fs from 'fs';
import * as path from 'path';
import {
  AudioTransformer,
  DIGIT_WORDS,
  evaluateAudio,
  loadAudioModel,
  loadSpokenDigits,
  saveAudioModel,
  trainAudioClassifier,
  type AudioSet,
} from '@moe-zoo/audio';
import { setSeed, type FfnSlotConfigInput, type ProgressHandle, type TokenClassifier } from '@moe-zoo/core';
import { ensureSpokenDigits } from '@moe-zoo/spoken-digits-tool';
import { MOE } from '../../suites/audio/arms';
import { previousTraining } from '../previous';
import { trainWithBar } from '../train-with-bar';
import { accuracyQuality } from '../quality';
import type { ZooContext, ZooMeasurement, ZooRecipe } from '../recipe';

const EPOCHS = 16;
/** The example input in the model folder: "seven" by a voice the model never heard. */
const EXAMPLE_WAV = 'example-seven.wav';
const BATCH = 32;

function testSet(seed: number): { train: AudioSet; test: AudioSet } {
  const data = loadSpokenDigits(ensureSpokenDigits({ seed }), { seed });
  return { train: data.train, test: data.test };
}

async function measure(model: TokenClassifier, test: AudioSet): Promise<ZooMeasurement['quality']> {
  const ev = await evaluateAudio(model, test);
  const correct = Array.from(ev.predictions, (p, i) => (p === test.y[i] ? 1 : 0));
  return [
    accuracyQuality(correct, `${test.n} held-out synthetic spoken-digit clips (unseen voices and noise)`),
  ];
}

/**
 * The recipe's training: an audio transformer with `ffn` for {@link EPOCHS} epochs on the spoken
 * digits of `seed` (the shipped model's `ffn` is the audio suite's MoE arm; the compression suite
 * trains dense references the same way).
 */
export async function trainSpokenDigitsModel(
  ffn: FfnSlotConfigInput,
  seed: number,
  progress: (label: string, total: number) => ProgressHandle,
): Promise<{ model: AudioTransformer; steps: number; seconds: number; test: AudioSet }> {
  const { train, test } = testSet(seed);
  setSeed(seed);
  const trained = await trainWithBar(
    new AudioTransformer({ ffn }),
    EPOCHS * Math.floor(train.n / BATCH),
    progress,
    (model, onStep) => trainAudioClassifier(model, train, { epochs: EPOCHS, batchSize: BATCH, seed, onStep }),
  );
  return { ...trained, test };
}

/** The shipped spoken-digit classifier of @moe-zoo/audio. */
export const SPOKEN_DIGITS_MOE: ZooRecipe = {
  name: 'spoken-digits-moe',
  packageName: '@moe-zoo/audio',
  packageDir: 'packages/audio',
  card: {
    task: `classifies a spoken English digit (${DIGIT_WORDS.join(', ')}) in a mono WAV clip`,
    model: 'moe-zoo/audio-transformer',
    paper: 'Switch / GShard-style top-2 MoE FFN in an audio transformer',
    data: {
      name: 'spoken digits synthesised by @moe-zoo/spoken-digits-tool (mespeak voices, added noise)',
      licence: 'generated locally; the synthesiser mespeak is GPL-3.0, its output is not',
      source: 'packages/audio loadSpokenDigits(ensureSpokenDigits({ seed: 0 }))',
    },
    intendedUse:
      'A demonstration of a trained audio MoE: classify short clips of one spoken digit, inspect expert usage per digit.',
    limits: [
      'Trained on synthetic speech only: accuracy on human recordings is unmeasured and expected to be much lower.',
      'One word per clip, about one second; longer clips are cut to the model’s token count.',
    ],
    licence: 'MIT',
    settings: { arm: MOE.variant, epochs: EPOCHS, batchSize: BATCH },
  },
  async train(ctx: ZooContext) {
    const { model, steps, seconds, test } = await trainSpokenDigitsModel(MOE.ffn, ctx.seed, ctx.progress);
    return {
      params: { total: model.countParams(), active: model.activeParams() },
      steps,
      trainSeconds: seconds,
      quality: await measure(model, test),
      save: (dir) => saveAudioModel(dir, model),
      dispose: () => model.dispose(),
    };
  },
  async writeExamples(dir, ctx) {
    // A clean clip of "seven" by a held-out voice (the spoken-digit files are <voice>-<digit>-<take>.wav).
    const source = ensureSpokenDigits({ seed: ctx.seed });
    const { testVoices } = loadSpokenDigits(source, { seed: ctx.seed });
    const manifest = JSON.parse(fs.readFileSync(path.join(source, 'manifest.json'), 'utf8')) as {
      utterances: { file: string; digit: number; accent: string }[];
    };
    const seven = manifest.utterances.find((u) => u.digit === 7 && testVoices.includes(u.accent));
    if (!seven) throw new Error(`${source}: no clip of "seven" by a held-out voice`);
    fs.copyFileSync(path.join(source, seven.file), path.join(dir, EXAMPLE_WAV));
    return [EXAMPLE_WAV];
  },
  async evaluate(dir, ctx) {
    const { model } = await loadAudioModel(dir);
    try {
      return {
        params: { total: model.countParams(), active: model.activeParams() },
        ...(await previousTraining(dir)),
        quality: await measure(model, testSet(ctx.seed).test),
      };
    } finally {
      model.dispose();
    }
  },
};
