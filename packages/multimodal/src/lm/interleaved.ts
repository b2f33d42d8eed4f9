import { DIGIT_WORDS } from '@moe-zoo/audio';
import { makeRng } from '@moe-zoo/core';
import type { DigitImages } from '../mnist';
import { WordTokenizer } from '../tokenizer';
import type { ImageCodebook } from './image-tokens';

/** Modality of a sequence position: padding (no loss, no expert), text, or image token. */
export const MODALITY = { pad: 0, text: 1, image: 2 } as const;

/** Words of the interleaved task besides the special tokens. */
export const INTERLEAVED_WORDS: readonly string[] = [...DIGIT_WORDS, 'and', 'is', ','];

/** The task's word tokenizer (specials, then {@link INTERLEAVED_WORDS}). */
export function interleavedTokenizer(): WordTokenizer {
  return new WordTokenizer(INTERLEAVED_WORDS);
}

/**
 * Interleaved text + image-token sequences in one vocabulary: text ids `[0, textVocab)` from the
 * word tokenizer, image code c as id `textVocab + c`.
 */
export interface InterleavedSet {
  n: number;
  seqLen: number;
  /** [n × seqLen] token ids, right-padded with `<pad>` (0). */
  ids: Int32Array;
  /** [n × seqLen] {@link MODALITY} of each position. */
  modality: Uint8Array;
  textVocab: number;
  codebookSize: number;
  /** textVocab + codebookSize. */
  vocabSize: number;
  /** [n × imagesPerSequence] digit of each image (and of its word). */
  digits: Int32Array;
  /** 1 where the images come before their words (`<img> … is seven`), 0 for captions first. */
  imageFirst: Uint8Array;
}

/** Options of {@link makeInterleavedSet}. */
export interface InterleavedOptions {
  /** Sequences. */
  n: number;
  seed?: number;
  /** Image-word pairs per sequence (default 2). */
  imagesPerSequence?: number;
}

/**
 * Builds an interleaved language-modelling set: each sequence holds `m` (digit word, image) pairs
 * of random images, either caption first, `<bos> seven <img> c1..c16 and two <img> c1..c16 <eos>`,
 * or image first, `<bos> <img> c1..c16 is seven , <img> c1..c16 is two <eos>`, so predicting image
 * tokens can use the word before them and predicting words needs the image. Deterministic per seed.
 *
 * @param codes image tokens of `images` ([images.n × tokensPerImage], from `encodeImages`)
 * @example
 * ```ts
 * const tok = interleavedTokenizer();
 * const set = makeInterleavedSet(images, encodeImages(images, codebook), codebook, tok, { n: 1000, seed: 0 });
 * ```
 */
export function makeInterleavedSet(
  images: DigitImages,
  codes: Int32Array,
  codebook: Pick<ImageCodebook, 'k' | 'tokensPerImage'>,
  tokenizer: WordTokenizer,
  o: InterleavedOptions,
): InterleavedSet {
  const m = o.imagesPerSequence ?? 2;
  const t = codebook.tokensPerImage;
  if (codes.length !== images.n * t)
    throw new Error(
      `makeInterleavedSet: codes has ${codes.length} entries, expected ${images.n} images × ${t}`,
    );
  if (!Number.isInteger(o.n) || o.n < 1) throw new Error(`makeInterleavedSet: n must be >= 1, got ${o.n}`);
  if (!Number.isInteger(m) || m < 1)
    throw new Error(`makeInterleavedSet: imagesPerSequence must be >= 1, got ${m}`);
  const words = DIGIT_WORDS.map((w) => tokenizer.idOf(w));
  const and = tokenizer.idOf('and');
  const is = tokenizer.idOf('is');
  const comma = tokenizer.idOf(',');
  if ([...words, and, is, comma].includes(tokenizer.unkId))
    throw new Error('makeInterleavedSet: the tokenizer lacks a word of INTERLEAVED_WORDS');
  const textVocab = tokenizer.vocabSize;
  // caption first: bos + m·(word img t) + (m−1)·and + eos; image first: bos + m·(img t is word) + (m−1)·, + eos
  const seqLen = Math.max(2 + m * (2 + t) + (m - 1), 2 + m * (3 + t) + (m - 1));
  const ids = new Int32Array(o.n * seqLen);
  const modality = new Uint8Array(o.n * seqLen);
  const digits = new Int32Array(o.n * m);
  const imageFirst = new Uint8Array(o.n);
  const r = makeRng(((o.seed ?? 0) * 104729 + 17) >>> 0);
  for (let s = 0; s < o.n; s++) {
    const seq: number[] = [tokenizer.bosId];
    const mod: number[] = [MODALITY.text];
    const text = (id: number) => (seq.push(id), mod.push(MODALITY.text));
    const image = (img: number) => {
      text(tokenizer.imgId);
      for (let j = 0; j < t; j++) {
        seq.push(textVocab + codes[img * t + j]);
        mod.push(MODALITY.image);
      }
    };
    const first = r() < 0.5;
    imageFirst[s] = first ? 1 : 0;
    for (let p = 0; p < m; p++) {
      const img = Math.floor(r() * images.n);
      const d = images.y[img];
      digits[s * m + p] = d;
      if (p > 0) text(first ? comma : and);
      if (first) {
        image(img);
        text(is);
        text(words[d]);
      } else {
        text(words[d]);
        image(img);
      }
    }
    text(tokenizer.eosId);
    ids.set(seq, s * seqLen);
    modality.set(mod, s * seqLen);
  }
  return {
    n: o.n,
    seqLen,
    ids,
    modality,
    textVocab,
    codebookSize: codebook.k,
    vocabSize: textVocab + codebook.k,
    digits,
    imageFirst,
  };
}

/** A readable form of sequence `i`: words as text, image tokens as `#code`, padding dropped. */
export function describeSequence(set: InterleavedSet, i: number, tokenizer: WordTokenizer): string {
  const out: string[] = [];
  for (let j = 0; j < set.seqLen; j++) {
    const id = set.ids[i * set.seqLen + j];
    const mod = set.modality[i * set.seqLen + j];
    if (mod === MODALITY.pad) continue;
    out.push(mod === MODALITY.image ? `#${id - set.textVocab}` : tokenizer.tokenOf(id));
  }
  return out.join(' ');
}

/** The first `m` sequences of a set (a view: the arrays are shared). */
export function takeInterleaved(set: InterleavedSet, m: number): InterleavedSet {
  if (!Number.isInteger(m) || m < 1 || m > set.n)
    throw new Error(`takeInterleaved: m must be an integer in [1, ${set.n}], got ${m}`);
  const per = set.digits.length / set.n;
  return {
    ...set,
    n: m,
    ids: set.ids.subarray(0, m * set.seqLen),
    modality: set.modality.subarray(0, m * set.seqLen),
    digits: set.digits.subarray(0, m * per),
    imageFirst: set.imageFirst.subarray(0, m),
  };
}
