/**
 * Defining behaviours of RMoE's layerwise recurrent router: the GRU step, the state carried from
 * layer to layer (layer 2's routing moves when only layer 1's input, through the state, does),
 * gradients from a later layer reaching the shared GRU and the earlier layer's projection (checked
 * against finite differences), the shared cell counted once in a model, and the MLP router that is
 * its equal-parameter baseline.
 */
import { initBackend, parseConfig, RouterConfigSchema, setSeed, tf, TokenClassifier } from '../src';
import { createRouter, MlpRouter, MoELayer, RecurrentRouter } from '../src/moe';
import { GruCell } from '../src/nn';

beforeAll(async () => {
  await initBackend();
});

const rows = (t: tf.Tensor): number[][] => t.arraySync() as number[][];
const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** Central finite differences of `loss` against `variableGrads` for every entry of `vars`. */
function gradCheck(loss: () => tf.Scalar, vars: tf.Variable[], eps = 1e-2): void {
  const { grads, value } = tf.variableGrads(loss, vars);
  value.dispose();
  for (const v of vars) {
    const analytic = grads[v.name].dataSync();
    const base = Float32Array.from(v.dataSync());
    const at = (i: number, delta: number): number => {
      const shifted = base.slice();
      shifted[i] += delta;
      v.assign(tf.tensor(shifted, v.shape));
      return tf.tidy(() => loss().dataSync()[0]);
    };
    for (let i = 0; i < base.length; i++) {
      const numeric = (at(i, eps) - at(i, -eps)) / (2 * eps);
      const tol = 3e-2 * Math.max(Math.abs(numeric), Math.abs(analytic[i])) + 2e-3;
      expect(Math.abs(numeric - analytic[i])).toBeLessThanOrEqual(tol);
    }
    v.assign(tf.tensor(base, v.shape));
  }
  tf.dispose(grads);
}

describe('GRU cell', () => {
  it('one step matches the GRU equations computed by hand (r, z, n gates; zero state)', () => {
    setSeed(1);
    const cell = new GruCell({ inputDim: 3, hiddenDim: 2 });
    const x = tf.tensor2d([[0.5, -1, 2]]);
    const h = tf.tensor2d([[0.3, -0.7]]);
    const wi = rows(cell.wi);
    const wh = rows(cell.wh);
    const bi = Array.from(cell.bi.dataSync());
    const bh = Array.from(cell.bh.dataSync());
    const xv = [0.5, -1, 2];
    const hv = [0.3, -0.7];
    const gate = (j: number, withH: boolean): [number, number] => {
      const a = xv.reduce((s, v, i) => s + v * wi[i][j], bi[j]);
      const b = withH ? hv.reduce((s, v, i) => s + v * wh[i][j], bh[j]) : bh[j];
      return [a, b];
    };
    const expected = (withH: boolean): number[] =>
      [0, 1].map((u) => {
        const [ir, hr] = gate(u, withH);
        const [iz, hz] = gate(2 + u, withH);
        const [inn, hn] = gate(4 + u, withH);
        const r = sigmoid(ir + hr);
        const z = sigmoid(iz + hz);
        const n = Math.tanh(inn + r * hn);
        return (1 - z) * n + z * (withH ? hv[u] : 0);
      });
    const got = Array.from(cell.forward(x, h).dataSync());
    expected(true).forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
    const fromZero = Array.from(cell.forward(x).dataSync());
    expected(false).forEach((v, i) => expect(fromZero[i]).toBeCloseTo(v, 5));
    expect(() => cell.forward(x, tf.zeros([2, 2]) as tf.Tensor2D)).toThrow(/state/);
    cell.dispose();
  });
});

describe('RMoE recurrent router', () => {
  it('layer 2 routes differently when only layer 1 input changes, through the carried state', () => {
    setSeed(2);
    const cell = new GruCell({ inputDim: 4, hiddenDim: 4 });
    const r1 = new RecurrentRouter({ dim: 6, numExperts: 5, k: 2, stateDim: 4 }, cell);
    const r2 = new RecurrentRouter({ dim: 6, numExperts: 5, k: 2, stateDim: 4 }, cell);
    const x1 = tf.randomNormal([8, 6]) as tf.Tensor2D;
    const x1b = tf.randomNormal([8, 6]) as tf.Tensor2D;
    const x2 = tf.randomNormal([8, 6]) as tf.Tensor2D; // layer 2's own input, the same in both runs
    const a = r1.route(x1);
    const b = r1.route(x1b);
    expect(a.state?.shape).toEqual([8, 4]);
    const pa = rows(r2.route(x2, { state: a.state }).probs);
    const pb = rows(r2.route(x2, { state: b.state }).probs);
    const moved = pa.flat().reduce((s, v, i) => s + Math.abs(v - pb.flat()[i]), 0);
    expect(moved).toBeGreaterThan(1e-3);
    // The same state gives the same routing; the first layer starts from the zero state.
    expect(rows(r2.route(x2, { state: a.state }).probs)).toEqual(pa);
    const zero = tf.zeros([8, 4]) as tf.Tensor2D;
    expect(Array.from(r1.route(x1, { state: zero }).probs.dataSync())).toEqual(
      Array.from(a.probs.dataSync()),
    );
    // The logits are read from the new state: z = h O.
    const expected = rows(tf.matMul(a.state as tf.Tensor2D, r1.out));
    rows(a.logits).forEach((row, t) => row.forEach((v, e) => expect(v).toBeCloseTo(expected[t][e], 5)));
    expect(() => r2.route(x2, { state: tf.zeros([3, 4]) as tf.Tensor2D })).toThrow(/state/);
    // A shared cell is not the router's: its parameters are counted by its owner.
    expect(r1.ownsCell).toBe(false);
    expect(r1.countParams()).toBe(6 * 4 + 4 * 5);
    const own = new RecurrentRouter({ dim: 6, numExperts: 5, k: 2, stateDim: 4 });
    expect(own.countParams()).toBe(6 * 4 + 4 * 5 + cell.countParams());
    expect(cell.countParams()).toBe(2 * 4 * 12 + 2 * 12);
    [r1, r2, own, cell].forEach((m) => m.dispose());
  });

  it("gradients of layer 2's routing reach the shared GRU and layer 1's projection", () => {
    setSeed(3);
    const cell = new GruCell({ inputDim: 3, hiddenDim: 3 });
    const r1 = new RecurrentRouter({ dim: 4, numExperts: 4, k: 1, stateDim: 3 }, cell);
    const r2 = new RecurrentRouter({ dim: 4, numExperts: 4, k: 1, stateDim: 3 }, cell);
    const x1 = tf.randomNormal([5, 4]) as tf.Tensor2D;
    const x2 = tf.randomNormal([5, 4]) as tf.Tensor2D;
    const r = tf.randomNormal([5, 4]);
    const layer2Only = (): tf.Scalar =>
      tf.sum(tf.mul(r2.route(x2, { state: r1.route(x1).state }).probs, r)) as tf.Scalar;
    const vars = [cell.wi, cell.wh, cell.bi, cell.bh, r1.proj, r1.out, r2.proj, r2.out];
    const { grads, value } = tf.variableGrads(layer2Only, vars);
    value.dispose();
    // A variable off the loss's path has no gradient (tfjs returns null for it): count it as 0.
    const norm = (v: tf.Variable, g = grads): number => (g[v.name] ? tf.norm(g[v.name]).dataSync()[0] : 0);
    for (const v of [cell.wi, cell.wh, cell.bh, r1.proj, r2.proj, r2.out])
      expect(norm(v)).toBeGreaterThan(1e-6);
    // Layer 1's read-out does not touch layer 2's routing: no gradient through it.
    expect(norm(r1.out)).toBe(0);
    // Without the carried state, layer 1 does not reach layer 2's routing at all.
    const cut = tf.variableGrads(
      () => tf.sum(tf.mul(r2.route(x2).probs, r)) as tf.Scalar,
      [r1.proj, cell.wh, r2.proj],
    );
    expect(norm(r1.proj, cut.grads)).toBe(0);
    expect(norm(cell.wh, cut.grads)).toBe(0); // the zero state: W_h unused
    [r1, r2, cell].forEach((m) => m.dispose());
  });

  it('the gradients of two stacked recurrent routers match central finite differences', () => {
    setSeed(4);
    const cell = new GruCell({ inputDim: 2, hiddenDim: 2 });
    const r1 = new RecurrentRouter({ dim: 3, numExperts: 3, k: 1, stateDim: 2 }, cell);
    const r2 = new RecurrentRouter({ dim: 3, numExperts: 3, k: 1, stateDim: 2 }, cell);
    const x1 = tf.randomNormal([2, 3]) as tf.Tensor2D;
    const x2 = tf.randomNormal([2, 3]) as tf.Tensor2D;
    const w1 = tf.randomNormal([2, 3]);
    const w2 = tf.randomNormal([2, 3]);
    const loss = (): tf.Scalar => {
      const a = r1.route(x1);
      const b = r2.route(x2, { state: a.state });
      return tf.add(tf.sum(tf.mul(a.probs, w1)), tf.sum(tf.mul(b.probs, w2))) as tf.Scalar;
    };
    gradCheck(loss, [cell.wi, cell.wh, cell.bi, cell.bh, r1.proj, r1.out, r2.proj, r2.out]);
    [r1, r2, cell].forEach((m) => m.dispose());
  });

  it('an MoE layer passes the state in (ctx.routerState) and out (aux.routerState)', () => {
    setSeed(5);
    const cell = new GruCell({ inputDim: 4, hiddenDim: 4 });
    const config = {
      dim: 8,
      hidden: 16,
      numExperts: 4,
      topK: 2,
      router: { type: 'recurrent', stateDim: 4 },
    } as const;
    const l1 = new MoELayer(config, { recurrentCell: cell });
    const l2 = new MoELayer(config, { recurrentCell: cell });
    const x = tf.randomNormal([6, 8]);
    const s1 = l1.forward(x).aux.routerState as tf.Tensor2D;
    const s1b = l1.forward(tf.randomNormal([6, 8])).aux.routerState as tf.Tensor2D;
    const a = l2.forward(x, { routerState: s1 });
    const b = l2.forward(x, { routerState: s1b });
    expect(a.aux.routerState?.shape).toEqual([6, 4]);
    expect(Array.from(a.aux.probs.dataSync())).not.toEqual(Array.from(b.aux.probs.dataSync()));
    expect(Array.from(a.y.dataSync())).not.toEqual(Array.from(b.y.dataSync()));
    // Nothing is left behind but the outputs.
    const before = tf.memory().numTensors;
    const out = l2.forward(x, { routerState: s1 });
    const made = [
      out.y,
      out.aux.counts,
      out.aux.probs,
      out.aux.dropped,
      out.aux.indices,
      out.aux.routerState,
    ];
    expect(tf.memory().numTensors - before).toBe(made.length + Object.keys(out.aux.losses).length);
    // Other routers neither need nor return a state.
    const plain = new MoELayer({ dim: 8, hidden: 16, numExperts: 4, topK: 2 });
    expect(plain.forward(x, { routerState: s1 }).aux.routerState).toBeUndefined();
    [l1, l2, plain, cell].forEach((m) => m.dispose());
  });

  it('a token classifier owns one GRU, carries the state across its blocks and trains it from the last layer', () => {
    setSeed(6);
    const model = new TokenClassifier({
      inputDim: 4,
      tokens: 3,
      dim: 8,
      heads: 2,
      depth: 3,
      numClasses: 2,
      ffn: {
        kind: 'moe',
        moe: { hidden: 8, numExperts: 4, topK: 1, router: { type: 'recurrent', stateDim: 4 } },
      },
    });
    const names = Object.keys(model.stateDict());
    expect(names.filter((n) => n.includes('wi'))).toEqual(['routerCell.wi']);
    const cell = model.routerCell as GruCell;
    const routers = model.moeLayers().map((l) => l.router as RecurrentRouter);
    expect(routers.every((r) => r.cell === cell && !r.ownsCell)).toBe(true);
    const unique = names.reduce((s, n) => s + model.stateDict()[n].size, 0);
    expect(model.countParams()).toBe(unique);
    const x = tf.randomNormal([2, 3, 4]);
    const { aux } = model.forward(x);
    expect(aux).toHaveLength(3);
    aux.forEach((a) => expect(a.routerState?.shape).toEqual([6, 4]));
    const r = tf.randomNormal([6, 4]);
    const { grads, value } = tf.variableGrads(
      () => tf.sum(tf.mul(model.forward(x).aux[2].probs, r)) as tf.Scalar,
      [cell.wh, routers[0].proj],
    );
    value.dispose();
    expect(tf.norm(grads[cell.wh.name]).dataSync()[0]).toBeGreaterThan(1e-7);
    expect(tf.norm(grads[routers[0].proj.name]).dataSync()[0]).toBeGreaterThan(1e-7);
    model.dispose();
  });

  it('configs: recurrent and mlp routers are strict, bounded router variants; the MLP router has hidden·(D+1+E) parameters', () => {
    const rc = parseConfig(RouterConfigSchema, { type: 'recurrent', stateDim: 4 }, 'router');
    expect(createRouter(rc, 8, 4, 2)).toBeInstanceOf(RecurrentRouter);
    expect(() => parseConfig(RouterConfigSchema, { type: 'recurrent', statedim: 4 }, 'r')).toThrow(
      /statedim/,
    );
    expect(() => parseConfig(RouterConfigSchema, { type: 'recurrent', stateDim: 1e6 }, 'r')).toThrow();
    const mc = parseConfig(RouterConfigSchema, { type: 'mlp', hidden: 13 }, 'router');
    const mlp = createRouter(mc, 32, 8, 2);
    expect(mlp).toBeInstanceOf(MlpRouter);
    expect(mlp.countParams()).toBe(13 * (32 + 1 + 8));
    expect(() => parseConfig(RouterConfigSchema, { type: 'mlp' }, 'r')).toThrow(/hidden/);
    mlp.dispose();
  });
});
