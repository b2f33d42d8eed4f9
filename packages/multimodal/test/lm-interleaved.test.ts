import {
  decodeImageTokens,
  describeSequence,
  encodeImages,
  fitImageCodebook,
  interleavedTokenizer,
  makeInterleavedSet,
  loadDigitImages,
  MODALITY,
} from '../src';

describe('image tokens and interleaved sequences', () => {
  const train = loadDigitImages(0, 40);
  const test = loadDigitImages(800, 10);
  const codebook = fitImageCodebook(train, { k: 32, seed: 0, maxPatches: 3000 });

  it('reads disjoint MNIST slices with their labels', () => {
    expect(train.n).toBe(400);
    expect(train.y[0]).toBe(0);
    expect(train.y[399]).toBe(9);
    expect(train.x.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(() => loadDigitImages(860, 10)).toThrow(/exceeds the 863 images per class/);
  });

  it('codes held-out digits far better than a single mean patch, and is deterministic', () => {
    const codes = encodeImages(test, codebook);
    expect(codes.length).toBe(test.n * 16);
    const rebuilt = decodeImageTokens(codes, codebook);
    let err = 0;
    let base = 0;
    let mean = 0;
    for (const v of test.x) mean += v / test.x.length;
    for (let i = 0; i < test.x.length; i++) {
      err += (rebuilt[i] - test.x[i]) ** 2;
      base += (mean - test.x[i]) ** 2;
    }
    expect(err).toBeLessThan(0.5 * base);
    const again = fitImageCodebook(train, { k: 32, seed: 0, maxPatches: 3000 });
    expect(again.centroids).toEqual(codebook.centroids);
  });

  it('interleaves words and image tokens with matching modality codes', () => {
    const tok = interleavedTokenizer();
    const codes = encodeImages(train, codebook);
    const set = makeInterleavedSet(train, codes, codebook, tok, { n: 50, seed: 4 });
    expect(set.seqLen).toBe(41);
    expect(set.vocabSize).toBe(tok.vocabSize + 32);
    let images = 0;
    let firsts = 0;
    for (let s = 0; s < set.n; s++) {
      firsts += set.imageFirst[s];
      for (let j = 0; j < set.seqLen; j++) {
        const id = set.ids[s * set.seqLen + j];
        const m = set.modality[s * set.seqLen + j];
        if (m === MODALITY.image) images++;
        expect(m === MODALITY.image).toBe(id >= set.textVocab);
        if (m === MODALITY.pad) expect(id).toBe(tok.padId);
      }
      // The word of each pair is the digit of its image.
      const words = describeSequence(set, s, tok)
        .split(' ')
        .filter((w) => tok.words().indexOf(w) >= 0 && tok.words().indexOf(w) < 10);
      expect(words.map((w) => tok.words().indexOf(w))).toEqual(
        Array.from(set.digits.subarray(s * 2, s * 2 + 2)),
      );
    }
    expect(images).toBe(50 * 2 * 16);
    expect(firsts).toBeGreaterThan(10);
    expect(firsts).toBeLessThan(40);
    const again = makeInterleavedSet(train, codes, codebook, tok, { n: 50, seed: 4 });
    expect(again.ids).toEqual(set.ids);
    expect(describeSequence(set, 0, tok)).toMatch(/^<bos> (<img> (#\d+ ){16}is \w+|\w+ <img>)/);
  });
});
