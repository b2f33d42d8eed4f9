import { initBackend, makeRng, tf } from '../src';
import {
  absmeanTernary,
  absmeanTernaryPerExpert,
  binarySTE,
  bitsPerWeight,
  float32Bytes,
  int8Bytes,
  int8PerTokenFakeQuant,
  packTernary,
  packTernaryTensor,
  straightThrough,
  ternaryBytes,
  ternarySTE,
  ternarySTEPerExpert,
  unpackTernary,
  unpackTernaryTensor,
} from '../src/quant';

beforeAll(async () => {
  await initBackend();
});

function seededNormal(shape: number[], seed: number): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, 'float32', seed);
}

function randomTernary(n: number, rng: () => number): Int8Array {
  const out = new Int8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rng() * 3) - 1;
  return out;
}

function bits(t: tf.Tensor): number[] {
  return Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer));
}

describe('absmeanTernary', () => {
  it('matches a hand-computed small matrix', () => {
    // sum|W| = 5.8, mean = 0.725; W/γ ≈ [[0.69, -1.66, 0.41, -0.83], [2.76, -0.14, 1.24, 0.28]]
    const w = tf.tensor2d([
      [0.5, -1.2, 0.3, -0.6],
      [2.0, -0.1, 0.9, 0.2],
    ]);
    const { q, scale } = absmeanTernary(w);
    expect(q.shape).toEqual([2, 4]);
    expect(scale.shape).toEqual([]);
    expect(q.arraySync()).toEqual([
      [1, -1, 0, -1],
      [1, 0, 1, 0],
    ]);
    expect(scale.dataSync()[0]).toBeCloseTo(0.72501, 6);
    tf.dispose([w, q, scale]);
  });

  it('per expert: one γ per leading index, shape [E, 1, 1]', () => {
    // expert 0: mean|W| = 5.2/4 = 1.3; expert 1: mean|W| = 0.1/4 = 0.025 (a per-tensor γ would zero it)
    const w = tf.tensor3d([
      [
        [1, -1],
        [0.2, 3],
      ],
      [
        [0.01, -0.02],
        [0.04, 0.03],
      ],
    ]);
    const { q, scale } = absmeanTernaryPerExpert(w);
    expect(scale.shape).toEqual([2, 1, 1]);
    const s = scale.dataSync();
    expect(s[0]).toBeCloseTo(1.30001, 5);
    expect(s[1]).toBeCloseTo(0.02501, 6);
    expect(q.arraySync()).toEqual([
      [
        [1, -1],
        [0, 1],
      ],
      [
        [0, -1],
        [1, 1],
      ],
    ]);
    tf.dispose([w, q, scale]);
  });

  it('produces only -1, 0, +1 (never -0) and leaks no intermediates', () => {
    const w = seededNormal([33, 17], 1);
    const before = tf.memory().numTensors;
    const { q, scale } = absmeanTernary(w);
    expect(tf.memory().numTensors).toBe(before + 2);
    const values = q.dataSync();
    expect(values.every((v) => Object.is(v, 0) || v === 1 || v === -1)).toBe(true);
    expect(new Set(values).size).toBe(3);
    tf.dispose([w, q, scale]);
  });

  it('rejects a rank-1 weight for the per-expert variant, naming the shape', () => {
    const w = tf.ones([4]);
    expect(() => absmeanTernaryPerExpert(w)).toThrow(/rank >= 2.*\[4\]/);
    expect(() => ternarySTEPerExpert(w)).toThrow(/rank >= 2.*\[4\]/);
    w.dispose();
  });
});

describe('straight-through estimators', () => {
  it('ternarySTE forwards q·γ and passes the upstream gradient through exactly', () => {
    const w = seededNormal([6, 5], 2);
    const r = seededNormal([6, 5], 3);
    const { q, scale } = absmeanTernary(w);
    const expected = tf.mul(q, scale);
    const y = ternarySTE(w);
    expect(bits(y)).toEqual(bits(expected));
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(ternarySTE(x), r)))(w);
    expect(Array.from(g.dataSync())).toEqual(Array.from(r.dataSync()));
    tf.dispose([w, r, q, scale, expected, y, g]);
  });

  it('ternarySTEPerExpert forwards per-expert q·γ with an identity gradient', () => {
    const w = seededNormal([3, 4, 5], 4);
    const r = seededNormal([3, 4, 5], 5);
    const { q, scale } = absmeanTernaryPerExpert(w);
    const expected = tf.mul(q, scale);
    const y = ternarySTEPerExpert(w);
    expect(bits(y)).toEqual(bits(expected));
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(ternarySTEPerExpert(x), r)))(w);
    expect(Array.from(g.dataSync())).toEqual(Array.from(r.dataSync()));
    tf.dispose([w, r, q, scale, expected, y, g]);
  });

  it('binarySTE is sign(W)·mean|W| with sign(0) = +1 and an identity gradient', () => {
    const w = tf.tensor1d([0.5, -1, 0, 2]);
    const y = binarySTE(w);
    expect(Array.from(y.dataSync())).toEqual([0.875, -0.875, 0.875, 0.875]);
    const r = tf.tensor1d([0.1, -2, 3, 0.25]);
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(binarySTE(x), r)))(w);
    expect(Array.from(g.dataSync())).toEqual(Array.from(r.dataSync()));
    tf.dispose([w, y, r, g]);
  });

  it('straightThrough does not leak forward intermediates', () => {
    const x = seededNormal([8, 8], 6);
    const before = tf.memory().numTensors;
    const y = ternarySTE(x);
    expect(tf.memory().numTensors).toBe(before + 1);
    const round = straightThrough((t) => tf.round(tf.mul(t, 3)));
    const z = round(x);
    expect(tf.memory().numTensors).toBe(before + 2);
    tf.dispose([x, y, z]);
  });

  it('trains a linear regression whose weight goes through ternarySTE (loss drops > 50%)', () => {
    const target = tf.mul(
      tf.tensor2d([
        [1, 0, -1, 1],
        [0, -1, 1, 0],
        [-1, 1, 0, 0],
        [1, 1, 0, -1],
        [0, 0, 1, 1],
        [-1, 0, 0, 1],
        [1, -1, -1, 0],
        [0, 1, 1, -1],
      ]),
      0.5,
    );
    const x = seededNormal([64, 8], 7);
    const y = tf.matMul(x, target);
    const w = tf.variable(tf.mul(seededNormal([8, 4], 8), 0.1));
    const optimizer = tf.train.adam(0.01);
    const loss = (): tf.Scalar => tf.losses.meanSquaredError(y, tf.matMul(x, ternarySTE(w)));
    const first = tf.tidy(() => loss().dataSync()[0]);
    for (let step = 0; step < 100; step++) {
      tf.tidy(() => {
        optimizer.minimize(loss);
      });
    }
    const last = tf.tidy(() => loss().dataSync()[0]);
    expect(last).toBeLessThan(0.5 * first);
    optimizer.dispose();
    tf.dispose([target, x, y, w]);
  });
});

describe('int8PerTokenFakeQuant', () => {
  it.each([
    [[12, 40], 9],
    [[2, 5, 33], 10],
  ])('error <= max|x|/254 per token for shape %j', (shape, seed) => {
    const x = tf.mul(
      seededNormal(shape, seed),
      tf.randomUniform([...shape.slice(0, -1), 1], 0.01, 10, 'float32', seed + 1),
    );
    const y = int8PerTokenFakeQuant(x);
    expect(y.shape).toEqual(shape);
    const xs = x.dataSync();
    const ys = y.dataSync();
    const d = shape[shape.length - 1];
    for (let t = 0; t < xs.length / d; t++) {
      let maxAbs = 0;
      for (let j = 0; j < d; j++) maxAbs = Math.max(maxAbs, Math.abs(xs[t * d + j]));
      // float32 rounding of x·s and the division adds a few ulps on top of the 0.5/s bound
      const bound = (maxAbs / 254) * (1 + 1e-4);
      for (let j = 0; j < d; j++) expect(Math.abs(ys[t * d + j] - xs[t * d + j])).toBeLessThanOrEqual(bound);
      // at most 255 levels per token
      expect(new Set(ys.slice(t * d, (t + 1) * d)).size).toBeLessThanOrEqual(255);
    }
    tf.dispose([x, y]);
  });

  it('keeps the token max exact and zero tokens at zero', () => {
    const x = tf.tensor2d([
      [0.3, -2.5, 1.1],
      [0, 0, 0],
    ]);
    const y = int8PerTokenFakeQuant(x).arraySync() as number[][];
    expect(y[0][1]).toBeCloseTo(-2.5, 6);
    expect(y[1]).toEqual([0, 0, 0]);
    x.dispose();
  });

  it('uses fewer levels at lower bit widths', () => {
    const x = tf.linspace(-1, 1, 101).reshape([1, 101]);
    const y = int8PerTokenFakeQuant(x, 3);
    expect(new Set(y.dataSync()).size).toBeLessThanOrEqual(7);
    tf.dispose([x, y]);
  });

  it('has an identity (straight-through) gradient', () => {
    const x = seededNormal([3, 4, 7], 11);
    const r = seededNormal([3, 4, 7], 12);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(int8PerTokenFakeQuant(t), r)))(x);
    expect(Array.from(g.dataSync())).toEqual(Array.from(r.dataSync()));
    tf.dispose([x, r, g]);
  });

  it('rejects bad bits and scalars', () => {
    const x = tf.ones([2, 2]);
    expect(() => int8PerTokenFakeQuant(x, 1)).toThrow(/bits.*1/);
    expect(() => int8PerTokenFakeQuant(x, 8.5)).toThrow(/bits.*8\.5/);
    const s = tf.scalar(1);
    expect(() => int8PerTokenFakeQuant(s)).toThrow(/scalar/);
    tf.dispose([x, s]);
  });
});

describe('ternary packing', () => {
  it('packs the documented layout: codes 0/1/2, first value in the low bits, zero padding', () => {
    expect(Array.from(packTernary(new Int8Array([1, -1, 0, 1, -1])))).toEqual([0b01001001, 0b10]);
    expect(Array.from(packTernary(new Float32Array([-1, -1, -1, -1])))).toEqual([0b10101010]);
    expect(packTernary(new Int8Array(0)).length).toBe(0);
    expect(Array.from(unpackTernary(new Uint8Array([73, 2]), 5))).toEqual([1, -1, 0, 1, -1]);
  });

  it('round-trips random ternary arrays of many lengths exactly, in ceil(n/4) bytes', () => {
    const rng = makeRng(42);
    const lengths = [...Array.from({ length: 37 }, (_, i) => i + 1), 63, 101, 257, 999, 1000, 1001, 4097];
    for (const n of lengths) {
      const q = randomTernary(n, rng);
      const packed = packTernary(q);
      expect(packed.length).toBe(Math.ceil(n / 4));
      expect(packed.length).toBe(ternaryBytes(n, 0));
      expect(unpackTernary(packed, n)).toEqual(q);
      expect(unpackTernary(packTernary(Float32Array.from(q)), n)).toEqual(q);
      // the padding of the last byte is zero
      if (n % 4 !== 0) expect(packed[packed.length - 1] >> ((n % 4) * 2)).toBe(0);
    }
  });

  it('rejects values outside {-1, 0, 1}, naming the index and value', () => {
    expect(() => packTernary(new Float32Array([0, 1, 0.5]))).toThrow(/index 2 is 0\.5/);
    expect(() => packTernary(new Int8Array([1, -1, 0, 0, 2]))).toThrow(/index 4 is 2/);
    expect(() => packTernary(new Float32Array([NaN]))).toThrow(/index 0 is NaN/);
  });

  it('rejects code 3 and a packed array too short for n', () => {
    expect(() => unpackTernary(new Uint8Array([0b00110000]), 4)).toThrow(/code 3 for value 2 \(byte 0\)/);
    expect(() => unpackTernary(new Uint8Array([0, 0]), 9)).toThrow(/9 values need 3 bytes.*has 2/);
    expect(() => unpackTernary(new Uint8Array([0]), -1)).toThrow(/n must be/);
  });

  it('packTernaryTensor -> unpackTernaryTensor equals the ternarySTE forward bit for bit', async () => {
    const w = seededNormal([7, 13], 13);
    const p = await packTernaryTensor(w);
    expect(typeof p.scale).toBe('number');
    expect(p.shape).toEqual([7, 13]);
    expect(p.packed.length).toBe(Math.ceil(91 / 4));
    const back = unpackTernaryTensor(p);
    const ste = ternarySTE(w);
    expect(back.shape).toEqual([7, 13]);
    expect(bits(back)).toEqual(bits(ste));
    tf.dispose([w, back, ste]);
  });

  it('per-expert packTernaryTensor round-trips to ternarySTEPerExpert bit for bit', async () => {
    const w = tf.mul(seededNormal([4, 6, 5], 14), tf.tensor3d([0.01, 1, 5, 0.2], [4, 1, 1]));
    const before = tf.memory().numTensors;
    const p = await packTernaryTensor(w, { perExpert: true });
    expect(tf.memory().numTensors).toBe(before);
    expect(p.scale).toBeInstanceOf(Float32Array);
    expect((p.scale as Float32Array).length).toBe(4);
    const back = unpackTernaryTensor(p);
    const ste = ternarySTEPerExpert(w);
    expect(bits(back)).toEqual(bits(ste));
    tf.dispose([w, back, ste]);
  });

  it('rejects a per-expert scale that does not match the leading dimension', () => {
    const p = { packed: new Uint8Array(2), scale: new Float32Array(3), shape: [2, 4] };
    expect(() => unpackTernaryTensor(p)).toThrow(/scale length 3.*\[2, 4\]/);
  });
});

describe('byte accounting', () => {
  it('counts exact bytes', () => {
    expect(ternaryBytes(1000, 1)).toBe(254);
    expect(ternaryBytes(5, 0)).toBe(2);
    expect(ternaryBytes(8, 4)).toBe(18);
    expect(ternaryBytes(5)).toBe(6);
    expect(float32Bytes(1000)).toBe(4000);
    expect(int8Bytes(1000, 10)).toBe(1040);
    expect(int8Bytes(3)).toBe(7);
    expect(bitsPerWeight(ternaryBytes(1000, 1), 1000)).toBeCloseTo(2.032, 12);
    expect(bitsPerWeight(float32Bytes(10), 10)).toBe(32);
  });

  it('matches the size of a packed tensor', async () => {
    const w = seededNormal([3, 10, 7], 15);
    const p = await packTernaryTensor(w, { perExpert: true });
    expect(p.packed.length + 4 * (p.scale as Float32Array).length).toBe(ternaryBytes(210, 3));
    w.dispose();
  });

  it('rejects non-integer or negative counts, naming the argument', () => {
    expect(() => ternaryBytes(1.5, 1)).toThrow(/ternaryBytes: numWeights .* 1\.5/);
    expect(() => int8Bytes(4, -1)).toThrow(/int8Bytes: numScales .* -1/);
    expect(() => float32Bytes(NaN)).toThrow(/float32Bytes: numWeights/);
    expect(() => bitsPerWeight(4, 0)).toThrow(/numWeights must be > 0/);
  });
});
