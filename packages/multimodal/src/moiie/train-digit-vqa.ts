/** The whole MoIIE digit-VQA recipe from a seed: the model `moiie-digit-vqa` is trained with it. */
import {
  functionField,
  LIMITS,
  MAX_BATCH_SIZE,
  objectField,
  parseConfig,
  setSeed,
  sizeField,
} from '@moe-zoo/core';
import { z } from 'zod';
import { loadDigitImages, MNIST_SPLITS, type DigitImages } from '../mnist';
import { buildMote } from '../mote/upcycle';
import { makeVqaSet, takeVqa, type VqaSet } from '../vqa/data';
import type { VqaTransformer } from '../vqa/model';
import { DigitVqaModel } from '../vqa/digit-vqa';
import { withEncoderTokens, type DigitEncoder } from '../vqa/vision-encoder';
import { QUESTION_TYPES, vqaTokenizer } from '../vqa/questions';
import { evaluateVqa, trainVqa, type VqaEvaluation } from '../vqa/train';
import { upcycleArm } from './arms';
import { instructionTune } from './recipe';
import { prepareVqaBase, type VqaStage, type VqaStageReport } from './stages';

/**
 * Sizes and schedules of {@link trainDigitVqa}. The defaults are the recipe of the shipped
 * `moiie-digit-vqa`: the full plan of the bench's multimodal-vqa suite at its largest training set
 * (MoIIE arm, 4000 questions, 4 epochs), asking all four question families.
 */
/** The most questions or samples a digit-VQA recipe may ask for in one stage. */
export const MAX_RECIPE_SAMPLES = 1_000_000;

export const DigitVqaRecipeSchema = z.strictObject({
  dim: sizeField(LIMITS.dim).default(48),
  hidden: sizeField(LIMITS.hidden).default(96),
  encoderEpochs: sizeField(1000).default(5),
  textSamples: sizeField(MAX_RECIPE_SAMPLES).default(8000),
  textEpochs: sizeField(1000).default(4),
  alignSamples: sizeField(MAX_RECIPE_SAMPLES).default(4000),
  alignEpochs: sizeField(1000).default(3),
  /** Stage-2 (instruction tuning) questions. */
  trainSamples: sizeField(MAX_RECIPE_SAMPLES).default(4000),
  epochs: sizeField(1000).default(4),
  /** Relative noise (× weight RMS) on the up-cycled expert copies. */
  upcycleNoise: z.number().min(0).max(10).default(0.1),
  testSamples: sizeField(MAX_RECIPE_SAMPLES).default(2000),
  batchSize: sizeField(MAX_BATCH_SIZE).default(32),
  /** Question families of stage 2 and of the test (default all four, so the model also names the digit). */
  families: z
    .array(z.enum(QUESTION_TYPES))
    .min(1)
    .default([...QUESTION_TYPES]),
  /**
   * MoTE arm only: stage-2 questions the dense source is tuned on (the first of the pool; default
   * 1000, the bench suite's smallest size). Optional without a default so the MoIIE recipe is unchanged.
   */
  moteSourceSamples: sizeField(MAX_RECIPE_SAMPLES).optional(),
  /** MoTE arm only: epochs of MoE-layer training on all `trainSamples` questions (default 3, the suite's `moteEpochs`). */
  moteEpochs: sizeField(1000).optional(),
});
export type DigitVqaRecipe = z.output<typeof DigitVqaRecipeSchema>;
export type DigitVqaRecipeInput = z.input<typeof DigitVqaRecipeSchema>;

/**
 * The arm {@link trainDigitVqa} trains after stage 1: `moiie` (the shipped `moiie-digit-vqa`: the base
 * up-cycled into MoIIE and instruction-tuned) or `mote` (the shipped `mote-digit-vqa`: a dense arm
 * tuned on `moteSourceSamples` questions, up-cycled with `buildMote` — frozen FFN + 4 top-1 ternary
 * experts — whose MoE layers alone then train on all `trainSamples` questions for `moteEpochs`).
 */
export type DigitVqaArm = 'moiie' | 'mote';

/** MoTE-arm defaults: the multimodal-vqa suite's smallest stage-2 size and its full-plan `moteEpochs`. */
export const DIGIT_VQA_MOTE_DEFAULTS = { moteSourceSamples: 1000, moteEpochs: 3 } as const;

/** Options of {@link trainDigitVqa} (strict: a misspelt option is a `ConfigError` naming it). */
export const TrainDigitVqaOptionsSchema = z.strictObject({
  seed: z.number().int().min(0),
  /** The arm trained after stage 1 (default `moiie`, the recipe of `moiie-digit-vqa`). */
  arm: z.enum(['moiie', 'mote']).optional(),
  recipe: DigitVqaRecipeSchema.optional(),
  /** Training and test images (default MNIST's split of this package: per class [0, 800) and [800, 863)). */
  images: objectField<{ pool: DigitImages; test: DigitImages }>('training and test images').optional(),
  /** Called after every training step with its stage (`tune` = stage 2) and loss. */
  onStep: functionField<(stage: DigitVqaStage, loss: number) => void>('a step callback').optional(),
});
/** Options of {@link trainDigitVqa}. */
export type TrainDigitVqaOptions = z.input<typeof TrainDigitVqaOptionsSchema>;

/** A training stage of {@link trainDigitVqa}: the shared ones, `tune` (stage 2; the MoTE arm's dense source) and `mote` (MoTE's MoE layers). */
export type DigitVqaStage = VqaStage | 'tune' | 'mote';

/** A model measured on the recipe's held-out test questions. */
export interface DigitVqaScore {
  /** The held-out test questions (images disjoint from training), with the model's visual tokens. */
  test: VqaSet;
  /** 1 / 0 per test question: answered right or wrong. */
  correct: number[];
  evaluation: VqaEvaluation;
}

/** What {@link trainDigitVqa} returns. */
export interface TrainedDigitVqa extends DigitVqaScore {
  model: DigitVqaModel;
  recipe: DigitVqaRecipe;
  /** Optimizer steps of all stages. */
  steps: number;
  /** Training wall time of all stages. */
  seconds: number;
  stages: VqaStageReport;
}

/**
 * Optimizer steps of every stage of a recipe and arm (the encoder uses batches of 64), e.g. for
 * progress bars; `mote` is 0 for the MoIIE arm.
 *
 * @example
 * ```ts
 * const steps = digitVqaSteps(DigitVqaRecipeSchema.parse({}), 8000); // { encoder: 625, text: 1000, align: 375, tune: 500, mote: 0 }
 * ```
 */
export function digitVqaSteps(
  recipe: DigitVqaRecipe,
  poolImages: number,
  arm: DigitVqaArm = 'moiie',
): Record<DigitVqaStage, number> {
  const per = (n: number, b: number) => Math.max(1, Math.floor(n / b));
  const b = recipe.batchSize;
  const mote = arm === 'mote' ? moteSettings(recipe) : undefined;
  return {
    encoder: recipe.encoderEpochs * per(poolImages, 64),
    text: recipe.textEpochs * per(recipe.textSamples, b),
    align: recipe.alignEpochs * per(recipe.alignSamples, b),
    tune: recipe.epochs * per(mote ? mote.moteSourceSamples : recipe.trainSamples, b),
    mote: mote ? mote.moteEpochs * per(recipe.trainSamples, b) : 0,
  };
}

function moteSettings(recipe: DigitVqaRecipe): { moteSourceSamples: number; moteEpochs: number } {
  const moteSourceSamples = recipe.moteSourceSamples ?? DIGIT_VQA_MOTE_DEFAULTS.moteSourceSamples;
  if (moteSourceSamples > recipe.trainSamples)
    throw new RangeError(
      `trainDigitVqa: moteSourceSamples ${moteSourceSamples} > trainSamples ${recipe.trainSamples}`,
    );
  return { moteSourceSamples, moteEpochs: recipe.moteEpochs ?? DIGIT_VQA_MOTE_DEFAULTS.moteEpochs };
}

function defaultImages(): { pool: DigitImages; test: DigitImages } {
  return {
    pool: loadDigitImages(MNIST_SPLITS.train.from, MNIST_SPLITS.train.max),
    test: loadDigitImages(MNIST_SPLITS.test.from, MNIST_SPLITS.test.max),
  };
}

/**
 * Measures a digit-VQA model on the test questions of a seed's recipe: `testSamples` questions of
 * the recipe's families (seed `1000 + seed`, as {@link prepareVqaBase} makes them) on the test
 * images (default MNIST [800, 863) per class, never trained on).
 *
 * @example
 * ```ts
 * const { model } = await loadPretrained('moiie-digit-vqa');
 * const { evaluation } = await evaluateDigitVqa(model, { seed: 0 }); // evaluation.accuracy, .byType
 * ```
 */
export async function evaluateDigitVqa(
  model: DigitVqaModel,
  o: { seed: number; recipe?: DigitVqaRecipeInput; testImages?: DigitImages },
): Promise<DigitVqaScore> {
  const recipe = parseConfig(DigitVqaRecipeSchema, o.recipe ?? {}, 'digit VQA recipe');
  const images = o.testImages ?? defaultImages().test;
  const questions = makeVqaSet(images, {
    n: recipe.testSamples,
    seed: 1000 + o.seed,
    tokenizer: vqaTokenizer(),
    families: recipe.families,
  });
  const test = await withEncoderTokens(questions, model.encoder);
  const evaluation = await evaluateVqa(model.vqa, test);
  const correct = Array.from(evaluation.predictions, (p, i) => (p === test.answer[i] ? 1 : 0));
  return { test, correct, evaluation };
}

/**
 * Up-cycles the stage-1 base into `arm` after `setSeed(seed)`; the base is disposed either way,
 * the encoder too when up-cycling fails.
 */
function upcycleBase(
  base: VqaTransformer,
  encoder: DigitEncoder,
  seed: number,
  arm: 'moiie' | 'dense',
  noise: number,
): VqaTransformer {
  try {
    setSeed(seed);
    return upcycleArm(base, arm, { noise });
  } catch (e) {
    encoder.dispose();
    throw e;
  } finally {
    base.dispose();
  }
}

/** The trained model measured on the held-out questions, with its step count and time. */
async function scored(
  model: DigitVqaModel,
  o: TrainDigitVqaOptions,
  recipe: DigitVqaRecipe,
  arm: DigitVqaArm,
  images: { pool: DigitImages; test: DigitImages },
  seconds: number,
  stages: VqaStageReport,
): Promise<TrainedDigitVqa> {
  const score = await evaluateDigitVqa(model, { seed: o.seed, recipe, testImages: images.test });
  const steps = Object.values(digitVqaSteps(recipe, images.pool.n, arm)).reduce((a, b) => a + b, 0);
  return { model, recipe, ...score, steps, seconds, stages };
}

/** Seconds of the shared stages (vision tower, stage 0, stage 1). */
const stageSeconds = (r: VqaStageReport) => r.encoderSeconds + r.textSeconds + r.alignSeconds;

/**
 * Trains a digit-VQA model from a seed: vision tower, stage 0 (text-only LM), stage 1 (connector
 * alignment) — {@link prepareVqaBase} — then the arm ({@link DigitVqaArm}). MoIIE (default): the
 * dense base up-cycled into the MoIIE arm (`setSeed(100·seed + trainSamples)`, as the bench suite)
 * and instruction-tuned. MoTE (as the suite's MoTE part): the dense arm (`setSeed(100·seed +
 * moteSourceSamples)`) instruction-tuned on the first `moteSourceSamples` questions, up-cycled with
 * `buildMote` (`setSeed(100·seed + 7)`) and its MoE layers trained on all `trainSamples` questions.
 * The result is measured on the held-out test questions ({@link evaluateDigitVqa}). Deterministic
 * in the seed on one backend.
 *
 * @example
 * ```ts
 * const { model, correct } = await trainDigitVqa({ seed: 0 });
 * await saveDigitVqaModel('runs/digit-vqa', model);
 * const mote = await trainDigitVqa({ seed: 0, arm: 'mote' });
 * ```
 */
export async function trainDigitVqa(options: TrainDigitVqaOptions): Promise<TrainedDigitVqa> {
  const o = parseConfig(TrainDigitVqaOptionsSchema, options, 'trainDigitVqa options');
  const recipe = o.recipe ?? parseConfig(DigitVqaRecipeSchema, {}, 'digit VQA recipe');
  const arm = o.arm ?? 'moiie';
  if (arm === 'mote') return trainMoteDigitVqa(o, recipe);
  const images = o.images ?? defaultImages();
  const { encoder, base, trainAll, report } = await prepareVqaBase(
    recipe,
    o.seed,
    vqaTokenizer(),
    images,
    o.onStep,
  );
  const vqa = upcycleBase(base, encoder, o.seed * 100 + recipe.trainSamples, 'moiie', recipe.upcycleNoise);
  const model = DigitVqaModel.of(encoder, vqa);
  try {
    const tuned = await instructionTune(vqa, trainAll, {
      batchSize: recipe.batchSize,
      seed: o.seed,
      epochs: recipe.epochs,
      onStep: (loss) => o.onStep?.('tune', loss),
    });
    return await scored(model, o, recipe, arm, images, stageSeconds(report) + tuned.seconds, report);
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** The MoTE arm of {@link trainDigitVqa}. */
async function trainMoteDigitVqa(o: TrainDigitVqaOptions, recipe: DigitVqaRecipe): Promise<TrainedDigitVqa> {
  const { moteSourceSamples, moteEpochs } = moteSettings(recipe);
  const images = o.images ?? defaultImages();
  const { encoder, base, trainAll, report } = await prepareVqaBase(
    recipe,
    o.seed,
    vqaTokenizer(),
    images,
    o.onStep,
  );
  const dense = upcycleBase(base, encoder, o.seed * 100 + moteSourceSamples, 'dense', recipe.upcycleNoise);
  let vqa: VqaTransformer;
  let seconds = stageSeconds(report);
  try {
    const tuned = await instructionTune(dense, takeVqa(trainAll, moteSourceSamples), {
      batchSize: recipe.batchSize,
      seed: o.seed,
      epochs: recipe.epochs,
      onStep: (loss) => o.onStep?.('tune', loss),
    });
    seconds += tuned.seconds;
    setSeed(o.seed * 100 + 7);
    vqa = buildMote(dense, {});
  } catch (e) {
    encoder.dispose();
    throw e;
  } finally {
    dense.dispose();
  }
  const model = DigitVqaModel.of(encoder, vqa);
  try {
    // buildMote leaves only the MoE layers trainable (the shared FFN frozen): no trainOnly here.
    const r = await trainVqa(vqa, trainAll, {
      batchSize: recipe.batchSize,
      seed: o.seed,
      epochs: moteEpochs,
      onStep: (loss) => o.onStep?.('mote', loss),
    });
    return await scored(model, o, recipe, 'mote', images, seconds + r.seconds, report);
  } catch (e) {
    model.dispose();
    throw e;
  }
}
