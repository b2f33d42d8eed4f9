import {
  calibrateExperts,
  ConfigError,
  FfnExperts,
  groupExperts,
  initBackend,
  mergeExperts,
  MoELayer,
  moduleCosts,
  setSeed,
  SubspaceMergedExperts,
  tf,
  type MoELayerConfigInput,
} from '../src';
import { smallMoeLayer } from './helpers/small-moe';
import { checkBankGradients } from './helpers/bank-gradients';

beforeAll(async () => {
  await initBackend();
});

const D = 8;
const H = 5;
const E = 4;

/** An MoE layer whose expert 2 is a copy of expert 0 and expert 3 a copy of expert 1 (when `twins`). */
function makeLayer(twins: boolean, extra: Partial<MoELayerConfigInput> = {}, seed = 3): MoELayer {
  const layer = smallMoeLayer(
    {
      dim: D,
      hidden: H,
      numExperts: E,
      router: { type: 'softmax', bias: true },
      ...extra,
    } as MoELayerConfigInput,
    seed,
  );
  const bank = layer.experts as FfnExperts;
  if (twins) {
    tf.tidy(() => {
      for (const v of [bank.w1, bank.b1, bank.w2, bank.b2]) {
        const pair = tf.slice(v, [0], [2]);
        v.assign(tf.concat([pair, pair], 0));
      }
    });
  }
  return layer;
}

const tokens = (t: number, seed: number) => tf.randomNormal([t, D], 0, 1, 'float32', seed) as tf.Tensor2D;
const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

/** max |u1[g(e)] v1[e] - w1[e]| and max |v2[e] u2[g(e)] - w2[e]| over the experts. */
function reconstructionError(merged: SubspaceMergedExperts, source: FfnExperts): number {
  return tf.tidy(() => {
    const index = tf.tensor1d(merged.groupOf as number[], 'int32');
    const w1 = tf.matMul(tf.gather(merged.u1, index), merged.v1);
    const w2 = tf.matMul(merged.v2, tf.gather(merged.u2, index));
    return Math.max(maxAbsDiff(w1, source.w1), maxAbsDiff(w2, source.w2));
  });
}

describe('groupExperts', () => {
  it('merges the most similar groups first (average linkage), numbering groups by their lowest expert', () => {
    const s = [
      [1, 0.1, 0.8, 0.2, 0.1],
      [0.1, 1, 0.3, 0.9, 0.1],
      [0.8, 0.3, 1, 0.1, 0.6],
      [0.2, 0.9, 0.1, 1, 0.1],
      [0.1, 0.1, 0.6, 0.1, 1],
    ];
    expect(groupExperts(s, 5)).toEqual([0, 1, 2, 3, 4]);
    expect(groupExperts(s, 3)).toEqual([0, 1, 0, 1, 2]);
    // {0,2} with 4: mean(0.1, 0.6) = 0.35 beats {1,3} with 4 (0.1) and {0,2} with {1,3} (0.175).
    expect(groupExperts(s, 2)).toEqual([0, 1, 0, 1, 0]);
    expect(groupExperts(s, 1)).toEqual([0, 0, 0, 0, 0]);
  });

  it('rejects a bad group count or a non-square matrix, naming the field', () => {
    expect(() =>
      groupExperts(
        [
          [1, 0],
          [0, 1],
        ],
        3,
      ),
    ).toThrow(/numGroups: must be an integer in \[1, 2\]/);
    expect(() => groupExperts([[1, 0], [0]], 1)).toThrow(ConfigError);
  });
});

describe('SubspaceMergedExperts', () => {
  it('has the exact shapes and parameter count (each group basis counted once)', () => {
    const bank = new SubspaceMergedExperts({
      numExperts: 5,
      dim: 6,
      hidden: 7,
      rank: 3,
      groupOf: [0, 1, 0, 2, 1],
    });
    const shapes = Object.fromEntries(bank.namedParameters().map(([n, v]) => [n, v.shape]));
    expect(shapes).toEqual({
      u1: [3, 6, 3],
      v1: [5, 3, 7],
      b1: [5, 7],
      v2: [5, 7, 3],
      u2: [3, 3, 6],
      b2: [5, 6],
    });
    expect(bank.numGroups).toBe(3);
    expect(bank.sharedParams()).toBe(2 * 3 * 3 * 6);
    expect(bank.paramsPerExpert()).toBe(2 * 3 * 7 + 7 + 6);
    expect(bank.countParams()).toBe(2 * 3 * 3 * 6 + 5 * (2 * 3 * 7 + 7 + 6));
    expect(bank.flopsPerToken()).toBe(4 * 3 * (6 + 7));
    bank.dispose();
  });

  it('forwardSorted agrees with forwardAll, and its gradients match finite differences', () => {
    setSeed(4);
    const bank = new SubspaceMergedExperts({
      numExperts: 3,
      dim: 4,
      hidden: 5,
      rank: 2,
      groupOf: [0, 1, 0],
      activation: 'silu',
    });
    const x = tf.variable(tf.randomNormal([6, 4], 0, 1, 'float32', 5));
    const sizes = [2, 1, 3];
    const sorted = bank.forwardSorted(x as tf.Tensor2D, sizes);
    const all = bank.forwardAll(x as tf.Tensor2D);
    const ref = tf.concat(
      [0, 1, 2].map((e) => tf.slice(all, [e, [0, 2, 3][e], 0], [1, sizes[e], 4]).reshape([-1, 4])),
      0,
    );
    expect(maxAbsDiff(sorted, ref)).toBeLessThan(1e-5);
    expect(checkBankGradients(bank, x, sizes)).toBe(35);
    tf.dispose([sorted, all, ref, x]);
    bank.dispose();
  });

  it('rejects a grouping with a gap or of the wrong length, naming groupOf', () => {
    const base = { numExperts: 3, dim: 4, hidden: 5, rank: 2 };
    expect(() => new SubspaceMergedExperts({ ...base, groupOf: [0, 2, 0] })).toThrow(
      /groupOf: group ids must be 0..2/,
    );
    expect(() => new SubspaceMergedExperts({ ...base, groupOf: [0, 1] })).toThrow(
      /groupOf: has 2 entries for 3 experts/,
    );
    expect(() => new SubspaceMergedExperts({ ...base, rank: 5, groupOf: [0, 0, 0] })).toThrow(
      /rank: rank 5 exceeds dim 4/,
    );
  });
});

describe('mergeExperts', () => {
  it('at rank = dim the merged layer equals the source, whatever the grouping', async () => {
    const layer = makeLayer(false, { sharedExperts: 1 });
    const x = tokens(24, 6);
    const merged = await mergeExperts(layer, { groupOf: [0, 1, 0, 0], rank: D });
    const a = tf.tidy(() => layer.forward(x).y);
    const before = tf.memory().numTensors;
    const b = tf.tidy(() => merged.forward(x).y);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-4);
    expect(
      reconstructionError(merged.experts as SubspaceMergedExperts, layer.experts as FfnExperts),
    ).toBeLessThan(1e-5);
    tf.dispose([a, b, x]);
    merged.dispose();
    layer.dispose();
  });

  it('a group of identical experts merges with no error at their own rank; unlike experts do not', async () => {
    const layer = makeLayer(true);
    const x = tokens(24, 7);
    const stats = await calibrateExperts(layer, x);
    const groupOf = groupExperts(stats.similarity, 2);
    expect(groupOf).toEqual([0, 1, 0, 1]); // the twins, found from their outputs
    const merged = await mergeExperts(layer, { groupOf, rank: H }); // H < D: each group has rank H
    const bank = merged.experts as SubspaceMergedExperts;
    expect(reconstructionError(bank, layer.experts as FfnExperts)).toBeLessThan(1e-5);
    const a = tf.tidy(() => layer.forward(x).y);
    const b = tf.tidy(() => merged.forward(x).y);
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-4);
    const mixed = await mergeExperts(layer, { groupOf: [0, 0, 1, 1], rank: H }); // rank 2H > H per group
    expect(
      reconstructionError(mixed.experts as SubspaceMergedExperts, layer.experts as FfnExperts),
    ).toBeGreaterThan(1e-2);
    tf.dispose([a, b, x]);
    [merged, mixed, layer].forEach((m) => m.dispose());
  });

  it('counts the bases once: exact parameters, active parameters and FLOPs', async () => {
    const layer = makeLayer(false);
    const r = 3;
    const merged = await mergeExperts(layer, { groupOf: [0, 1, 1, 0], rank: r });
    const router = D * E + E;
    const bases = 2 * 2 * r * D;
    const perExpert = 2 * r * H + H + D;
    expect(merged.countParams()).toBe(router + bases + E * perExpert);
    expect(merged.activeParams()).toBe(router + bases + 2 * perExpert);
    expect(moduleCosts(merged).active).toBe(merged.activeParams());
    expect(merged.flopsPerToken()).toBe(2 * D * E + 2 * 4 * r * (D + H));
    expect(layer.countParams() - merged.countParams()).toBe(E * (2 * D * H) - bases - E * 2 * r * H);
    merged.dispose();
    layer.dispose();
  });

  it('rejects a grouping that does not fit the layer and a rank above dim, naming the field', async () => {
    const layer = makeLayer(false);
    await expect(mergeExperts(layer, { groupOf: [0, 1, 0], rank: 2 })).rejects.toThrow(
      /groupOf: has 3 entries for 4 experts/,
    );
    await expect(mergeExperts(layer, { groupOf: [0, 1, 0, 1], rank: D + 1 })).rejects.toThrow(
      /rank: 9 exceeds dim 8/,
    );
    layer.dispose();
  });
});
