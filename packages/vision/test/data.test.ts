import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeRng } from '@moe-zoo/core';
import {
  ANSWERS,
  answerId,
  CONTENT_TYPES,
  GENERATOR_VERSION,
  imagePool,
  loadVisionData,
  MAX_WORDS,
  QUESTIONS,
  randomChartSpec,
  subsetVqa,
  tokenize,
  visionCacheDir,
  type VqaSet,
} from '../src';

const small = { pretrainPerType: 12, trainPerType: 16, testPerType: 8 };

function answersConsistent(set: VqaSet): void {
  for (let i = 0; i < set.n; i++) {
    const q = QUESTIONS[set.question[i]];
    expect(CONTENT_TYPES[set.type[i]]).toBe(q.type);
    const facts = { type: q.type, label: set.label[i], text: set.text[i], bars: set.bars[i] };
    expect(ANSWERS[set.answer[i]]).toBe(q.answer(facts));
  }
}

describe('visual-question data', () => {
  let cache = '';
  const saved = process.env.MOE_ZOO_CACHE;
  beforeAll(() => {
    cache = mkdtempSync(path.join(tmpdir(), 'vision-cache-'));
    process.env.MOE_ZOO_CACHE = cache;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.MOE_ZOO_CACHE;
    else process.env.MOE_ZOO_CACHE = saved;
  });

  it('is deterministic per seed, caches renders, and differs across seeds', async () => {
    const a = await loadVisionData({ seed: 3, ...small });
    const dir = visionCacheDir(GENERATOR_VERSION, 3);
    expect(dir.startsWith(cache)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith('.bin')).length).toBe(6); // text + chart x 3 splits
    const b = await loadVisionData({ seed: 3, ...small }); // from the cache
    const c = await loadVisionData({ seed: 3, ...small, cache: false }); // rendered again
    for (const other of [b, c]) {
      expect(other.train.images).toEqual(a.train.images);
      expect(other.test.tokens).toEqual(a.test.tokens);
      expect(other.test.answer).toEqual(a.test.answer);
    }
    const d = await loadVisionData({ seed: 4, ...small, cache: false });
    expect(d.train.images).not.toEqual(a.train.images);
    expect(existsSync(visionCacheDir(GENERATOR_VERSION, 4))).toBe(false);
  });

  it('builds interleaved, consistent splits with the right sizes and value ranges', async () => {
    const data = await loadVisionData({ seed: 0, ...small, cache: false });
    expect(data.train.n).toBe(4 * small.trainPerType);
    expect(data.test.n).toBe(4 * small.testPerType);
    expect(data.pretrain.n).toBe(4 * small.pretrainPerType);
    for (const set of [data.pretrain, data.train, data.test]) {
      answersConsistent(set);
      expect(Array.from(set.type.subarray(0, 8))).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
      expect(set.images.length).toBe(set.n * 32 * 32);
      expect(Math.min(...set.images)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...set.images)).toBeLessThanOrEqual(1);
      expect(set.tokens.length).toBe(set.n * MAX_WORDS);
      // Every image has ink.
      for (let i = 0; i < set.n; i++) {
        expect(Math.max(...set.images.subarray(i * 1024, (i + 1) * 1024))).toBeGreaterThan(0.3);
      }
    }
    // Every question template of a type gets used.
    expect(new Set(data.train.question).size).toBe(QUESTIONS.length);
    const sub = subsetVqa(data.test, [5, 1]);
    expect(sub.n).toBe(2);
    expect(sub.answer[0]).toBe(data.test.answer[5]);
    expect(sub.images.subarray(1024, 2048)).toEqual(data.test.images.subarray(1024, 2048));
  });

  it('asks only the chosen question templates, on the same images', async () => {
    const all = await loadVisionData({ seed: 0, ...small, cache: false });
    const ids = ['digit-odd', 'fashion-class', 'text-last', 'chart-tallest'];
    const some = await loadVisionData({ seed: 0, ...small, cache: false, questions: ids });
    for (const set of [some.pretrain, some.train, some.test]) {
      answersConsistent(set);
      expect(new Set(Array.from(set.question, (q) => QUESTIONS[q].id))).toEqual(new Set(ids));
    }
    expect(some.train.images).toEqual(all.train.images);
    await expect(loadVisionData({ ...small, questions: [...ids, 'digit-colour'] })).rejects.toThrow(
      /unknown question template\(s\) digit-colour/,
    );
    await expect(loadVisionData({ ...small, questions: ids.slice(1) })).rejects.toThrow(
      /no question template of type mnist/,
    );
  });

  it('draws mnist / fashion-mnist test images from fixed pools disjoint from training', async () => {
    for (const pkg of ['mnist', 'fashion-mnist'] as const) {
      const train = imagePool(pkg, 'train');
      const test = imagePool(pkg, 'test');
      const key = (p: typeof train, i: number) => `${p.label[i]}:${p.index[i]}`;
      const seen = new Set(Array.from(train.label, (_, i) => key(train, i)));
      expect(Array.from(test.label, (_, i) => key(test, i)).some((k) => seen.has(k))).toBe(false);
      expect(new Set(test.label).size).toBe(10);
    }
    // Pretraining and training images never coincide (same pool, disjoint draws).
    const data = await loadVisionData({ seed: 1, ...small, cache: false });
    const sig = (s: VqaSet, i: number) => s.images.subarray(i * 1024, (i + 1) * 1024).join(',');
    const pre = new Set(
      Array.from({ length: data.pretrain.n }, (_, i) => i)
        .filter((i) => data.pretrain.type[i] < 2)
        .map((i) => sig(data.pretrain, i)),
    );
    for (let i = 0; i < data.train.n; i++)
      if (data.train.type[i] < 2) expect(pre.has(sig(data.train, i))).toBe(false);
  });

  it('makes charts with a unique tallest and shortest bar and distinct end bars', () => {
    const rng = makeRng(7);
    for (let i = 0; i < 200; i++) {
      const c = randomChartSpec(rng, 32);
      expect(c.heights.length).toBeGreaterThanOrEqual(3);
      expect(c.heights.length).toBeLessThanOrEqual(6);
      const sorted = [...c.heights].sort((a, b) => b - a);
      expect(sorted[0]).toBeGreaterThan(sorted[1]);
      expect(sorted[sorted.length - 2]).toBeGreaterThan(sorted[sorted.length - 1]);
      expect(c.heights[0]).not.toBe(c.heights[c.heights.length - 1]);
    }
  });

  it('rejects unknown words, answers and bad sizes', async () => {
    expect(() => tokenize('what is a zebra')).toThrow(/unknown word "zebra"/);
    expect(() => answerId('maybe')).toThrow(/"maybe" is not in the answer vocabulary/);
    await expect(loadVisionData({ trainPerType: 0 })).rejects.toThrow(
      /trainPerType \(mnist\) must be an integer >= 1/,
    );
    await expect(loadVisionData({ size: 20 })).rejects.toThrow(/size must be an integer >= 28/);
  });
});
