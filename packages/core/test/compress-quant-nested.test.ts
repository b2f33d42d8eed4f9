import {
  dequantizeChannels,
  FfnExperts,
  initBackend,
  MixedPrecisionExperts,
  MoELayer,
  NestedBitExperts,
  NestedBitMoELayer,
  quantizeChannels,
  tf,
  TopAnyPrunedLayer,
  truncateChannels,
} from '../src';
import { smallMoeLayer } from './helpers/small-moe';

beforeAll(async () => {
  await initBackend();
});

const D = 6;
const H = 10;
const E = 5;

function makeLayer(seed = 3): MoELayer {
  return smallMoeLayer({ dim: D, hidden: H, numExperts: E }, seed);
}

const tokens = (t: number, seed: number) => tf.randomNormal([t, D], 0, 1, 'float32', seed) as tf.Tensor2D;
const fixedViews = [
  { bits: 8, minWeight: 0.6 },
  { bits: 4, minWeight: 0.3 },
  { bits: 2, minWeight: 0 },
];

describe('NestedBitExperts', () => {
  it('stores one 8-bit code per weight plus float32 scales and biases, exactly', () => {
    const layer = makeLayer();
    const nested = new NestedBitExperts(layer.experts as FfnExperts, [8, 4, 2]);
    // per expert: 2·6·10 code bytes + 4·(10 + 6) scale bytes + 4·(10 + 6) bias bytes = 120 + 64 + 64
    expect(nested.storedBytes()).toBe(E * 248);
    expect(nested.numExperts).toBe(3 * E);
    expect(nested.countParams()).toBe(E * (2 * D * H + H + D));
    expect(nested.parameters()).toHaveLength(0);
    expect(nested.bytesReadAt(4)).toBe((2 * D * H * 4) / 8 + 4 * (H + D) + 4 * (H + D)); // 60 + 128
    nested.dispose();
    layer.dispose();
  });

  it('serves int8 dequantization at 8 bits and the truncated codes at 4 and 2 bits, bit for bit', () => {
    const layer = makeLayer();
    const source = layer.experts as FfnExperts;
    const nested = new NestedBitExperts(source, [8, 4, 2]);
    const w1 = source.w1.dataSync() as Float32Array;
    const views8 = [8, 4, 2].map((b) => {
      const t = nested.weightsAt(b, 1);
      const data = t.dataSync() as Float32Array;
      t.dispose();
      return data;
    });
    for (let e = 0; e < E; e++) {
      const q8 = quantizeChannels(w1.slice(e * D * H, (e + 1) * D * H), D, H, 8);
      const slice = (data: Float32Array) => Array.from(data.subarray(e * D * H, (e + 1) * D * H));
      expect(slice(views8[0])).toEqual(Array.from(dequantizeChannels(q8)));
      [4, 2].forEach((b, v) => {
        const shift = 8 - b;
        const byHand = Array.from(q8.codes, (c, i) =>
          Math.fround(((c >> shift) + 0.5) * Math.fround(q8.scales[i % H] * 2 ** shift)),
        );
        expect(slice(views8[v + 1])).toEqual(byHand);
        expect(slice(views8[v + 1])).toEqual(Array.from(dequantizeChannels(truncateChannels(q8, b))));
      });
    }
    nested.dispose();
    layer.dispose();
  });
});

describe('NestedBitMoELayer', () => {
  it('serves each (token, expert) pair at the width its gate share picks, and reports what it read', async () => {
    const layer = makeLayer();
    const source = layer.experts as FfnExperts;
    const x = tokens(48, 9);
    const { assignment } = layer.router.route(x);
    if (assignment.kind !== 'token') throw new Error('token choice expected');
    const idx = assignment.indices.arraySync() as number[][];
    const w = assignment.weights.arraySync() as number[][];
    tf.dispose([assignment.indices, assignment.weights]);
    // An untrained router splits gates near 1/2: thresholds at the shares' quartiles use all widths.
    const shares = w.map((row) => row.map((g) => g / (row[0] + row[1])));
    const sorted = shares.flat().sort((a, b) => a - b);
    const [low, high] = [sorted[24], sorted[72]];
    const views = [
      { bits: 8, minWeight: high },
      { bits: 4, minWeight: low },
      { bits: 2, minWeight: 0 },
    ];
    const chosen = shares.map((row) => row.map((s) => (s >= high ? 0 : s >= low ? 1 : 2)));
    const pairsPerView = [0, 1, 2].map((v) => chosen.flat().filter((c) => c === v).length);
    pairsPerView.forEach((n) => expect(n).toBeGreaterThan(10));

    // Reference at each width: every expert quantized at that width (the nesting makes it the view).
    const refs = [8, 4, 2].map((b) => {
      const bank = new MixedPrecisionExperts(source, new Array<number>(E).fill(b));
      const out = bank.forwardAll(x).arraySync() as number[][][];
      bank.dispose();
      return out;
    });
    const nested = new NestedBitMoELayer(layer, { views });
    const { y, aux } = nested.forward(x);
    const out = y.arraySync() as number[][];
    idx.forEach((experts, t) => {
      for (let c = 0; c < D; c++) {
        const expected = experts.reduce((s, e, j) => s + w[t][j] * refs[chosen[t][j]][e][t][c], 0);
        expect(out[t][c]).toBeCloseTo(expected, 5);
      }
    });
    const cost = await nested.servingCost(aux);
    expect(cost.pairsPerView).toEqual(pairsPerView);
    const bits = [8, 4, 2];
    const pairs = 2 * 48;
    expect(cost.meanBits).toBeCloseTo(pairsPerView.reduce((s, n, v) => s + n * bits[v], 0) / pairs, 10);
    const bytesRead = (b: number) => (2 * D * H * b) / 8 + 8 * (H + D);
    expect(cost.bytesPerToken).toBeCloseTo(
      pairsPerView.reduce((s, n, v) => s + n * bytesRead(bits[v]), 0) / 48,
      8,
    );
    expect(cost.bitFlopsPerToken).toBeCloseTo(
      pairsPerView.reduce((s, n, v) => s + n * bits[v] * 4 * D * H, 0) / 48,
      6,
    );
    expect(nested.activeParams()).toBe(layer.activeParams());
    expect(nested.countParams()).toBe(layer.countParams());
    expect(nested.flopsPerToken()).toBe(layer.flopsPerToken());
    tf.dispose(y);
    tf.dispose(aux as unknown as tf.TensorContainer);
    nested.dispose();
    tf.dispose(x);
    layer.dispose();
  });

  it('with one 8-bit view equals the int8 layer; validates its views; leaves no tensors behind', () => {
    const layer = makeLayer();
    const x = tokens(16, 10);
    const before = tf.memory().numTensors;
    const only8 = new NestedBitMoELayer(layer, { views: [{ bits: 8, minWeight: 0 }], dispatch: 'dense' });
    const mixed = new NestedBitMoELayer(layer, { views: fixedViews });
    const int8 = new TopAnyPrunedLayer(
      layer,
      new MixedPrecisionExperts(layer.experts as FfnExperts, new Array<number>(E).fill(8)),
    );
    const a = only8.forward(x);
    const b = int8.forward(x);
    const f = layer.forward(x);
    const diff = (p: tf.Tensor, q: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(p, q))).dataSync()[0]);
    expect(diff(a.y, b.y)).toBeLessThan(1e-6);
    expect(diff(a.y, f.y)).toBeGreaterThan(0);
    const c = mixed.forward(x);
    tf.dispose([a, b, c, f] as unknown as tf.TensorContainer);
    [only8, int8, mixed].forEach((m) => m.dispose());
    expect(tf.memory().numTensors).toBe(before);
    expect(() => new NestedBitMoELayer(layer, { views: [{ bits: 8, minWeight: 0.5 }] })).toThrow(
      /views\.0\.minWeight/,
    );
    expect(
      () =>
        new NestedBitMoELayer(layer, {
          views: [
            { bits: 4, minWeight: 0.2 },
            { bits: 8, minWeight: 0.5 },
            { bits: 2, minWeight: 0 },
          ],
        }),
    ).toThrow(/must decrease/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(x);
    layer.dispose();
  });
});
