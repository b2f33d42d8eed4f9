import { ConfigError } from '@moe-zoo/core';
import { SPECIAL_TOKENS, splitWords, WordTokenizer } from '../src';

describe('WordTokenizer', () => {
  const tok = new WordTokenizer(['Is', 'the', 'digit', 'even', '?', 'the', '<img>']);

  it('puts the specials at ids 0..5, then unique lowercase words in order', () => {
    expect(SPECIAL_TOKENS).toEqual(['<pad>', '<unk>', '<bos>', '<eos>', '<sep>', '<img>']);
    expect([tok.padId, tok.unkId, tok.bosId, tok.eosId, tok.sepId, tok.imgId]).toEqual([0, 1, 2, 3, 4, 5]);
    expect(tok.words()).toEqual(['is', 'the', 'digit', 'even', '?']);
    expect(tok.vocabSize).toBe(11);
    expect(tok.idOf('DIGIT')).toBe(8);
    expect(tok.idOf('odd')).toBe(tok.unkId);
    expect(tok.tokenOf(10)).toBe('?');
  });

  it('splits on whitespace and punctuation, keeping punctuation and special tokens', () => {
    expect(splitWords('Is it EVEN?  yes,no')).toEqual(['is', 'it', 'even', '?', 'yes', ',', 'no']);
    expect(splitWords('a <img> b<sep>')).toEqual(['a', '<img>', 'b', '<sep>']);
    expect(tok.encode('is the digit even?')).toEqual([6, 7, 8, 9, 10]);
    expect(tok.encode('is the digit odd?')).toEqual([6, 7, 8, 1, 10]);
  });

  it('adds bos/eos, truncates keeping eos, and pads to maxLen', () => {
    expect(tok.encode('is the digit even ?', { addBos: true, addEos: true })).toEqual([2, 6, 7, 8, 9, 10, 3]);
    expect(tok.encode('is the', { maxLen: 4 })).toEqual([6, 7, 0, 0]);
    expect(tok.encode('is the', { maxLen: 4, pad: false })).toEqual([6, 7]);
    expect(tok.encode('is the digit even ?', { maxLen: 4, addBos: true, addEos: true })).toEqual([
      2, 6, 7, 3,
    ]);
    expect(tok.encode('is the digit even ?', { maxLen: 3 })).toEqual([6, 7, 8]);
    expect(() => tok.encode('is', { maxLen: 0 })).toThrow(/maxLen/);
  });

  it('decodes, optionally without specials; out-of-range ids throw a RangeError naming the id', () => {
    const ids = tok.encode('is the digit even ?', { addBos: true, maxLen: 8 });
    expect(tok.decode(ids)).toBe('<bos> is the digit even ? <pad> <pad>');
    expect(tok.decode(ids, { skipSpecial: true })).toBe('is the digit even ?');
    expect(tok.encode(tok.decode(ids, { skipSpecial: true }))).toEqual(ids.slice(1, 6));
    expect(() => tok.tokenOf(11)).toThrow(RangeError);
    expect(() => tok.decode([6, 42])).toThrow(/42/);
    expect(() => tok.tokenOf(-1)).toThrow(/-1/);
  });

  it('builds a vocabulary from a corpus by count (ties by first appearance) with minCount', () => {
    const t = WordTokenizer.fromCorpus(['b a a', 'c b a', 'd <img>']);
    expect(t.words()).toEqual(['a', 'b', 'c', 'd']);
    expect(WordTokenizer.fromCorpus(['b a a', 'c b a', 'd'], { minCount: 2 }).words()).toEqual(['a', 'b']);
    expect(() => WordTokenizer.fromCorpus(['a'], { minCount: 0 })).toThrow(/minCount/);
  });

  it('round-trips through JSON; bad JSON throws a ConfigError naming the field', () => {
    const back = WordTokenizer.fromJSON(JSON.parse(JSON.stringify(tok)));
    expect(back.words()).toEqual(tok.words());
    expect(back.encode('is the digit even ?')).toEqual(tok.encode('is the digit even ?'));
    expect(() => WordTokenizer.fromJSON({ words: ['a', 3] })).toThrow(ConfigError);
    expect(() => WordTokenizer.fromJSON({ words: ['a', 3] })).toThrow(/words\.1/);
    expect(() => WordTokenizer.fromJSON({})).toThrow(/words/);
  });

  it('rejects vocabulary entries that are not one token, naming the index', () => {
    expect(() => new WordTokenizer(['ok', 'two words'])).toThrow(/words\[1\]/);
    expect(() => new WordTokenizer(['ok', 'even?'])).toThrow(/words\[1\]/);
  });
});
