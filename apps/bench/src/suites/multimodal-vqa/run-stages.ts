/** One seed's data and shared stages: vision tower, VQA sets, text-only LM (stage 0), connector alignment (stage 1). */
import { setSeed } from '@moe-zoo/core';
import {
  alignConnector,
  DigitEncoder,
  encoderAccuracy,
  evaluateVqa,
  makeVqaSet,
  pretrainDigitEncoder,
  pretrainLanguageModel,
  questionOnlyAccuracy,
  VqaTransformer,
  withEncoderTokens,
  type DigitImages,
  type VqaSet,
  type WordTokenizer,
} from '@moe-zoo/multimodal';
import type { VqaPlan } from './plan';

/** What the stages took and reached, for the seed's note. */
export interface StageReport {
  encoderAccuracy: number;
  encoderSeconds: number;
  textSeconds: number;
  alignSeconds: number;
  /** VQA accuracy of the base model after stage 1. */
  baseAccuracy: number;
  /** Accuracy of the best answer per question without the image (the image-blind reference). */
  questionOnly: number;
}

/** A seed's base model after stage 1, its training pool (largest size) and test set, both with visual tokens. */
export interface PreparedSeed {
  base: VqaTransformer;
  trainAll: VqaSet;
  test: VqaSet;
  report: StageReport;
}

/**
 * Trains the seed's vision tower, encodes the sets with it, and runs stages 0 and 1 on a fresh base
 * model; every arm of the seed is up-cycled from this base and tested on the same questions.
 */
export async function prepareSeed(
  plan: VqaPlan,
  seed: number,
  tok: WordTokenizer,
  images: { pool: DigitImages; test: DigitImages },
): Promise<PreparedSeed> {
  setSeed(seed);
  const encoder = new DigitEncoder();
  const enc = await pretrainDigitEncoder(encoder, images.pool, { epochs: plan.encoderEpochs, seed });
  const encAcc = encoderAccuracy(encoder, images.test);
  const withTokens = (s: VqaSet) => withEncoderTokens(s, encoder);
  const text = makeVqaSet(undefined, {
    n: plan.textSamples,
    seed: seed * 10 + 1,
    tokenizer: tok,
    families: ['parity', 'compare', 'ink', 'digit'],
  });
  const align = withTokens(
    makeVqaSet(images.pool, {
      n: plan.alignSamples,
      seed: seed * 10 + 2,
      tokenizer: tok,
      families: ['digit', 'ink'],
    }),
  );
  const maxSize = Math.max(...plan.sizes);
  const trainAll = withTokens(makeVqaSet(images.pool, { n: maxSize, seed: seed * 10 + 3, tokenizer: tok }));
  const test = withTokens(
    makeVqaSet(images.test, { n: plan.testSamples, seed: 1000 + seed, tokenizer: tok }),
  );
  encoder.dispose();

  setSeed(seed);
  const base = new VqaTransformer({
    vocabSize: tok.vocabSize,
    patchDim: trainAll.tokens?.dim,
    dim: plan.dim,
    hidden: plan.hidden,
  });
  const opts = { batchSize: plan.batchSize, seed };
  const s0 = await pretrainLanguageModel(base, text, { ...opts, epochs: plan.textEpochs, lr: 1e-2 });
  const s1 = await alignConnector(base, align, { ...opts, epochs: plan.alignEpochs });
  return {
    base,
    trainAll,
    test,
    report: {
      encoderAccuracy: encAcc,
      encoderSeconds: enc.seconds,
      textSeconds: s0.seconds,
      alignSeconds: s1.seconds,
      baseAccuracy: evaluateVqa(base, test).accuracy,
      questionOnly: questionOnlyAccuracy(trainAll, test),
    },
  };
}
