/** The moma suite's data: interleaved (word, image-token) sequences, rebuilt per seed. */
import {
  encodeImages,
  fitImageCodebook,
  interleavedTokenizer,
  loadDigitImages,
  makeInterleavedSet,
  MNIST_SPLITS,
  type DigitImages,
  type ImageCodebook,
  type InterleavedSet,
} from '@moe-zoo/multimodal';
import { CODEBOOK_SIZE, TRAIN_IMAGES_PER_CLASS, VAL_IMAGES_PER_CLASS, type MomaPlan } from './plan';

export interface LmData {
  train: InterleavedSet;
  /** The same sequences in the same order for every arm of the seed (the per-sequence items). */
  val: InterleavedSet;
  /** The image codebook both sets' image tokens come from. */
  codebook: ImageCodebook;
}

/**
 * Training and validation sequences of a seed, image tokens from a codebook fitted on the training
 * images (`trainImagesPerClass` of each digit from MNIST's training range).
 */
export function lmData(
  plan: Pick<MomaPlan, 'trainSequences' | 'valSequences'>,
  seed: number,
  trainImagesPerClass = TRAIN_IMAGES_PER_CLASS,
): LmData {
  const trainImages = loadDigitImages(0, trainImagesPerClass);
  const valImages = loadDigitImages(MNIST_SPLITS.test.from, VAL_IMAGES_PER_CLASS);
  const codebook = fitImageCodebook(trainImages, { k: CODEBOOK_SIZE, seed });
  const tok = interleavedTokenizer();
  const make = (images: DigitImages, n: number, s: number) =>
    makeInterleavedSet(images, encodeImages(images, codebook), codebook, tok, { n, seed: s });
  return {
    train: make(trainImages, plan.trainSequences, seed * 2),
    val: make(valImages, plan.valSequences, seed * 2 + 1),
    codebook,
  };
}

/** Mean number of input positions per validation sequence that are text or image (routed) tokens. */
export function routedPerSequence(val: InterleavedSet): number {
  const tokens = val.seqLen - 1;
  let routed = 0;
  for (let i = 0; i < val.n; i++)
    for (let j = 0; j < tokens; j++) routed += val.modality[i * val.seqLen + j] > 0 ? 1 : 0;
  return routed / val.n;
}
