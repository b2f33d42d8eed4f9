/** Shared pieces of the digit-VQA tests: small models of each arm, a question batch, the held-out check. */
import { setSeed, tf } from '@moe-zoo/core';
import {
  answerQuestion,
  buildMote,
  DigitEncoder,
  DIGIT_NAMES,
  DigitVqaModel,
  loadDigitImages,
  MNIST_SPLITS,
  upcycleArm,
  vqaTokenizer,
  VqaTransformer,
} from '../../src';

/** A small digit-VQA model of every kind of part: encoder, connector and the arm's routed slots. */
export function smallDigitVqa(arm: 'moiie' | 'mote', seed: number): DigitVqaModel {
  setSeed(seed);
  const encoder = new DigitEncoder({ channels1: 4, channels: 8 });
  const base = new VqaTransformer({
    vocabSize: vqaTokenizer().vocabSize,
    patchDim: 8,
    dim: 16,
    heads: 2,
    hidden: 16,
  });
  const upcycled = upcycleArm(base, arm === 'mote' ? 'dense' : 'moiie', { noise: 0.1 });
  base.dispose();
  if (arm === 'moiie') return DigitVqaModel.of(encoder, upcycled);
  const mote = buildMote(upcycled, {});
  upcycled.dispose();
  return DigitVqaModel.of(encoder, mote);
}

/** Three random images and one comparison question for each. */
export function questionBatch(seed: number): { images: tf.Tensor4D; question: tf.Tensor2D } {
  const ids = vqaTokenizer().encode('is the digit greater than five ?', { maxLen: 8 });
  return {
    images: tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', seed) as tf.Tensor4D,
    question: tf.tensor2d([ids, ids, ids], [3, 8], 'int32'),
  };
}

/** Shares of 50 held-out MNIST test digits (5 per class) whose digit and parity the model answers right. */
export async function heldOutDigitScores(model: DigitVqaModel): Promise<{ named: number; parity: number }> {
  const digits = loadDigitImages(MNIST_SPLITS.test.from + 10, 5);
  let named = 0;
  let parity = 0;
  for (let i = 0; i < digits.n; i++) {
    const image = digits.x.subarray(i * 784, (i + 1) * 784);
    const label = digits.y[i];
    if ((await answerQuestion(model, image, 'what is the digit ?')).answer === DIGIT_NAMES[label]) named++;
    const odd = await answerQuestion(model, image, 'Is the digit odd?');
    if (odd.answer === (label % 2 === 1 ? 'yes' : 'no')) parity++;
  }
  return { named: named / digits.n, parity: parity / digits.n };
}
