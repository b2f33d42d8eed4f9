import * as path from 'path';
import { initBackend, tf } from '@moe-zoo/core';
import { readImage } from '@moe-zoo/data';
import {
  DigitLmModel,
  drawDigits,
  interleavedTokenizer,
  loadDigitImages,
  loadPretrained,
  MNIST_SPLITS,
  MODALITY,
  nameDigit,
  nameDigitPixels,
} from '../src';

// The shipped MoMa digit LM, re-measured on MNIST test-range digits it never saw (per class
// [800, 863); training used [0, 800)). A broken or missing model fails these tests.
const DIR = path.join(__dirname, '..', 'models', 'moma-digit-lm');
let model: DigitLmModel;
let card: Awaited<ReturnType<typeof loadPretrained>>['card'];
beforeAll(async () => {
  await initBackend();
  ({ model, card } = (await loadPretrained('moma-digit-lm')) as { model: DigitLmModel; card: typeof card });
});
afterAll(() => model?.dispose());

describe('the shipped moma-digit-lm', () => {
  it('names its example seven, from the file as from its pixels', async () => {
    const file = path.join(DIR, 'example-7.png');
    const named = await nameDigit(model, file);
    expect(named).toMatchObject({ digit: 7, word: 'seven' });
    const pixels = (await readImage(file, { width: 28, height: 28, channels: 1 })).data;
    expect((await nameDigit(model, pixels)).probs[7]).toBeCloseTo(named.probs[7], 6);
  });

  it('re-measures to the naming accuracy its card states', () => {
    const test = loadDigitImages(MNIST_SPLITS.test.from, MNIST_SPLITS.test.max);
    const { digits } = nameDigitPixels(model, test.x, test.n);
    const accuracy = Array.from(digits).filter((d, i) => d === test.y[i]).length / test.n;
    const stated = card?.quality.find((q) => q.metric === 'naming accuracy');
    expect(stated).toBeDefined();
    expect(accuracy).toBeCloseTo(stated?.value ?? NaN, 6);
    expect(accuracy).toBeGreaterThan(0.5); // chance 0.1
  });

  it('sends text tokens only to text experts and image tokens only to image experts', async () => {
    const [seven] = drawDigits(model, 7);
    const tok = interleavedTokenizer();
    const prompt = [tok.bosId, tok.idOf('seven'), tok.imgId];
    const ids = Int32Array.from([...prompt, ...Array.from(seven.codes, (c) => c + tok.vocabSize)]);
    const modality = Uint8Array.from(ids, (_, i) => (i < 3 ? MODALITY.text : MODALITY.image));
    model.eval();
    const input = tf.tensor2d(ids, [1, ids.length], 'int32');
    const { logits, aux } = model.lm.forward(input, modality, { routing: 'aux' });
    const stats = await Promise.all(
      model.lm.moeLayers().map((layer, l) => layer.groupStats(aux[l], modality)),
    );
    tf.dispose([
      logits,
      ...aux.flatMap((a) => [a.counts, a.probs, a.dropped, a.indices, ...Object.values(a.losses)]),
    ]);
    for (const layer of stats)
      expect(layer.map((g) => [g.group, g.tokens])).toEqual([
        ['text', 3],
        ['image', 16],
      ]);
  });
});
