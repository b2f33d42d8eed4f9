/**
 * The shared stages of the miniature MoIIE recipe for one seed: vision tower pre-training, the VQA
 * sets, stage 0 (text-only language model) and stage 1 (connector alignment) on a fresh base model.
 * The multimodal-vqa bench suite and {@link trainDigitVqa} both start from here.
 */
import { setSeed } from '@moe-zoo/core';
import type { DigitImages } from '../mnist';
import type { WordTokenizer } from '../tokenizer';
import { questionOnlyAccuracy } from '../vqa/baselines';
import { makeVqaSet, type VqaSet } from '../vqa/data';
import { VqaTransformer } from '../vqa/model';
import { CROSS_MODAL_TYPES, type QuestionType } from '../vqa/questions';
import { evaluateVqa } from '../vqa/train';
import {
  DigitEncoder,
  encoderAccuracy,
  pretrainDigitEncoder,
  withEncoderTokens,
} from '../vqa/vision-encoder';
import { alignConnector, pretrainLanguageModel } from './recipe';

/** Sizes and schedules of the shared stages. */
export interface VqaStagesPlan {
  dim: number;
  /** FFN width of the base model. */
  hidden: number;
  encoderEpochs: number;
  /** Stage 0: text-only language modelling on captions. */
  textSamples: number;
  textEpochs: number;
  /** Stage 1: connector-only alignment. */
  alignSamples: number;
  alignEpochs: number;
  /** Size of the stage-2 training pool (instruction tuning takes prefixes of it). */
  trainSamples: number;
  testSamples: number;
  batchSize: number;
  /** Question families of the training pool and the test set (default the cross-modal ones). */
  families?: readonly QuestionType[];
}

/** The stage a step belongs to: vision tower, stage 0, stage 1 (stage 2 is the caller's). */
export type VqaStage = 'encoder' | 'text' | 'align';

/** What the stages took and reached. */
export interface VqaStageReport {
  encoderAccuracy: number;
  encoderSeconds: number;
  textSeconds: number;
  alignSeconds: number;
  /** VQA accuracy of the base model after stage 1. */
  baseAccuracy: number;
  /** Accuracy of the best answer per question without the image (the image-blind reference). */
  questionOnly: number;
}

/** The frozen vision tower, the base model after stage 1, the training pool and the test set (with visual tokens). */
export interface PreparedVqaBase {
  encoder: DigitEncoder;
  base: VqaTransformer;
  trainAll: VqaSet;
  test: VqaSet;
  report: VqaStageReport;
}

/**
 * Trains the seed's vision tower (then frozen), builds the sets with its visual tokens (text set
 * seed `10·seed + 1`, alignment `+ 2`, training pool `+ 3`, test `1000 + seed`), and runs stages 0
 * and 1 on a fresh base model (dense FFNs of width `hidden`), all from `setSeed(seed)`. The caller
 * owns (and disposes) `encoder` and `base`.
 *
 * @example
 * ```ts
 * const images = { pool: loadDigitImages(0, 800), test: loadDigitImages(800, 63) };
 * const { encoder, base, trainAll, test } = await prepareVqaBase(plan, 0, vqaTokenizer(), images);
 * const model = upcycleArm(base, 'moiie', { noise: 0.1 });
 * ```
 */
export async function prepareVqaBase(
  plan: VqaStagesPlan,
  seed: number,
  tok: WordTokenizer,
  images: { pool: DigitImages; test: DigitImages },
  onStep?: (stage: VqaStage, loss: number) => void,
): Promise<PreparedVqaBase> {
  setSeed(seed);
  const encoder = new DigitEncoder();
  const enc = await pretrainDigitEncoder(encoder, images.pool, {
    epochs: plan.encoderEpochs,
    seed,
    onStep: (loss) => onStep?.('encoder', loss),
  });
  const encAcc = await encoderAccuracy(encoder, images.test);
  const withTokens = (s: VqaSet) => withEncoderTokens(s, encoder);
  const text = makeVqaSet(undefined, {
    n: plan.textSamples,
    seed: seed * 10 + 1,
    tokenizer: tok,
    families: ['parity', 'compare', 'ink', 'digit'],
  });
  const align = await withTokens(
    makeVqaSet(images.pool, {
      n: plan.alignSamples,
      seed: seed * 10 + 2,
      tokenizer: tok,
      families: ['digit', 'ink'],
    }),
  );
  const families = plan.families ?? CROSS_MODAL_TYPES;
  const trainAll = await withTokens(
    makeVqaSet(images.pool, { n: plan.trainSamples, seed: seed * 10 + 3, tokenizer: tok, families }),
  );
  const test = await withTokens(
    makeVqaSet(images.test, { n: plan.testSamples, seed: 1000 + seed, tokenizer: tok, families }),
  );

  setSeed(seed);
  const base = new VqaTransformer({
    vocabSize: tok.vocabSize,
    patchDim: trainAll.tokens?.dim,
    dim: plan.dim,
    hidden: plan.hidden,
  });
  const opts = { batchSize: plan.batchSize, seed };
  const s0 = await pretrainLanguageModel(base, text, {
    ...opts,
    epochs: plan.textEpochs,
    lr: 1e-2,
    onStep: (loss) => onStep?.('text', loss),
  });
  const s1 = await alignConnector(base, align, {
    ...opts,
    epochs: plan.alignEpochs,
    onStep: (loss) => onStep?.('align', loss),
  });
  return {
    encoder,
    base,
    trainAll,
    test,
    report: {
      encoderAccuracy: encAcc,
      encoderSeconds: enc.seconds,
      textSeconds: s0.seconds,
      alignSeconds: s1.seconds,
      baseAccuracy: (await evaluateVqa(base, test)).accuracy,
      questionOnly: questionOnlyAccuracy(trainAll, test),
    },
  };
}
