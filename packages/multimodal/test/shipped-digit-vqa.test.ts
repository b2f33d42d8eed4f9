import * as path from 'path';
import { initBackend } from '@moe-zoo/core';
import { readImage } from '@moe-zoo/data';
import { answerQuestion, evaluateDigitVqa, loadPretrained, type DigitVqaModel } from '../src';
import { heldOutDigitScores } from './helpers/digit-vqa';

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
    const { named, parity } = await heldOutDigitScores(model); // 50 images, 5 per class
    expect(named).toBeGreaterThanOrEqual(0.7);
    expect(parity).toBeGreaterThanOrEqual(0.75); // chance 0.5
  });

  it('reads an image file as it reads the same pixels', async () => {
    const file = path.join(__dirname, '..', 'models', 'moiie-digit-vqa', 'example-7.png');
    const pixels = (await readImage(file, { width: 28, height: 28, channels: 1 })).data;
    const fromFile = await answerQuestion(model, file, 'what is the digit ?');
    const fromPixels = await answerQuestion(model, pixels, 'what is the digit ?');
    expect(fromFile.answer).toBe('seven');
    expect(fromFile.probs.seven).toBeCloseTo(fromPixels.probs.seven, 6);
  });

  it('re-measures to the accuracy its card states', async () => {
    expect(card?.name).toBe('moiie-digit-vqa');
    const stated = card?.quality[0];
    expect(stated?.metric).toBe('accuracy');
    const { correct } = await evaluateDigitVqa(model, { seed: 0 });
    expect(correct).toHaveLength(2000);
    const accuracy = correct.reduce((s, c) => s + c, 0) / correct.length;
    expect(accuracy).toBeCloseTo(stated?.value ?? NaN, 3);
    expect(accuracy).toBeGreaterThan(0.75);
  });
});
