import {
  bytesTable,
  decodeTernaryHuffman,
  EntropyCodedTernaryExperts,
  entropyCodedTernaryExperts,
  FfnExperts,
  initBackend,
  MixedPrecisionExperts,
  MoELayer,
  NestedBitMoELayer,
  quantizeChannels,
  RebankedMoELayer,
  setSeed,
  TERNARY_BITS,
  tf,
  TopAnyPrunedLayer,
} from '../src';

beforeAll(async () => {
  await initBackend();
});

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** FFN experts whose weights are 0 with probability `zeros`, else ±(0.5 .. 1.5). */
function sparseBank(e: number, d: number, h: number, zeros: number, seed: number): FfnExperts {
  setSeed(seed);
  const bank = new FfnExperts({ numExperts: e, dim: d, hidden: h });
  const u = lcg(seed);
  const draw = (n: number) =>
    Float32Array.from({ length: n }, () => (u() < zeros ? 0 : (u() < 0.5 ? -1 : 1) * (0.5 + u())));
  tf.tidy(() => {
    bank.w1.assign(tf.tensor3d(draw(e * d * h), [e, d, h]));
    bank.w2.assign(tf.tensor3d(draw(e * h * d), [e, h, d]));
    bank.b1.assign(tf.randomNormal([e, h], 0, 0.1, 'float32', seed));
  });
  return bank;
}

describe('EntropyCodedTernaryExperts', () => {
  it('counts header + table + payload + scales + biases exactly on a tiny case, by hand', () => {
    setSeed(1);
    const bank = new FfnExperts({ numExperts: 1, dim: 2, hidden: 2 });
    tf.tidy(() => {
      bank.w1.assign(tf.tensor3d([1, 0, 0, -1], [1, 2, 2]));
      bank.w2.assign(tf.tensor3d([2, 0, 0, -3], [1, 2, 2]));
    });
    const coded = entropyCodedTernaryExperts(bank, { group: 4 });
    // Codes: w1 [1, 0, 0, -1], w2 [1, 0, 0, -1] -> two groups of the same symbol 1 + 2·27 = 55,
    // one code of 1 bit: header 5 + table 3^4 = 81 + payload 1 byte (2 bits) = 87.
    expect(Array.from(decodeTernaryHuffman(coded.store.codes))).toEqual([1, 0, 0, -1, 1, 0, 0, -1]);
    expect(coded.store.codes.length).toBe(87);
    // + 4 bytes for each of 2 + 2 scales and 2 + 2 biases.
    expect(coded.storedBytes()).toBe(87 + 32);
    expect(coded.codeBitsPerWeight()).toBe((8 * 87) / 8);
    const w1 = coded.dequantized.w1.dataSync();
    // Column scales: mean(|1|, |0|) + 1e-5 and mean(|0|, |-1|) + 1e-5.
    expect(Array.from(w1)).toEqual([Math.fround(0.50001), 0, 0, -Math.fround(0.50001)]);
    coded.dispose();
    bank.dispose();
  });

  it('decodes to exactly the ternary weights, below one bit per weight when most codes are 0', () => {
    const [e, d, h] = [4, 16, 32];
    const bank = sparseBank(e, d, h, 0.92, 7);
    const coded = new EntropyCodedTernaryExperts(bank, { group: 4 });
    const ternary = new MixedPrecisionExperts(bank, new Array<number>(e).fill(TERNARY_BITS));
    expect(Array.from(coded.dequantized.w1.dataSync())).toEqual(
      Array.from(ternary.dequantized.w1.dataSync()),
    );
    expect(Array.from(coded.dequantized.w2.dataSync())).toEqual(
      Array.from(ternary.dequantized.w2.dataSync()),
    );
    const w1 = bank.w1.dataSync() as Float32Array;
    const zeros = Array.from(decodeTernaryHuffman(coded.store.codes)).filter((c) => c === 0).length;
    expect(zeros / (2 * e * d * h)).toBeGreaterThan(0.85);
    expect(Array.from(decodeTernaryHuffman(coded.store.codes).subarray(0, d * h))).toEqual(
      Array.from(quantizeChannels(w1.slice(0, d * h), d, h, TERNARY_BITS).codes),
    );
    expect(coded.codeBitsPerWeight()).toBeLessThan(1);
    expect(coded.storedBytes()).toBe(coded.store.codes.length + 4 * e * 2 * (h + d));
    // The same codes packed five to a byte take 1.6 bits per weight.
    expect(coded.storedBytes()).toBeLessThan(ternary.storedBytes());
    const x = tf.randomNormal([5, d], 0, 1, 'float32', 3) as tf.Tensor2D;
    const diff = tf.tidy(
      () => tf.max(tf.abs(tf.sub(coded.forwardAll(x), ternary.forwardAll(x)))).dataSync()[0],
    );
    expect(diff).toBe(0);
    tf.dispose(x);
    [coded, ternary, bank].forEach((m) => m.dispose());
  });
});

describe('bytesTable', () => {
  it('lists stored bytes, bits per weight and active parameters of each variant, by hand', () => {
    const [d, h, e] = [8, 16, 4];
    setSeed(5);
    const moe = new MoELayer({
      dim: d,
      hidden: h,
      numExperts: e,
      topK: 2,
      router: { type: 'softmax' },
    }).eval();
    const source = moe.experts as FfnExperts;
    const before = tf.memory().numTensors;
    const variants = [
      { name: 'float32', layer: moe },
      {
        name: 'mixed',
        layer: new TopAnyPrunedLayer(moe, new MixedPrecisionExperts(source, [8, 4, 2, TERNARY_BITS])),
      },
      { name: 'nested', layer: new NestedBitMoELayer(moe) },
      { name: 'qmoe', layer: new RebankedMoELayer(moe, new EntropyCodedTernaryExperts(source)) },
    ];
    const rows = bytesTable(variants);
    const perExpert = 2 * d * h + h + d; // 280
    const routerBytes = 4 * d * e; // 128
    const biasBytes = 4 * (h + d); // 96 per expert
    const scaleBytes = 4 * (h + d);
    const mixed =
      [8, 4, 2].reduce((s, b) => s + (2 * d * h * b) / 8 + scaleBytes + biasBytes, 0) +
      2 * Math.ceil((d * h) / 5) +
      scaleBytes +
      biasBytes;
    const nested = e * (2 * d * h + scaleBytes + biasBytes);
    const qmoe =
      (variants[3].layer.experts as EntropyCodedTernaryExperts).store.codes.length +
      e * (scaleBytes + biasBytes);
    const expected = [
      { name: 'float32', expertBytes: 4 * e * perExpert },
      { name: 'mixed', expertBytes: mixed },
      { name: 'nested', expertBytes: nested },
      { name: 'qmoe', expertBytes: qmoe },
    ];
    expect(rows).toEqual(
      expected.map(({ name, expertBytes }) => ({
        name,
        storedBytes: expertBytes + routerBytes,
        expertBytes,
        bitsPerWeight: (8 * expertBytes) / (e * perExpert),
        totalParams: d * e + e * perExpert,
        activeParams: d * e + 2 * perExpert,
      })),
    );
    expect(rows[0].bitsPerWeight).toBe(32);
    variants.slice(1).forEach((v) => v.layer.dispose());
    expect(tf.memory().numTensors).toBe(before);
    moe.dispose();
  });
});
