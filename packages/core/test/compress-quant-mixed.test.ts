import {
  allocateExpertBits,
  calibrateExperts,
  ConfigError,
  dequantizeChannels,
  expertImportance,
  FfnExperts,
  initBackend,
  MixedPrecisionExperts,
  mixedPrecisionExpertBytes,
  mixedPrecisionExperts,
  MoELayer,
  quantizeChannels,
  TERNARY_BITS,
  tf,
  TopAnyPrunedLayer,
  unpackChannelCodes,
  type ExpertCalibration,
} from '../src';
import { smallMoeLayer } from './helpers/small-moe';

beforeAll(async () => {
  await initBackend();
});

const D = 6;
const H = 10;
const E = 5;

function makeLayer(seed = 2): MoELayer {
  return smallMoeLayer({ dim: D, hidden: H, numExperts: E }, seed);
}

function floatCopy(bank: FfnExperts): FfnExperts {
  const copy = new FfnExperts({ numExperts: E, dim: D, hidden: H, activation: bank.activation });
  copy.loadStateDict(bank.stateDict());
  return copy.eval();
}

const tokens = (t: number, seed: number) => tf.randomNormal([t, D], 0, 1, 'float32', seed) as tf.Tensor2D;
const maxAbs = (a: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(a)).dataSync()[0]);
const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

describe('MixedPrecisionExperts', () => {
  it('stores exactly Σ_e (packed codes + 4 per scale + 4 per bias), by hand', () => {
    const layer = makeLayer();
    const bank = new MixedPrecisionExperts(layer.experts as FfnExperts, [8, 4, 2, TERNARY_BITS, 4]);
    // w1 [6, 10] and w2 [10, 6]: 60 weights each; scales 10 + 6; biases 10 + 6 = 64 bytes.
    const at8 = 60 + 40 + 60 + 24 + 64; // 248
    const at4 = 30 + 40 + 30 + 24 + 64; // 188
    const at2 = 15 + 40 + 15 + 24 + 64; // 158
    const ternary = 12 + 40 + 12 + 24 + 64; // ceil(60 / 5) = 12 bytes per matrix: 152
    expect(bank.storedBytes()).toBe(at8 + at4 + at2 + ternary + at4);
    expect(bank.storedBytes()).toBe(934);
    expect([8, 4, 2, TERNARY_BITS].map((b) => mixedPrecisionExpertBytes(D, H, b))).toEqual([
      at8,
      at4,
      at2,
      ternary,
    ]);
    // The bank counts as the source's parameters; forwards run the cached dequantized copy.
    expect(bank.countParams()).toBe(E * (2 * D * H + H + D));
    expect(bank.dequantized.parameters()).toHaveLength(0);
    bank.dispose();
    layer.dispose();
  });

  it('caches exactly what the packed store decodes to', () => {
    const layer = makeLayer();
    const source = layer.experts as FfnExperts;
    const bank = new MixedPrecisionExperts(source, [2, 8, TERNARY_BITS, 4, 3]);
    const w1 = source.w1.dataSync() as Float32Array;
    const cached = bank.dequantized.w1.dataSync();
    bank.store.forEach((x, e) => {
      const decoded = dequantizeChannels(unpackChannelCodes(x.w1.packed, D, H, x.bits, x.w1.scales));
      const direct = dequantizeChannels(quantizeChannels(w1.slice(e * D * H, (e + 1) * D * H), D, H, x.bits));
      expect(Array.from(cached.subarray(e * D * H, (e + 1) * D * H))).toEqual(Array.from(decoded));
      expect(Array.from(decoded)).toEqual(Array.from(direct));
    });
    bank.dispose();
    layer.dispose();
  });

  it('at 8 bits reproduces the float experts within a tight bound, and error grows as bits shrink', () => {
    const layer = makeLayer();
    const source = layer.experts as FfnExperts;
    const x = tokens(32, 4);
    const ref = source.forwardAll(x);
    const errors = [8, 4, 2].map((b) => {
      const bank = new MixedPrecisionExperts(source, new Array<number>(E).fill(b));
      const err = maxAbsDiff(bank.forwardAll(x), ref);
      bank.dispose();
      return err;
    });
    expect(errors[0]).toBeLessThan(0.01 * maxAbs(ref));
    expect(errors[0]).toBeGreaterThan(0); // it is quantized
    expect(errors[1]).toBeGreaterThan(errors[0]);
    expect(errors[2]).toBeGreaterThan(errors[1]);
    tf.dispose([x, ref]);
    layer.dispose();
  });
});

describe('bit allocation', () => {
  const bytesAt = (b: number) => 125 * b;

  it('gives the widest fitting width to the most important expert first, never passing the budget', () => {
    expect(allocateExpertBits([0.5, 0.1, 0.4], { budgetBytes: 1900, widths: [2, 4, 8], bytesAt })).toEqual([
      8, 2, 4,
    ]);
    expect(allocateExpertBits([0.5, 0.1, 0.4], { budgetBytes: 2000, widths: [8, 4, 2], bytesAt })).toEqual([
      8, 4, 4,
    ]);
    expect(allocateExpertBits([0.5, 0.1, 0.4], { budgetBytes: 750, widths: [2, 4, 8], bytesAt })).toEqual([
      2, 2, 2,
    ]);
    expect(allocateExpertBits([0.2, 0.2], { budgetBytes: 1500, widths: [2, 4, 8], bytesAt })).toEqual([8, 4]);
    expect(() => allocateExpertBits([1, 1], { budgetBytes: 499, widths: [2, 4], bytesAt })).toThrow(
      ConfigError,
    );
    expect(() => allocateExpertBits([1, 1], { budgetBytes: 499, widths: [2, 4], bytesAt })).toThrow(
      /budgetBytes/,
    );
  });

  it('builds a bank from calibration within the budget, exactly, with no width left that fits', async () => {
    const layer = makeLayer();
    const x = tokens(64, 5);
    const stats = await calibrateExperts(layer, x);
    const widths = [TERNARY_BITS, 2, 4, 8];
    const cost = (b: number) => mixedPrecisionExpertBytes(D, H, b);
    for (const budgetBytes of [E * cost(TERNARY_BITS), 900, 1000, 1100, E * cost(8)]) {
      const bank = mixedPrecisionExperts(layer.experts as FfnExperts, stats, { budgetBytes, widths });
      const total = bank.bits.reduce((s, b) => s + cost(b), 0);
      expect(bank.storedBytes()).toBe(total);
      expect(total).toBeLessThanOrEqual(budgetBytes);
      const importance = expertImportance(stats);
      bank.bits.forEach((b, e) => {
        const wider = widths.filter((w) => w > b);
        if (wider.length > 0) expect(total - cost(b) + cost(wider[0])).toBeGreaterThan(budgetBytes);
        bank.bits.forEach((b2, e2) => {
          if (importance[e] > importance[e2]) expect(b).toBeGreaterThanOrEqual(b2);
        });
      });
      bank.dispose();
    }
    const stale: ExpertCalibration = { ...stats, usage: [1], saliency: [1] };
    expect(() => mixedPrecisionExperts(layer.experts as FfnExperts, stale, { budgetBytes: 5000 })).toThrow(
      /calibration has 1 experts, the bank 5/,
    );
    expect(() =>
      mixedPrecisionExperts(layer.experts as FfnExperts, stats, { budgetBytes: 5000, widths: [1] }),
    ).toThrow(ConfigError);
    tf.dispose(x);
    layer.dispose();
  });
});

describe('TopAnyPrunedLayer', () => {
  it('drops a second expert below the threshold (exactly the top-1 output) and keeps it above', async () => {
    const layer = makeLayer();
    const x = tokens(40, 6);
    const { assignment } = layer.router.route(x);
    if (assignment.kind !== 'token') throw new Error('token choice expected');
    const idx = assignment.indices.arraySync() as number[][];
    const w = assignment.weights.arraySync() as number[][];
    tf.dispose([assignment.indices, assignment.weights]);
    const share = w.map((row) => Math.min(...row) / (row[0] + row[1]));
    const threshold = [...share].sort((a, b) => a - b)[Math.floor(share.length / 2)];
    const pruned = share.map((s) => s < threshold);
    expect(pruned.filter(Boolean).length).toBeGreaterThan(5);
    expect(pruned.filter((p) => !p).length).toBeGreaterThan(5);

    const source = layer.experts as FfnExperts;
    const top = new TopAnyPrunedLayer(layer, floatCopy(source), { threshold });
    const { y, aux } = top.forward(x);
    const all = source.forwardAll(x).arraySync() as number[][][];
    const out = y.arraySync() as number[][];
    idx.forEach((experts, t) => {
      const first = w[t][0] >= w[t][1] ? 0 : 1;
      const sum = w[t][0] + w[t][1];
      for (let c = 0; c < D; c++) {
        const expected = pruned[t]
          ? all[experts[first]][t][c] * sum
          : w[t][0] * all[experts[0]][t][c] + w[t][1] * all[experts[1]][t][c];
        expect(out[t][c]).toBeCloseTo(expected, 5);
      }
    });
    const counts = Array.from(await aux.counts.data());
    expect(counts).toHaveLength(E + 1);
    expect(counts[E]).toBe(pruned.filter(Boolean).length);
    expect(await top.meanActiveExperts(aux)).toBeCloseTo(2 - pruned.filter(Boolean).length / 40, 10);
    tf.dispose(y);
    tf.dispose(aux as unknown as tf.TensorContainer);

    // Threshold 0 keeps every pair: the source's output, and two active experts per token.
    const keepAll = new TopAnyPrunedLayer(layer, floatCopy(source));
    const a = keepAll.forward(x);
    const b = layer.forward(x);
    expect(maxAbsDiff(a.y, b.y)).toBeLessThan(1e-6);
    expect(await keepAll.meanActiveExperts(a.aux)).toBe(2);
    expect(keepAll.activeParams()).toBe(layer.activeParams());
    expect(keepAll.flopsPerToken()).toBe(layer.flopsPerToken());
    tf.dispose([a, b] as unknown as tf.TensorContainer);
    [top, keepAll].forEach((m) => m.dispose());
    tf.dispose(x);
    layer.dispose();
  });

  it('around an 8-bit bank stays within a tight bound of the float layer', () => {
    const layer = makeLayer();
    const x = tokens(24, 7);
    const mixed = new TopAnyPrunedLayer(
      layer,
      new MixedPrecisionExperts(layer.experts as FfnExperts, new Array<number>(E).fill(8)),
    );
    const a = mixed.forward(x);
    const b = layer.forward(x);
    expect(maxAbsDiff(a.y, b.y)).toBeLessThan(0.01 * maxAbs(b.y));
    tf.dispose([a, b] as unknown as tf.TensorContainer);
    mixed.dispose();
    tf.dispose(x);
    layer.dispose();
  });

  it('leaves no tensors behind: build, forward (dense and sorted), dispose', async () => {
    const layer = makeLayer();
    const x = tokens(12, 8);
    const before = tf.memory().numTensors;
    for (const dispatch of ['dense', 'sorted'] as const) {
      const bank = new MixedPrecisionExperts(layer.experts as FfnExperts, [8, 4, 2, TERNARY_BITS, 4]);
      const pruned = new TopAnyPrunedLayer(layer, bank, { threshold: 0.4, dispatch });
      const out = pruned.forward(x);
      await pruned.meanActiveExperts(out.aux);
      tf.dispose(out as unknown as tf.TensorContainer);
      pruned.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(() => new TopAnyPrunedLayer(layer, layer.experts, { threshold: 2 })).toThrow(/threshold/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(x);
    layer.dispose();
  });
});
