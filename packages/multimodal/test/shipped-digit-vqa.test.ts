import * as path from 'path';
import { initBackend } from '@moe-zoo/core';
import { readImage } from '@moe-zoo/data';
import {
  answerQuestion,
  DIGIT_NAMES,
  evaluateDigitVqa,
  loadDigitImages,
  loadPretrained,
  MNIST_SPLITS,
  type DigitVqaModel,
} from '../src';

// The shipped model, measured on MNIST test-split digits it was never trained on (per class
// [800, 863); training used [0, 800)). A broken or missing model fails these tests. The README's
// example (which answers about example-7.png) is run verbatim by tools/readme-examples.
let model: DigitVqaModel;
let card: Awaited<ReturnType<typeof loadPretrained>>['card'];
beforeAll(async () => {
  await initBackend();
  ({ model, card } = await loadPretrained('moiie-digit-vqa'));
});
afterAll(() => model.dispose());

describe('the shipped moiie-digit-vqa', () => {
  it('names 50 held-out MNIST test digits well above chance (1 in 10), and answers parity from the image', async () => {
    const digits = loadDigitImages(MNIST_SPLITS.test.from + 10, 5); // 5 per class, 50 images
    let named = 0;
    let parity = 0;
    for (let i = 0; i < digits.n; i++) {
      const image = digits.x.subarray(i * 784, (i + 1) * 784);
      const label = digits.y[i];
      if ((await answerQuestion(model, image, 'what is the digit ?')).answer === DIGIT_NAMES[label]) named++;
      const odd = await answerQuestion(model, image, 'Is the digit odd?');
      if (odd.answer === (label % 2 === 1 ? 'yes' : 'no')) parity++;
    }
    expect(named / digits.n).toBeGreaterThanOrEqual(0.7);
    expect(parity / digits.n).toBeGreaterThanOrEqual(0.75); // chance 0.5
  });

  it('reads an image file as it reads the same pixels', async () => {
    const file = path.join(__dirname, '..', 'models', 'moiie-digit-vqa', 'example-7.png');
    const pixels = (await readImage(file, { width: 28, height: 28, channels: 1 })).data;
    const fromFile = await answerQuestion(model, file, 'what is the digit ?');
    const fromPixels = await answerQuestion(model, pixels, 'what is the digit ?');
    expect(fromFile.answer).toBe('seven');
    expect(fromFile.probs.seven).toBeCloseTo(fromPixels.probs.seven, 6);
  });

  it('re-measures to the accuracy its card states', () => {
    expect(card?.name).toBe('moiie-digit-vqa');
    const stated = card?.quality[0];
    expect(stated?.metric).toBe('accuracy');
    const { correct } = evaluateDigitVqa(model, { seed: 0 });
    expect(correct).toHaveLength(2000);
    const accuracy = correct.reduce((s, c) => s + c, 0) / correct.length;
    expect(accuracy).toBeCloseTo(stated?.value ?? NaN, 3);
    expect(accuracy).toBeGreaterThan(0.75);
  });
});
