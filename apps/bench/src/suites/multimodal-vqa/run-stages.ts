/** One seed's data and shared stages: vision tower, VQA sets, text-only LM (stage 0), connector alignment (stage 1). */
import {
  prepareVqaBase,
  type DigitImages,
  type VqaSet,
  type VqaStageReport,
  type VqaTransformer,
  type WordTokenizer,
} from '@moe-zoo/multimodal';
import type { VqaPlan } from './plan';

/** What the stages took and reached, for the seed's note. */
export type StageReport = VqaStageReport;

/** A seed's base model after stage 1, its training pool (largest size) and test set, both with visual tokens. */
export interface PreparedSeed {
  base: VqaTransformer;
  trainAll: VqaSet;
  test: VqaSet;
  report: StageReport;
}

/**
 * Trains the seed's vision tower, encodes the sets with it, and runs stages 0 and 1 on a fresh base
 * model (the package's `prepareVqaBase`, training pool of the largest size); every arm of the seed
 * is up-cycled from this base and tested on the same questions.
 */
export async function prepareSeed(
  plan: VqaPlan,
  seed: number,
  tok: WordTokenizer,
  images: { pool: DigitImages; test: DigitImages },
): Promise<PreparedSeed> {
  const { encoder, base, trainAll, test, report } = await prepareVqaBase(
    { ...plan, trainSamples: Math.max(...plan.sizes) },
    seed,
    tok,
    images,
  );
  encoder.dispose();
  return { base, trainAll, test, report };
}
