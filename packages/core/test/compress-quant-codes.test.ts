import {
  absmeanTernaryPerExpert,
  base3Bytes,
  channelQuantizedBytes,
  decodeTernaryHuffman,
  dequantizeChannels,
  encodeTernaryHuffman,
  initBackend,
  packBase3,
  packBits,
  packChannelCodes,
  packedBitsBytes,
  quantizeChannels,
  TERNARY_BITS,
  ternaryHuffmanBytes,
  tf,
  truncateChannels,
  unpackBase3,
  unpackBits,
  unpackChannelCodes,
} from '../src';

beforeAll(async () => {
  await initBackend();
});

/** Deterministic pseudo-random numbers in [0, 1) (a 32-bit LCG), so no test depends on tf's RNG. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function gaussian(n: number, seed: number): Float32Array {
  const u = lcg(seed);
  return Float32Array.from(
    { length: n },
    () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u()),
  );
}

describe('bit and base-3 packing', () => {
  it('packs codes at b bits little-endian and base-3 five to a byte, and unpacks them', () => {
    expect(Array.from(packBits([1, 2, 3], 2))).toEqual([57]);
    expect(Array.from(packBits([5, 3, 7], 3))).toEqual([0b11_011_101, 0b1]); // 5 | 3 << 3 | 7 << 6
    expect(Array.from(unpackBits(new Uint8Array([57]), 3, 2))).toEqual([1, 2, 3]);
    expect(Array.from(packBase3([1, -1, 0, 0, 0, 1]))).toEqual([7, 1]);
    expect(Array.from(unpackBase3(new Uint8Array([7, 1]), 6))).toEqual([1, -1, 0, 0, 0, 1]);
    const u = lcg(1);
    for (const bits of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const codes = Array.from({ length: 37 }, () => Math.floor(u() * 2 ** bits));
      const packed = packBits(codes, bits);
      expect(packed.length).toBe(Math.ceil((37 * bits) / 8));
      expect(packed.length).toBe(packedBitsBytes(37, bits));
      expect(Array.from(unpackBits(packed, 37, bits))).toEqual(codes);
    }
    const trits = Array.from({ length: 23 }, () => Math.floor(u() * 3) - 1);
    expect(packBase3(trits).length).toBe(base3Bytes(23));
    expect(base3Bytes(23)).toBe(5);
    expect(Array.from(unpackBase3(packBase3(trits), 23))).toEqual(trits);
    expect(() => packBits([4], 2)).toThrow(/code 0 is 4/);
    expect(() => unpackBase3(new Uint8Array([243]), 5)).toThrow(/above 3\^5 - 1/);
  });
});

describe('quantizeChannels', () => {
  const [rows, cols] = [16, 8];
  const w = gaussian(rows * cols, 2);
  for (let r = 0; r < rows; r++) w[r * cols + 5] = 0; // an all-zero output channel

  it('uniform b-bit codes cover [-2^(b-1), 2^(b-1)) with one scale per column and error ≤ scale / 2', () => {
    for (const bits of [2, 3, 4, 8]) {
      const q = quantizeChannels(w, rows, cols, bits);
      const half = 2 ** (bits - 1);
      for (let j = 0; j < cols; j++) {
        let max = 0;
        for (let r = 0; r < rows; r++) max = Math.max(max, Math.abs(w[r * cols + j]));
        expect(q.scales[j]).toBe(Math.fround(max / half));
      }
      const back = dequantizeChannels(q);
      q.codes.forEach((c, i) => {
        expect(c).toBeGreaterThanOrEqual(-half);
        expect(c).toBeLessThan(half);
        const s = q.scales[i % cols];
        expect(back[i]).toBe(Math.fround((c + 0.5) * s));
        expect(Math.abs(back[i] - w[i])).toBeLessThanOrEqual(s / 2 + 1e-6);
      });
      for (let r = 0; r < rows; r++) expect(back[r * cols + 5]).toBe(0);
    }
  });

  it('the top bits of an 8-bit code are the 4- and 2-bit codes of the same weight (nesting)', () => {
    const q8 = quantizeChannels(w, rows, cols, 8);
    for (const bits of [4, 2]) {
      const direct = quantizeChannels(w, rows, cols, bits);
      const cut = truncateChannels(q8, bits);
      expect(Array.from(cut.codes)).toEqual(Array.from(direct.codes));
      expect(Array.from(cut.scales)).toEqual(Array.from(direct.scales));
      expect(Array.from(cut.codes)).toEqual(Array.from(q8.codes, (c) => Math.floor(c / 2 ** (8 - bits))));
    }
  });

  it('ternary is absmean per output channel: γ_j = mean|W[:, j]| + 1e-5, q = clip(round(W / γ), -1, 1)', () => {
    const q = quantizeChannels(w, rows, cols, TERNARY_BITS);
    for (let j = 0; j < cols; j++) {
      let sum = 0;
      for (let r = 0; r < rows; r++) sum += Math.abs(w[r * cols + j]);
      const gamma = sum / rows + 1e-5;
      expect(q.scales[j]).toBeCloseTo(gamma, 6);
      for (let r = 0; r < rows; r++) {
        const expected = Math.max(-1, Math.min(1, Math.round(w[r * cols + j] / gamma)));
        expect(q.codes[r * cols + j]).toBe(expected === 0 ? 0 : expected);
      }
    }
    const back = dequantizeChannels(q);
    back.forEach((v, i) => expect(v).toBe(Math.fround(q.codes[i] * q.scales[i % cols])));
  });

  it('packs codes at their width and counts bytes exactly: codes + 4 per scale', () => {
    expect(channelQuantizedBytes(16, 8, 4)).toBe(64 + 32);
    expect(channelQuantizedBytes(16, 8, 2)).toBe(32 + 32);
    expect(channelQuantizedBytes(16, 8, TERNARY_BITS)).toBe(26 + 32); // ceil(128 / 5) = 26
    expect(channelQuantizedBytes(16, 8, 8)).toBe(128 + 32);
    for (const bits of [TERNARY_BITS, 2, 4, 8]) {
      const q = quantizeChannels(w, rows, cols, bits);
      const packed = packChannelCodes(q);
      expect(packed.length + 4 * q.scales.length).toBe(channelQuantizedBytes(rows, cols, bits));
      const back = unpackChannelCodes(packed, rows, cols, bits, q.scales);
      expect(Array.from(back.codes)).toEqual(Array.from(q.codes));
    }
    expect(() => quantizeChannels(w, rows, cols, 1)).toThrow(/bits must be an integer in \[2, 8\] or 1.58/);
    expect(() => quantizeChannels(w, rows, 7, 4)).toThrow(/128 values for a \[16, 7\] matrix/);
  });

  it('leaves no tensors behind (ternary runs on the host)', () => {
    const before = tf.memory().numTensors;
    quantizeChannels(w, rows, cols, TERNARY_BITS);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("ternary codes and scales are absmeanTernaryPerExpert's on wasm, bit for bit", async () => {
    await initBackend({ backend: 'wasm' });
    const u = lcg(7);
    const shapes: [number, number][] = [
      [48, 48],
      [48, 96],
      [96, 48],
      [16, 8],
      [7, 13],
    ];
    for (let trial = 0; trial < 40; trial++) {
      const [r, c] = shapes[trial % shapes.length];
      const spread = 0.01 + 4 * u(); // from trained-weight scales to large ones
      const m = gaussian(r * c, 1000 + trial).map((v) => Math.fround(v * spread));
      const q = quantizeChannels(m, r, c, TERNARY_BITS);
      const ref = tf.tidy(() => {
        const t = absmeanTernaryPerExpert(tf.transpose(tf.tensor2d(m, [r, c])));
        return { q: tf.transpose(t.q), scale: tf.reshape(t.scale, [c]) };
      });
      expect(Array.from(q.scales)).toEqual(Array.from(ref.scale.dataSync()));
      expect(Array.from(q.codes)).toEqual(Array.from(ref.q.dataSync(), (v) => v + 0));
      tf.dispose([ref.q, ref.scale]);
    }
  });
});

describe('ternary Huffman coding', () => {
  it('stores a tiny case in exactly header + table + payload bytes, byte for byte', () => {
    const values = [0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, -1];
    const store = encodeTernaryHuffman(values, 4);
    // groups: symbol 0 twice, symbol 1 + 2·27 = 55 once -> two codes of 1 bit: 0 -> "0", 55 -> "1"
    const expected = new Uint8Array(5 + 81 + 1);
    expected[0] = 4;
    expected[1] = 12; // n = 12, uint32 little-endian
    expected[5 + 0] = 1;
    expected[5 + 55] = 1;
    expected[86] = 0b0010_0000; // payload bits 0, 0, 1
    expect(Array.from(store)).toEqual(Array.from(expected));
    expect(store.length).toBe(ternaryHuffmanBytes(12, 4, [1, 1, 1]));
    expect(Array.from(decodeTernaryHuffman(store))).toEqual(values);
  });

  it('round-trips exactly, any group length, including a partial last group and a single symbol', () => {
    const u = lcg(5);
    for (const group of [1, 2, 3, 4, 5]) {
      for (const n of [0, 1, 7, 101]) {
        const values = Int8Array.from({ length: n }, () => Math.floor(u() * 3) - 1);
        expect(Array.from(decodeTernaryHuffman(encodeTernaryHuffman(values, group)))).toEqual(
          Array.from(values),
        );
      }
    }
    const zeros = new Int8Array(10);
    const store = encodeTernaryHuffman(zeros, 2); // one symbol, 5 groups of 1 bit
    expect(store.length).toBe(5 + 9 + 1);
    expect(Array.from(decodeTernaryHuffman(store))).toEqual(Array.from(zeros));
  });

  it('codes mostly-zero ternary weights below one bit each, above their entropy', () => {
    const u = lcg(9);
    const n = 8192;
    const values = Int8Array.from({ length: n }, () => {
      const r = u();
      return r < 0.9 ? 0 : r < 0.95 ? 1 : -1;
    });
    const store = encodeTernaryHuffman(values, 4);
    const bits = (8 * store.length) / n;
    expect(bits).toBeLessThan(1);
    // Entropy of (0.9, 0.05, 0.05) is 0.569 bits: the code cannot beat it.
    expect(bits).toBeGreaterThan(0.569);
    expect(Array.from(decodeTernaryHuffman(store))).toEqual(Array.from(values));
  });

  it('refuses a truncated store and a table that is not a prefix code', () => {
    const store = encodeTernaryHuffman([1, 0, -1, 1, 1, 0, 0, -1], 2);
    expect(() => decodeTernaryHuffman(store.subarray(0, 3))).toThrow(/header needs 5/);
    expect(() => decodeTernaryHuffman(store.subarray(0, store.length - 1))).toThrow(/no valid code/);
    const bad = store.slice();
    bad.fill(1, 5, 14); // nine codes of 1 bit
    expect(() => decodeTernaryHuffman(bad)).toThrow(/not a prefix code/);
  });
});
