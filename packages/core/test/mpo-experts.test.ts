/**
 * MPOE's experts (Gao et al. 2022, arXiv:2203.01104): the MPO layout and its exact reconstruction,
 * the bank's dispatch paths and gradients, the gradient mask on the shared central tensor, exact
 * parameter counts with the central tensor counted once, the fit from trained FFN experts, and
 * training inside a routed layer.
 */
import {
  AdamW,
  balancedFactors,
  ConfigError,
  FfnExperts,
  initBackend,
  moduleCosts,
  mpoBonds,
  MoELayer,
  MpoExperts,
  mpoExpertsFromFfn,
  mpoFromDense,
  mpoToDense,
  RebankedMoELayer,
  setSeed,
  tf,
} from '../src';
import { checkBankGradients } from './helpers/bank-gradients';
import { smallMoeLayer } from './helpers/small-moe';

beforeAll(async () => {
  await initBackend();
});

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor): number =>
  tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

/** Rows of forwardAll's output that forwardSorted computes: expert e on its own block of rows. */
function sortedReference(all: tf.Tensor3D, sizes: number[]): tf.Tensor2D {
  return tf.tidy(() => {
    let start = 0;
    const parts = sizes.map((n, e) => {
      const part = tf.reshape(tf.slice(all, [e, start, 0], [1, n, all.shape[2]]), [n, all.shape[2]]);
      start += n;
      return part;
    });
    return tf.concat(parts, 0) as tf.Tensor2D;
  });
}

/** FFN experts all equal to expert 0 (an FFN upcycled into E experts). */
function identicalExperts(e: number, dim: number, hidden: number): FfnExperts {
  const ffn = new FfnExperts({ numExperts: e, dim, hidden, activation: 'relu' });
  tf.tidy(() => {
    for (const v of [ffn.w1, ffn.b1, ffn.w2, ffn.b2]) {
      const first = tf.slice(v, [0], [1]);
      v.assign(
        tf.concat(
          Array.from({ length: e }, () => first),
          0,
        ),
      );
    }
    ffn.b1.assign(tf.add(ffn.b1, 0.1));
  });
  return ffn;
}

describe('MPO layout', () => {
  it('balances factors with the largest in the centre and caps bonds at the exact ranks', () => {
    expect(balancedFactors(64, 3)).toEqual([4, 4, 4]);
    expect(balancedFactors(64, 5)).toEqual([2, 2, 4, 2, 2]);
    expect(balancedFactors(256, 5)).toEqual([2, 4, 4, 4, 2]);
    expect(balancedFactors(7, 3)).toEqual([1, 7, 1]);
    // modes i_k j_k = [4, 8, 16, 8, 4]: exact bonds min(∏ left, ∏ right).
    expect(mpoBonds([2, 2, 4, 2, 2], [2, 4, 4, 4, 2])).toEqual([1, 4, 32, 32, 4, 1]);
    expect(mpoBonds([2, 2, 4, 2, 2], [2, 4, 4, 4, 2], 16)).toEqual([1, 4, 16, 16, 4, 1]);
  });

  it('reconstructs a dense matrix exactly at full bond dimension (3 and 5 cores), not when truncated', () => {
    setSeed(1);
    const a = Array.from(tf.tidy(() => tf.randomNormal([24, 20]).dataSync()));
    for (const [rows, cols] of [
      [
        [2, 6, 2],
        [2, 5, 2],
      ],
      [
        [1, 2, 3, 2, 2],
        [2, 1, 5, 2, 1],
      ],
    ]) {
      const mpo = mpoFromDense(a, rows, cols);
      const back = mpoToDense(mpo);
      expect(Math.max(...a.map((v, q) => Math.abs(v - back[q])))).toBeLessThan(1e-5);
      const cut = mpoToDense(mpoFromDense(a, rows, cols, 2));
      expect(Math.max(...a.map((v, q) => Math.abs(v - cut[q])))).toBeGreaterThan(1e-2);
    }
  });

  it('rejects layouts that do not fit, naming the field', () => {
    const base = { numExperts: 2, dim: 8, hidden: 12 };
    expect(() => new MpoExperts({ ...base, cores: 4 })).toThrow(/cores: an MPO needs an odd number of cores/);
    expect(() => new MpoExperts({ ...base, dimFactors: [2, 2, 3] })).toThrow(
      /dimFactors: \[2, 2, 3\] multiplies to 12, not 8/,
    );
    expect(() => new MpoExperts({ ...base, cores: 3, hiddenFactors: [3, 4] })).toThrow(
      /hiddenFactors: has 2 factors for 3 cores/,
    );
    expect(() => new MpoExperts({ ...base, centralGradKeep: 0 })).toThrow(ConfigError);
  });
});

describe('MpoExperts', () => {
  it('counts the shared central tensors once: exact parameters, and the factor against FFN experts', () => {
    const opts = { numExperts: 4, dim: 8, hidden: 12, dimFactors: [2, 2, 2], hiddenFactors: [2, 3, 2] };
    const bank = new MpoExperts(opts);
    // modes [4, 6, 4], bonds [1, 4, 4, 1]: cores of W1 16, 96 (central), 16 values; W2 the same.
    expect(bank.layout.bonds).toEqual([1, 4, 4, 1]);
    const shapes = Object.fromEntries(bank.namedParameters().map(([n, v]) => [n, v.shape]));
    expect(shapes).toEqual({
      w1Aux0: [4, 1, 2, 2, 4],
      w1Central: [4, 2, 3, 4],
      w1Aux2: [4, 4, 2, 2, 1],
      w2Aux0: [4, 1, 2, 2, 4],
      w2Central: [4, 3, 2, 4],
      w2Aux2: [4, 4, 2, 2, 1],
      b1: [4, 12],
      b2: [4, 8],
    });
    expect(bank.sharedParams()).toBe(2 * 96);
    expect(bank.paramsPerExpert()).toBe(2 * (16 + 16) + 12 + 8);
    expect(bank.countParams()).toBe(192 + 4 * 84);
    expect(bank.flopsPerToken()).toBe(4 * 8 * 12);
    const own = new MpoExperts({ ...opts, shareCentral: false });
    expect(own.sharedParams()).toBe(0);
    expect(own.paramsPerExpert()).toBe(84 + 192);
    expect(own.countParams()).toBe(4 * (84 + 192));

    // A realistic layer: D 64, H 256, 8 experts, 5 cores, bond 16 (factors [2,2,4,2,2], [2,4,4,4,2]).
    const big = new MpoExperts({ numExperts: 8, dim: 64, hidden: 256, cores: 5, bondDim: 16 });
    expect(big.layout.bonds).toEqual([1, 4, 16, 16, 4, 1]);
    // Per weight: aux 16 + 512 + 512 + 16 = 1056, central 16·16·16 = 4096.
    expect(big.sharedParams()).toBe(2 * 4096);
    expect(big.paramsPerExpert()).toBe(2 * 1056 + 256 + 64);
    expect(big.countParams()).toBe(8192 + 8 * 2432);
    const ffnParams = 8 * (2 * 64 * 256 + 256 + 64);
    expect(ffnParams / big.countParams()).toBeCloseTo(9.574, 3);
    [bank, own, big].forEach((b) => b.dispose());
  });

  it('forwardSorted equals the rows of forwardAll, and leaves no tensors behind', () => {
    setSeed(2);
    for (const cores of [3, 5]) {
      const bank = new MpoExperts({
        numExperts: 3,
        dim: 8,
        hidden: 12,
        cores,
        bondDim: 3,
        activation: 'silu',
      });
      tf.tidy(() => bank.b1.assign(tf.randomNormal(bank.b1.shape, 0, 0.3)));
      const x = tf.randomNormal([9, 8]) as tf.Tensor2D;
      const sizes = [4, 0, 5];
      const before = tf.memory().numTensors;
      const all = bank.forwardAll(x);
      const sorted = bank.forwardSorted(x, sizes);
      expect(tf.memory().numTensors).toBe(before + 2);
      expect(all.shape).toEqual([3, 9, 8]);
      const ref = sortedReference(all, sizes);
      expect(maxAbsDiff(sorted, ref)).toBeLessThan(1e-5);
      // Each expert is the FFN of its reconstructed weights.
      const w1 = bank.expertWeights('w1');
      const w2 = bank.expertWeights('w2');
      expect(w1.shape).toEqual([3, 8, 12]);
      expect(w2.shape).toEqual([3, 12, 8]);
      const expert2 = tf.tidy(() => {
        const pick = (w: tf.Tensor3D, e: number) => tf.squeeze(tf.slice(w, [e], [1]), [0]) as tf.Tensor2D;
        const h = tf.add(tf.matMul(x, pick(w1, 2)), tf.slice(bank.b1, [2], [1]));
        return tf.add(tf.matMul(tf.mul(h, tf.sigmoid(h)), pick(w2, 2)), tf.slice(bank.b2, [2], [1]));
      });
      expect(maxAbsDiff(expert2, tf.squeeze(tf.slice(all, [2], [1]), [0]))).toBeLessThan(1e-5);
      tf.dispose([x, all, sorted, ref, w1, w2, expert2]);
      bank.dispose();
    }
  });

  it('gradients of the auxiliary and central cores match finite differences (3 and 5 cores, shared or not)', () => {
    setSeed(3);
    for (const [cores, shareCentral] of [
      [3, true],
      [5, true],
      [3, false],
    ] as const) {
      const bank = new MpoExperts({
        numExperts: 3,
        dim: 4,
        hidden: 6,
        cores,
        shareCentral,
        activation: 'silu',
      });
      const x = tf.variable(tf.randomNormal([6, 4], 0, 1, 'float32', 5));
      // x, the 2n cores and the two biases, 5 entries each (the mask test checks for leaks).
      expect(checkBankGradients(bank, x, [2, 1, 3])).toBe(5 * (1 + 2 * cores + 2));
      x.dispose();
      bank.dispose();
    }
  });

  it('the gradient mask scales the central gradient exactly and leaves the forward and the auxiliaries alone', () => {
    setSeed(4);
    const opts = { numExperts: 3, dim: 16, hidden: 32, dimFactors: [2, 4, 2], hiddenFactors: [2, 8, 2] };
    const plain = new MpoExperts(opts);
    const scaled = new MpoExperts({ ...opts, centralGradScale: 0.3 });
    const dropped = new MpoExperts({ ...opts, centralGradScale: 0.3, centralGradKeep: 0.5 });
    scaled.loadStateDict(plain.stateDict());
    dropped.loadStateDict(plain.stateDict());
    const x = tf.randomNormal([10, 16]) as tf.Tensor2D;
    const r = tf.randomNormal([10, 16]);
    const sizes = [3, 3, 4];
    const grads = (bank: MpoExperts) => {
      const loss = () => tf.sum(tf.mul(bank.forwardSorted(x, sizes), r)) as tf.Scalar;
      const { value, grads: g } = tf.variableGrads(loss, bank.parameters());
      const out = Object.fromEntries(
        bank.namedParameters().map(([n, v]) => [n, Array.from(g[v.name].dataSync())]),
      );
      tf.dispose([value, ...Object.values(g)]);
      return out;
    };
    const yPlain = plain.forwardAll(x);
    const yDropped = dropped.forwardAll(x);
    expect(Array.from(yDropped.dataSync())).toEqual(Array.from(yPlain.dataSync()));
    const before = tf.memory().numTensors;
    const g0 = grads(plain);
    const g1 = grads(scaled);
    const g2 = grads(dropped);
    expect(tf.memory().numTensors).toBe(before);
    const times = (v: number[], s: number) => Array.from(tf.tidy(() => tf.mul(tf.tensor(v), s).dataSync()));
    for (const name of Object.keys(g0)) {
      if (name.endsWith('Central')) {
        expect(g1[name]).toEqual(times(g0[name], 0.3));
        const want = times(g0[name], 0.3);
        const zeros = g2[name].filter((v, i) => v === 0 && want[i] !== 0).length;
        g2[name].forEach((v, i) => expect(v === 0 || v === want[i]).toBe(true));
        expect(zeros / want.length).toBeGreaterThan(0.4); // each entry dropped with probability 0.5
        expect(zeros / want.length).toBeLessThan(0.6);
      } else {
        expect(g1[name]).toEqual(g0[name]);
        expect(g2[name]).toEqual(g0[name]);
      }
    }
    dropped.eval(); // no Bernoulli draw outside training: the scale alone
    expect(grads(dropped).w1Central).toEqual(times(g0.w1Central, 0.3));
    tf.dispose([x, r, yPlain, yDropped]);
    [plain, scaled, dropped].forEach((b) => b.dispose());
  });
});

describe('mpoExpertsFromFfn', () => {
  it('reproduces identical experts exactly with one shared central tensor (3 and 5 cores)', async () => {
    setSeed(5);
    for (const cores of [3, 5]) {
      const ffn = identicalExperts(3, 8, 12);
      const bank = await mpoExpertsFromFfn(ffn, { cores });
      expect(bank.sharedParams()).toBeGreaterThan(0);
      const w1 = bank.expertWeights('w1');
      const w2 = bank.expertWeights('w2');
      expect(maxAbsDiff(w1, ffn.w1)).toBeLessThan(1e-5);
      expect(maxAbsDiff(w2, ffn.w2)).toBeLessThan(1e-5);
      const x = tf.randomNormal([5, 8]) as tf.Tensor2D;
      const a = ffn.forwardAll(x);
      const b = bank.forwardAll(x);
      expect(maxAbsDiff(a, b)).toBeLessThan(1e-5);
      tf.dispose([w1, w2, x, a, b]);
      ffn.dispose();
      bank.dispose();
    }
  });

  it('fits distinct experts around the mean central tensor: the sweeps lower the error', async () => {
    setSeed(6);
    const ffn = new FfnExperts({ numExperts: 3, dim: 8, hidden: 12 });
    const error = async (sweeps: number): Promise<number> => {
      const bank = await mpoExpertsFromFfn(ffn, { cores: 3, sweeps });
      const w1 = bank.expertWeights('w1');
      const err = tf.tidy(() => tf.norm(tf.sub(w1, ffn.w1)).dataSync()[0]);
      w1.dispose();
      bank.dispose();
      return err;
    };
    const [e0, e1, e4] = [await error(0), await error(1), await error(4)];
    const scale = tf.tidy(() => tf.norm(ffn.w1).dataSync()[0]);
    expect(e1).toBeLessThan(e0);
    expect(e4).toBeLessThanOrEqual(e1 + 1e-6);
    expect(e4).toBeLessThan(0.9 * scale); // far better than nothing, though one shared core cannot be exact
    ffn.dispose();
  });
});

describe('MPO experts in a routed layer', () => {
  it('counts the central tensors once in the layer, and trains a small regression', async () => {
    const source = smallMoeLayer({ dim: 8, hidden: 12, numExperts: 4 }, 7);
    const bank = await mpoExpertsFromFfn(source.experts as FfnExperts, {
      cores: 3,
      bondDim: 3,
      centralGradScale: 0.25,
    });
    const layer = new RebankedMoELayer(source, bank);
    const router = 8 * 4; // the softmax router's weight, no bias
    expect(layer.countParams()).toBe(router + bank.sharedParams() + 4 * bank.paramsPerExpert());
    expect(layer.activeParams()).toBe(router + bank.sharedParams() + 2 * bank.paramsPerExpert());
    expect(moduleCosts(layer).active).toBe(layer.activeParams());
    expect(moduleCosts(layer).total).toBe(layer.countParams());

    layer.train();
    setSeed(8);
    const x = tf.randomNormal([32, 8]) as tf.Tensor2D;
    const target = tf.tidy(() => tf.tanh(tf.matMul(x, tf.randomNormal([8, 8], 0, 0.5))));
    const opt = new AdamW(layer, { lr: 1e-2, weightDecay: 0 });
    const loss = (): tf.Scalar => {
      const { y, aux } = layer.forward(x);
      return tf.add(tf.mean(tf.square(tf.sub(y, target))), aux.losses.aux) as tf.Scalar;
    };
    const losses = [opt.minimize(loss)];
    const before = tf.memory().numTensors;
    for (let step = 0; step < 25; step++) losses.push(opt.minimize(loss));
    expect(tf.memory().numTensors).toBe(before);
    expect(losses[losses.length - 1]).toBeLessThan(0.7 * losses[0]);
    opt.dispose();
    tf.dispose([x, target]);
    layer.dispose();
    source.dispose();
  });
});

describe("MoELayer with expert: 'mpo'", () => {
  it('builds MPO experts from the layer config, with fewer parameters than FFN experts, and refuses a bad layout by name', () => {
    const base = { dim: 32, hidden: 32, numExperts: 8, topK: 2 } as const;
    setSeed(4);
    const ffn = new MoELayer(base);
    const mpo = new MoELayer({ ...base, expert: 'mpo', mpo: { cores: 3, bondDim: 8 } });
    expect(mpo.experts).toBeInstanceOf(MpoExperts);
    expect(mpo.countParams()).toBeLessThan(ffn.countParams() / 2);
    const x = tf.randomNormal([10, 32], 0, 1, 'float32', 5) as tf.Tensor2D;
    const { y } = mpo.forward(x);
    expect(y.shape).toEqual([10, 32]);
    expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
    expect(() => new MoELayer({ ...base, expert: 'mpo', mpo: { cores: 4 } })).toThrow(/cores/);
    tf.dispose([x, y]);
    ffn.dispose();
    mpo.dispose();
  });
});
