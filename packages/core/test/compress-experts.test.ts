import {
  compressExperts,
  CompressedExpertsLayer,
  ConfigError,
  FfnExperts,
  initBackend,
  lowRankExperts,
  LowRankFfnExperts,
  MoELayer,
  moduleCosts,
  setSeed,
  svd,
  tf,
  type MoELayerConfigInput,
} from '../src';
import { smallMoeLayer } from './helpers/small-moe';
import { checkBankGradients } from './helpers/bank-gradients';

beforeAll(async () => {
  await initBackend();
});

const D = 6;
const H = 10;
const E = 5;

function makeLayer(extra: Partial<MoELayerConfigInput> = {}, seed = 2): MoELayer {
  return smallMoeLayer(
    {
      dim: D,
      hidden: H,
      numExperts: E,
      router: { type: 'softmax', bias: true },
      ...extra,
    } as MoELayerConfigInput,
    seed,
  );
}

const tokens = (t: number, seed: number) => tf.randomNormal([t, D], 0, 1, 'float32', seed) as tf.Tensor2D;
const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
/** Frees a forward's output and every aux tensor (tf.dispose walks nested objects). */
const disposeOut = (out: object) => tf.dispose(out as tf.TensorContainer);

describe('lowRankExperts', () => {
  it('at rank min(dim, hidden) every expert reproduces the source; below it, each projection is its truncated SVD', async () => {
    const layer = makeLayer();
    const bank = layer.experts as FfnExperts;
    const x = tokens(9, 1);
    const full = await lowRankExperts(bank, Math.min(D, H));
    expect(maxAbsDiff(full.forwardAll(x), bank.forwardAll(x))).toBeLessThan(1e-4);
    const low = await lowRankExperts(bank, 2);
    const errors = tf.tidy(() => {
      const w = tf.matMul(low.a1, low.c1); // [E, D, H], rank 2 each
      return tf.sqrt(tf.sum(tf.square(tf.sub(w, bank.w1)), [1, 2])).arraySync() as number[];
    });
    // Eckart–Young: each expert's error is the norm of its singular values past the second.
    const w1 = bank.w1.dataSync();
    errors.forEach((err, e) => {
      const { s } = svd(w1.subarray(e * D * H, (e + 1) * D * H), D, H);
      const tail = Math.sqrt(Array.from(s.subarray(2)).reduce((sum, v) => sum + v * v, 0));
      expect(err).toBeCloseTo(tail, 4);
      expect(err).toBeGreaterThan(1e-2);
    });
    expect(low.paramsPerExpert()).toBe(2 * 2 * (D + H) + H + D);
    expect(low.countParams()).toBe(E * low.paramsPerExpert());
    expect(low.flopsPerToken()).toBe(4 * 2 * (D + H));
    tf.dispose(x);
    [full, low, layer].forEach((m) => m.dispose());
  });

  it('forwardSorted agrees with forwardAll, and its gradients match finite differences', () => {
    setSeed(3);
    const bank = new LowRankFfnExperts({ numExperts: 3, dim: 4, hidden: 5, rank: 2, activation: 'silu' });
    const x = tf.variable(tf.randomNormal([7, 4], 0, 1, 'float32', 4));
    const sizes = [3, 0, 4];
    const sorted = bank.forwardSorted(x as tf.Tensor2D, sizes);
    const all = bank.forwardAll(x as tf.Tensor2D);
    const ref = tf
      .concat([tf.slice(all, [0, 0, 0], [1, 3, 4]), tf.slice(all, [2, 3, 0], [1, 4, 4])], 1)
      .reshape([7, 4]);
    expect(maxAbsDiff(sorted, ref)).toBeLessThan(1e-5);
    expect(checkBankGradients(bank, x, sizes)).toBe(35);
    tf.dispose([sorted, all, ref, x]);
    bank.dispose();
  });

  it('rejects a rank above min(dim, hidden), naming it', () => {
    expect(() => new LowRankFfnExperts({ numExperts: 2, dim: 4, hidden: 3, rank: 4 })).toThrow(
      /rank: rank 4 exceeds/,
    );
  });
});

describe('compressExperts', () => {
  it.each([
    [2, 'sorted'],
    [3, 'dense'],
  ] as const)('at full rank the layer equals the source (k = %i, %s dispatch)', async (topK, dispatch) => {
    const layer = makeLayer({ topK, sharedExperts: 1 });
    const x = tokens(30, 5);
    const compressed = await compressExperts(layer, { rank: D, dispatch });
    const a = layer.forward(x);
    const b = compressed.forward(x);
    expect(maxAbsDiff(a.y, b.y)).toBeLessThan(1e-4);
    // Counts: every token runs one full expert and k-1 compact ones.
    const counts = Array.from(b.aux.counts.dataSync());
    expect(counts.length).toBe(2 * E);
    expect(counts.slice(0, E).reduce((s, c) => s + c, 0)).toBe(30);
    expect(counts.slice(E).reduce((s, c) => s + c, 0)).toBe(30 * (topK - 1));
    [a, b].forEach((o) => disposeOut(o));
    tf.dispose(x);
    compressed.dispose();
    layer.dispose();
  });

  it('runs the top-1 expert in full and the others compressed (low rank), leaving nothing behind', async () => {
    const layer = makeLayer({ topK: 3 });
    const x = tokens(25, 6);
    const compressed = await compressExperts(layer, { rank: 2 });
    const before = tf.memory().numTensors;
    const out = compressed.forward(x);
    const expected = tf.tidy(() => {
      const { assignment } = layer.router.route(x);
      if (assignment.kind !== 'token') throw new Error('token choice expected');
      const full = layer.experts.forwardAll(x); // [E, T, D]
      const compact = compressed.experts.compact.forwardAll(x);
      const pick = (bank: tf.Tensor, column: number) => {
        const mask = tf.oneHot(tf.squeeze(tf.slice(assignment.indices, [0, column], [-1, 1]), [1]), E); // [T, E]
        const w = tf.slice(assignment.weights, [0, column], [-1, 1]); // [T, 1]
        return tf.sum(tf.mul(bank, tf.expandDims(tf.transpose(tf.mul(mask, w)), -1)), 0);
      };
      return tf.addN([pick(full, 0), pick(compact, 1), pick(compact, 2)]);
    });
    expect(maxAbsDiff(out.y, expected)).toBeLessThan(1e-5);
    const source = layer.forward(x);
    expect(maxAbsDiff(out.y, source.y)).toBeGreaterThan(1e-3); // rank 2 is an approximation
    disposeOut(source);
    expect(Array.from(out.aux.indices.dataSync()).every((id, i) => (i % 3 === 0 ? id < E : id >= E))).toBe(
      true,
    );
    disposeOut(out);
    expect(tf.memory().numTensors).toBe(before + 1); // `expected`
    tf.dispose([expected, x]);
    compressed.dispose();
    layer.dispose();
  });

  it('reports active parameters and FLOPs per token exactly', async () => {
    const layer = makeLayer({ topK: 3, sharedExperts: 1, sharedHidden: 4 });
    const r = 2;
    const compressed = await compressExperts(layer, { rank: r });
    const router = D * E + E;
    const fullExpert = 2 * D * H + H + D;
    const compactExpert = 2 * r * (D + H) + H + D;
    const shared = 2 * D * 4 + 4 + D;
    expect(compressed.countParams()).toBe(router + E * (fullExpert + compactExpert) + shared);
    expect(compressed.activeParams()).toBe(router + fullExpert + 2 * compactExpert + shared);
    expect(moduleCosts(compressed).active).toBe(compressed.activeParams());
    expect(compressed.flopsPerToken()).toBe(2 * D * E + 4 * D * H + 2 * 4 * r * (D + H) + 4 * D * 4);
    expect(layer.activeParams() - compressed.activeParams()).toBe(2 * (fullExpert - compactExpert));
    compressed.dispose();
    layer.dispose();
  });

  it('leaves the source untouched and its own variables apart', async () => {
    const layer = makeLayer();
    const x = tokens(10, 7);
    const y0 = tf.tidy(() => layer.forward(x).y);
    const compressed = await compressExperts(layer, { rank: 3 });
    expect(compressed).toBeInstanceOf(CompressedExpertsLayer);
    compressed.dispose();
    const y1 = tf.tidy(() => layer.forward(x).y);
    expect(maxAbsDiff(y0, y1)).toBe(0);
    tf.dispose([x, y0, y1]);
    layer.dispose();
  });

  it('refuses a rank above min(dim, hidden) and SwiGLU experts, naming the field', async () => {
    const layer = makeLayer();
    await expect(compressExperts(layer, { rank: 7 })).rejects.toThrow(
      /rank: 7 exceeds min\(dim, hidden\) = 6/,
    );
    await expect(compressExperts(layer, { rank: 2, dispatch: 'capacity' } as never)).rejects.toThrow(
      ConfigError,
    );
    const swiglu = makeLayer({ expert: 'swiglu' });
    await expect(compressExperts(swiglu, { rank: 2 })).rejects.toThrow(
      /expert: compressExperts factorises FFN experts/,
    );
    swiglu.dispose();
    layer.dispose();
  });
});
