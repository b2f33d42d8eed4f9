import { z } from 'zod';
import { LIMITS, parseConfig } from '@moe-zoo/core';

/** Special tokens; they always occupy ids 0..5 in this order. */
export const SPECIAL_TOKENS = ['<pad>', '<unk>', '<bos>', '<eos>', '<sep>', '<img>'] as const;

/** One of {@link SPECIAL_TOKENS}. */
export type SpecialToken = (typeof SPECIAL_TOKENS)[number];

/** Options of {@link WordTokenizer.encode}. */
export interface EncodeOptions {
  /**
   * Output length: longer sequences are truncated (the `<eos>` requested by `addEos` is kept as the last
   * token), shorter ones are padded with `<pad>` unless `pad` is false.
   */
  maxLen?: number;
  /** Prepend `<bos>` (default false). */
  addBos?: boolean;
  /** Append `<eos>` (default false). */
  addEos?: boolean;
  /** Pad to `maxLen` with `<pad>` (default true when `maxLen` is given). */
  pad?: boolean;
}

/** Options of {@link WordTokenizer.decode}. */
export interface DecodeOptions {
  /** Drop special tokens (`<pad>`, `<bos>`, ...) from the output (default false). */
  skipSpecial?: boolean;
}

/** The serialised form of a {@link WordTokenizer}: its non-special words in id order. */
export const TokenizerJsonSchema = z.strictObject({
  words: z.array(z.string().min(1).max(256)).max(LIMITS.vocab),
});

const SPECIAL_SET: ReadonlySet<string> = new Set(SPECIAL_TOKENS);
const SPLIT_RE = new RegExp(`${SPECIAL_TOKENS.join('|')}|[\\p{L}\\p{N}]+|[^\\s\\p{L}\\p{N}]`, 'gu');

/**
 * Splits lowercased `text` into word tokens: runs of letters/digits, single punctuation characters and
 * literal special tokens (e.g. `<img>`); whitespace only separates.
 *
 * @example `splitWords('Is it EVEN?')` → `['is', 'it', 'even', '?']`
 */
export function splitWords(text: string): string[] {
  return text.toLowerCase().match(SPLIT_RE) ?? [];
}

/**
 * A word-level tokenizer with the special tokens of {@link SPECIAL_TOKENS} at ids 0..5, followed by the
 * vocabulary words in the given order. Text is lowercased and split by {@link splitWords}; words outside the
 * vocabulary map to `<unk>`.
 *
 * @example
 * ```ts
 * const tok = WordTokenizer.fromCorpus(['is the digit even ?', 'is the digit odd ?']);
 * tok.encode('Is the digit even?', { addBos: true, maxLen: 8 }); // [2, 6, 7, 8, 10, 9, 0, 0]
 * tok.decode([2, 6, 7, 8, 10, 9, 0, 0], { skipSpecial: true }); // 'is the digit even ?'
 * ```
 */
export class WordTokenizer {
  /** Number of ids (specials + words). */
  readonly vocabSize: number;
  readonly padId = 0;
  readonly unkId = 1;
  readonly bosId = 2;
  readonly eosId = 3;
  readonly sepId = 4;
  readonly imgId = 5;
  private readonly tokens: string[];
  private readonly ids = new Map<string, number>();

  /**
   * @param words vocabulary words; lowercased, duplicates and special tokens are skipped. Each word must be a
   *   single token under {@link splitWords} (no whitespace, no mixed letters and punctuation).
   */
  constructor(words: readonly string[]) {
    this.tokens = [...SPECIAL_TOKENS];
    this.tokens.forEach((t, id) => this.ids.set(t, id));
    words.forEach((raw, i) => {
      if (typeof raw !== 'string') throw new TypeError(`words[${i}] is not a string`);
      const w = raw.toLowerCase();
      const parts = splitWords(w);
      if (parts.length !== 1 || parts[0] !== w) {
        throw new Error(
          `words[${i}] ("${raw}") is not a single token (it splits into [${parts.join(', ')}])`,
        );
      }
      if (this.ids.has(w)) return;
      this.ids.set(w, this.tokens.length);
      this.tokens.push(w);
    });
    this.vocabSize = this.tokens.length;
  }

  /** The id of `token` (lowercased), or `unkId` if it is not in the vocabulary. */
  idOf(token: string): number {
    return this.ids.get(token.toLowerCase()) ?? this.unkId;
  }

  /** The token of `id`; throws a RangeError naming the id if it is out of range. */
  tokenOf(id: number): string {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
      throw new RangeError(`token id ${id} is out of range [0, ${this.vocabSize})`);
    }
    return this.tokens[id];
  }

  /** True if `id` is one of the special tokens. */
  isSpecial(id: number): boolean {
    return id >= 0 && id < SPECIAL_TOKENS.length;
  }

  /** Encodes `text` to ids (see {@link EncodeOptions} for `<bos>`/`<eos>`, truncation and padding). */
  encode(text: string, opts: EncodeOptions = {}): number[] {
    const body = splitWords(text).map((t) => this.idOf(t));
    const ids = [...(opts.addBos ? [this.bosId] : []), ...body];
    const { maxLen } = opts;
    if (maxLen === undefined) return opts.addEos ? [...ids, this.eosId] : ids;
    if (!Number.isInteger(maxLen) || maxLen < 1) {
      throw new RangeError(`encode: maxLen must be a positive integer, got ${maxLen}`);
    }
    const room = opts.addEos ? maxLen - 1 : maxLen;
    const out = ids.slice(0, Math.max(0, room));
    if (opts.addEos) out.push(this.eosId);
    if (opts.pad !== false) while (out.length < maxLen) out.push(this.padId);
    return out.slice(0, maxLen);
  }

  /** Decodes ids to space-joined tokens; throws a RangeError naming any out-of-range id. */
  decode(ids: readonly number[], opts: DecodeOptions = {}): string {
    const out: string[] = [];
    for (const id of ids) {
      const tok = this.tokenOf(id);
      if (opts.skipSpecial && this.isSpecial(id)) continue;
      out.push(tok);
    }
    return out.join(' ');
  }

  /** The non-special vocabulary in id order (so `new WordTokenizer(tok.words())` reproduces the ids). */
  words(): string[] {
    return this.tokens.slice(SPECIAL_TOKENS.length);
  }

  /**
   * Builds a tokenizer from a corpus: every token of {@link splitWords} seen at least `minCount` times
   * (default 1), ordered by descending count, ties by first appearance. Deterministic.
   */
  static fromCorpus(texts: readonly string[], opts: { minCount?: number } = {}): WordTokenizer {
    const minCount = opts.minCount ?? 1;
    if (!Number.isInteger(minCount) || minCount < 1) {
      throw new RangeError(`fromCorpus: minCount must be a positive integer, got ${minCount}`);
    }
    const counts = new Map<string, { n: number; first: number }>();
    let pos = 0;
    texts.forEach((text, i) => {
      if (typeof text !== 'string') throw new TypeError(`fromCorpus: texts[${i}] is not a string`);
      for (const t of splitWords(text)) {
        if (SPECIAL_SET.has(t)) continue;
        const c = counts.get(t);
        if (c) c.n += 1;
        else counts.set(t, { n: 1, first: pos++ });
      }
    });
    const words = [...counts.entries()]
      .filter(([, c]) => c.n >= minCount)
      .sort((a, b) => b[1].n - a[1].n || a[1].first - b[1].first)
      .map(([w]) => w);
    return new WordTokenizer(words);
  }

  /** Serialisable form: `{ words }` (the non-special vocabulary in id order). */
  toJSON(): { words: string[] } {
    return { words: this.words() };
  }

  /** Restores a tokenizer from {@link toJSON} output; throws a ConfigError naming the bad field. */
  static fromJSON(json: unknown): WordTokenizer {
    const { words } = parseConfig(TokenizerJsonSchema, json, 'tokenizer json');
    return new WordTokenizer(words);
  }
}
