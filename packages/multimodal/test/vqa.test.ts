import { initBackend, setSeed, tf } from '@moe-zoo/core';
import {
  copyMatchingWeights,
  DigitEncoder,
  DIGIT_NAMES,
  encoderAccuracy,
  evaluateVqa,
  inkHalves,
  loadDigitImages,
  makeVqaSet,
  pretrainDigitEncoder,
  QUESTION_TYPES,
  shiftImage,
  takeVqa,
  trainVqa,
  VQA_ANSWERS,
  vqaBatch,
  vqaTokenizer,
  VqaTransformer,
  withEncoderTokens,
  withPatchTokens,
  type VqaSet,
} from '../src';

const tok = vqaTokenizer();

/** Recomputes the answer of sample i from its question text, label and pixels. */
function expectedAnswer(set: VqaSet, i: number): string {
  const words = tok.decode(
    Array.from(set.question.subarray(i * set.questionLen, (i + 1) * set.questionLen)),
    {
      skipSpecial: true,
    },
  );
  const label = set.label[i];
  const ink = inkHalves(set.pixels.subarray(i * 784, (i + 1) * 784));
  if (words === 'is the digit even ?') return label % 2 === 0 ? 'yes' : 'no';
  if (words === 'is the digit odd ?') return label % 2 === 1 ? 'yes' : 'no';
  if (words === 'what is the digit ?') return DIGIT_NAMES[label];
  if (words === 'more ink : top or bottom ?') return ink.top > ink.bottom ? 'top' : 'bottom';
  if (words === 'more ink : left or right ?') return ink.left > ink.right ? 'left' : 'right';
  const m = /^is the digit (greater|less) than (\w+) \?$/.exec(words);
  if (!m) throw new Error(`unexpected question "${words}"`);
  const n = DIGIT_NAMES.indexOf(m[2] as (typeof DIGIT_NAMES)[number]);
  return (m[1] === 'greater' ? label > n : label < n) ? 'yes' : 'no';
}

/** Accuracy of the best predictor that only sees `key(i)` (majority answer per key). */
function bestFromKey(set: VqaSet, key: (i: number) => string): number {
  const counts = new Map<string, Map<number, number>>();
  for (let i = 0; i < set.n; i++) {
    const k = key(i);
    const m = counts.get(k) ?? new Map<number, number>();
    m.set(set.answer[i], (m.get(set.answer[i]) ?? 0) + 1);
    counts.set(k, m);
  }
  let ok = 0;
  for (const m of counts.values()) ok += Math.max(...m.values());
  return ok / set.n;
}

describe('digit VQA data', () => {
  const images = loadDigitImages(0, 40);
  const set = makeVqaSet(images, { n: 1200, seed: 3, tokenizer: tok });

  it('answers every question correctly from the image and the question', () => {
    for (let i = 0; i < set.n; i++) expect(VQA_ANSWERS[set.answer[i]]).toBe(expectedAnswer(set, i));
    const types = new Set(Array.from(set.type, (t) => QUESTION_TYPES[t]));
    expect([...types].sort()).toEqual(['compare', 'ink', 'parity']);
  });

  it('needs both modalities: neither the question alone nor the digit alone determines the answer', () => {
    const question = (i: number) => Array.from(set.question.subarray(i * 8, (i + 1) * 8)).join(',');
    const digit = (i: number) => String(set.label[i]);
    const both = (i: number) => `${question(i)}|${digit(i)}|${set.type[i] === 2 ? set.answer[i] : ''}`;
    expect(bestFromKey(set, question)).toBeLessThan(0.75);
    expect(bestFromKey(set, digit)).toBeLessThan(0.7);
    expect(bestFromKey(set, both)).toBe(1);
  });

  it('is deterministic per seed, and a prefix is a smaller set', () => {
    const again = makeVqaSet(images, { n: 1200, seed: 3, tokenizer: tok });
    expect(again.question).toEqual(set.question);
    expect(again.pixels).toEqual(set.pixels);
    const other = makeVqaSet(images, { n: 1200, seed: 4, tokenizer: tok });
    expect(other.question).not.toEqual(set.question);
    const small = takeVqa(set, 100);
    expect(small.n).toBe(100);
    expect(small.answer).toEqual(set.answer.subarray(0, 100));
    expect(() => takeVqa(set, 5000)).toThrow(/m must be/);
  });

  it('shifts images and cuts patches; text-only sets have captions but no pixels', () => {
    const img = images.x.subarray(0, 784);
    const shifted = shiftImage(img, 2, -1);
    expect(shifted[5 * 28 + 12]).toBe(img[6 * 28 + 10]);
    const patched = withPatchTokens(takeVqa(set, 4), 7);
    expect(patched.tokens?.count).toBe(16);
    expect(patched.tokens?.data[49]).toBe(set.pixels[7]); // patch 1, pixel (0, 0) = image pixel (0, 7)
    const text = makeVqaSet(undefined, { n: 50, seed: 1, tokenizer: tok, families: ['digit'] });
    expect(text.pixels.length).toBe(0);
    expect(tok.decode(Array.from(text.caption.subarray(0, 3)))).toMatch(/^\w+ (top|bottom) (left|right)$/);
    expect(VQA_ANSWERS[text.answer[0]]).toBe(DIGIT_NAMES[text.label[0]]);
    expect(() => vqaBatch(text, [0], 'image')).toThrow(/no visual tokens/);
    expect(() => loadDigitImages(850, 20)).toThrow(/exceeds/);
  });
});

describe('VqaTransformer', () => {
  beforeAll(async () => {
    await initBackend();
  });

  it('maps a batch to answer logits; pad tokens do not change them; bad shapes are named', () => {
    setSeed(1);
    const set = withPatchTokens(makeVqaSet(loadDigitImages(0, 2), { n: 6, seed: 1, tokenizer: tok }), 7);
    const model = new VqaTransformer({ vocabSize: tok.vocabSize, patchDim: 49, dim: 32 });
    const batch = vqaBatch(set, [0, 1, 2, 3, 4, 5]);
    const before = tf.tidy(() => model.forward(batch).logits.arraySync());
    expect([before.length, before[0].length]).toEqual([6, VQA_ANSWERS.length]);
    tf.tidy(() => {
      const w = model.embed.weight;
      w.assign(tf.concat([tf.fill([1, 32], 7), tf.slice(w, [1, 0], [-1, -1])]));
    });
    const after = tf.tidy(() => model.forward(batch).logits.arraySync());
    after.flat().forEach((v, i) => expect(v).toBeCloseTo(before.flat()[i], 4));
    expect(() => model.forward({ question: batch.question })).toThrow(/caption must be/);
    expect(() => model.forward({ ...batch, question: tf.zeros([6, 5], 'int32') as tf.Tensor2D })).toThrow(
      /\[B, 8\]/,
    );
    expect(() => new VqaTransformer({ vocabSize: 10, dim: 30, heads: 4 })).toThrow(/divisible/);
    const twin = new VqaTransformer({ vocabSize: tok.vocabSize, patchDim: 49, dim: 32 });
    expect(copyMatchingWeights(model, twin).length).toBe(model.namedParameters().length);
    const twinLogits = tf.tidy(() => twin.forward(batch).logits.arraySync());
    expect(twinLogits).toEqual(after);
    tf.dispose([batch.image, batch.question, batch.answer].filter((t) => t !== undefined));
    model.dispose();
    twin.dispose();
  });

  it('pre-trains the CNN vision tower above chance and reads images as 16 tokens', async () => {
    setSeed(0);
    const encoder = new DigitEncoder({ channels1: 8, channels: 16 });
    const r = await pretrainDigitEncoder(encoder, loadDigitImages(0, 200), { epochs: 6, seed: 0 });
    expect(r.losses.at(-1)).toBeLessThan(r.losses[0]);
    expect(await encoderAccuracy(encoder, loadDigitImages(800, 30))).toBeGreaterThan(0.3); // chance 0.1
    expect(encoder.parameters().length).toBe(0); // frozen after pre-training
    const set = await withEncoderTokens(
      makeVqaSet(loadDigitImages(0, 1), { n: 3, seed: 0, tokenizer: tok }),
      encoder,
    );
    expect(set.tokens?.count).toBe(16);
    expect(set.tokens?.data.length).toBe(3 * 16 * 16);
    encoder.dispose();
  });

  it('learns a cross-modal question (which half holds more ink) above chance; deterministic and leak-free', async () => {
    const opts = { tokenizer: tok, families: ['ink'] as const, inkMargin: 0.3 };
    const train = withPatchTokens(makeVqaSet(loadDigitImages(0, 100), { ...opts, n: 640, seed: 1 }), 7);
    const test = withPatchTokens(makeVqaSet(loadDigitImages(800, 30), { ...opts, n: 300, seed: 2 }), 7);
    const run = async (set: VqaSet, epochs: number) => {
      setSeed(5);
      const model = new VqaTransformer({ vocabSize: tok.vocabSize, patchDim: 49, dim: 32, hidden: 32 });
      const counts: number[] = [];
      const r = await trainVqa(model, set, {
        epochs,
        batchSize: 32,
        lr: 1e-2,
        seed: 0,
        onStep: () => counts.push(tf.memory().numTensors),
      });
      return { model, r, counts };
    };
    const a = await run(train, 4);
    const ev = await evaluateVqa(a.model, test);
    // The question names two halves: a model that ignores the image scores 0.5 on ink questions.
    expect(ev.byType.ink).toBeGreaterThan(0.7);
    expect(a.r.losses.at(-1)).toBeLessThan(a.r.losses[0] * 0.5);
    expect(new Set(a.counts.slice(1)).size).toBe(1); // the tensor count is flat from step to step
    a.model.dispose();
    // Same seed, same numbers (a short run is enough to show it).
    const small = takeVqa(train, 128);
    const [b, c] = [await run(small, 1), await run(small, 1)];
    expect(c.r.losses).toEqual(b.r.losses);
    const t0 = tf.memory().numTensors;
    expect((await evaluateVqa(c.model, test)).predictions).toEqual(
      (await evaluateVqa(b.model, test)).predictions,
    );
    expect(tf.memory().numTensors).toBe(t0);
    b.model.dispose();
    c.model.dispose();
  });
});
