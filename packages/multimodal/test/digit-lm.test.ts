import * as fsp from 'fs/promises';
import * as os from 'os';
import * as path from 'path';
import { ConfigError, initBackend, setSeed, tf } from '@moe-zoo/core';
import {
  decodeImageTokens,
  DigitLmModel,
  drawDigits,
  fitImageCodebook,
  InterleavedLM,
  interleavedTokenizer,
  loadDigitImages,
  loadDigitLmModel,
  MOMA_ARMS,
  nameDigit,
  nameDigitPixels,
  saveDigitLmModel,
  type ImageCodebook,
} from '../src';

let tmp: string;
let codebook: ImageCodebook;
const images = () => loadDigitImages(0, 3);

beforeAll(async () => {
  await initBackend();
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'digit-lm-'));
  codebook = fitImageCodebook(images(), { k: 16, seed: 0 });
});
afterAll(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

/** An untrained MoMa digit LM (4 text + 4 image experts) over a 16-code codebook. */
function tinyModel(seed = 0): DigitLmModel {
  setSeed(seed);
  const lm = new InterleavedLM({
    vocabSize: interleavedTokenizer().vocabSize + codebook.k,
    seqLen: 20,
    dim: 16,
    heads: 2,
    hidden: 16,
    ffn: MOMA_ARMS.moma4t4i,
  });
  return DigitLmModel.of(lm, codebook);
}

describe('DigitLmModel', () => {
  it('refuses a config whose vocabulary or length does not fit the codebook, naming the field', () => {
    const lm = { vocabSize: interleavedTokenizer().vocabSize + 16, seqLen: 20 };
    const wrongVocab = () =>
      new DigitLmModel({ lm: { ...lm, vocabSize: 30 }, codebook: { patch: 7, k: 16 } });
    expect(wrongVocab).toThrow(ConfigError);
    expect(wrongVocab).toThrow(/lm\.vocabSize/);
    expect(() => new DigitLmModel({ lm: { ...lm, seqLen: 12 }, codebook: { patch: 7, k: 16 } })).toThrow(
      /lm\.seqLen/,
    );
    expect(() => new DigitLmModel({ lm, codebook: { patch: 5, k: 16 } })).toThrow(/codebook\.patch/);
  });

  it('saves and loads with its codebook: the same names and drawings, bit for bit', async () => {
    const model = tinyModel();
    const x = images().x;
    const before = nameDigitPixels(model, x, images().n);
    const drawn = drawDigits(model, 'three', { count: 2, temperature: 1, seed: 5 });
    await saveDigitLmModel(tmp, model);
    model.dispose();
    const { model: again } = await loadDigitLmModel(tmp);
    try {
      expect(again.codebook().centroids).toEqual(codebook.centroids);
      const after = nameDigitPixels(again, x, images().n);
      expect(after.probs).toEqual(before.probs);
      expect(after.digits).toEqual(before.digits);
      expect(drawDigits(again, 3, { count: 2, temperature: 1, seed: 5 })).toEqual(drawn);
    } finally {
      again.dispose();
    }
  });
});

describe('nameDigit / drawDigits', () => {
  let model: DigitLmModel;
  beforeAll(() => (model = tinyModel(1)));
  afterAll(() => model.dispose());

  it('names each image on its own: causal routing makes the batch irrelevant', async () => {
    const set = images();
    const batch = nameDigitPixels(model, set.x, set.n);
    for (const i of [0, 7, set.n - 1]) {
      const one = await nameDigit(model, set.x.slice(i * 784, (i + 1) * 784));
      expect(one.digit).toBe(batch.digits[i]);
      one.probs.forEach((p, d) => expect(p).toBeCloseTo(batch.probs[i * 10 + d], 5));
      expect(one.probs.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 5);
    }
    await expect(nameDigit(model, [0.5])).rejects.toThrow(/nameDigit: the image has 1 values/);
  });

  it('draws the greedy codes whatever the seed, samples reproducibly, and decodes the codes it returns', () => {
    const greedy = drawDigits(model, 7, { seed: 1 });
    expect(drawDigits(model, 'seven', { seed: 2 })).toEqual(greedy);
    const sampled = drawDigits(model, 7, { count: 3, temperature: 1, seed: 4 });
    expect(drawDigits(model, 7, { count: 3, temperature: 1, seed: 4 })).toEqual(sampled);
    expect(sampled).toHaveLength(3);
    for (const d of sampled) {
      expect(d.codes).toHaveLength(16);
      expect(d.image.data).toEqual(decodeImageTokens(d.codes, codebook));
    }
    const all = new Set(sampled.flatMap((d) => Array.from(d.codes)));
    expect(all.size).toBeGreaterThan(1); // an untrained LM sampled at temperature 1 does not repeat one code
  });

  it('rejects a bad digit, count or temperature, naming it', () => {
    expect(() => drawDigits(model, 10)).toThrow(/digit must be 0..9/);
    expect(() => drawDigits(model, 'eleven')).toThrow(/eleven/);
    expect(() => drawDigits(model, 1, { count: 0 })).toThrow(/count/);
    expect(() => drawDigits(model, 1, { temperature: -1 })).toThrow(/temperature/);
  });

  it('leaves no tensor behind', async () => {
    const set = images();
    // Warm-up: kernels and lazily built state (one causal mask per prompt length).
    nameDigitPixels(model, set.x, set.n);
    drawDigits(model, 2, { count: 2, temperature: 1 });
    const before = tf.memory().numTensors;
    nameDigitPixels(model, set.x, set.n);
    drawDigits(model, 2, { count: 2, temperature: 1 });
    await nameDigit(model, set.x.slice(0, 784));
    expect(tf.memory().numTensors).toBe(before);
  });
});
