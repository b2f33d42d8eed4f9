import { initBackend, moduleCosts, setSeed, tf } from '../src';
import {
  causalMask,
  GeluFFN,
  JetMoeAttention,
  MoHAttention,
  MultiHeadAttention,
  TransformerBlock,
  type Linear,
} from '../src/nn';
import { MoELayer } from '../src/moe/layer';
import type { MoEAux } from '../src/moe/types';

beforeAll(async () => {
  await initBackend();
});

let dataSeed = 11;
const randn = (shape: number[]): tf.Tensor => tf.randomNormal(shape, 0, 1, 'float32', dataSeed++);
const values = (t: tf.Tensor): number[] => Array.from(t.dataSync());

function expectClose(actual: tf.Tensor | number[], expected: tf.Tensor | number[], atol = 1e-5): void {
  const a = Array.isArray(actual) ? actual : values(actual);
  const e = Array.isArray(expected) ? expected : values(expected);
  expect(a.length).toBe(e.length);
  const worst = Math.max(0, ...a.map((v, i) => Math.abs(v - e[i])));
  expect(worst).toBeLessThanOrEqual(atol);
}

function disposeAux(aux: MoEAux): void {
  tf.dispose([aux.counts, aux.probs, aux.dropped, aux.indices, ...Object.values(aux.losses)]);
  aux.valid?.dispose();
}

/** Central finite differences against tf's gradient on up to `maxEntries` entries per variable. */
function gradCheck(loss: () => tf.Scalar, vars: tf.Variable[], maxEntries = 48): void {
  const eps = 1e-2;
  const { grads, value } = tf.variableGrads(loss, vars);
  value.dispose();
  for (const v of vars) {
    const analytic = grads[v.name].dataSync();
    expect(analytic.some((g) => g !== 0)).toBe(true);
    const base = Float32Array.from(v.dataSync());
    const step = Math.max(1, Math.floor(base.length / maxEntries));
    const at = (i: number, delta: number): number => {
      const shifted = base.slice();
      shifted[i] += delta;
      tf.tidy(() => v.assign(tf.tensor(shifted, v.shape)));
      return tf.tidy(() => loss().dataSync()[0]);
    };
    for (let i = 0; i < base.length; i += step) {
      const numeric = (at(i, eps) - at(i, -eps)) / (2 * eps);
      const tol = 2e-2 * Math.max(Math.abs(numeric), Math.abs(analytic[i])) + 2e-3;
      if (Math.abs(numeric - analytic[i]) > tol) {
        throw new Error(`${v.name}[${i}]: analytic ${analytic[i]} vs numeric ${numeric}`);
      }
    }
    tf.tidy(() => v.assign(tf.tensor(base, v.shape)));
  }
  tf.dispose(grads);
}

/** Rows [T, D] of a [B, L, D] output. */
function rows(y: tf.Tensor): number[][] {
  const d = y.shape[y.rank - 1];
  const flat = values(y);
  return Array.from({ length: flat.length / d }, (_, t) => flat.slice(t * d, (t + 1) * d));
}

/** Adds `delta` to the columns [from, from + width) of a [in, out] weight (and of a bias [out]). */
function perturbColumns(fc: Linear, from: number, width: number, delta = 0.7): void {
  tf.tidy(() => {
    const out = fc.outFeatures;
    const cols = tf.tensor1d(
      Array.from({ length: out }, (_, j) => (j >= from && j < from + width ? delta : 0)),
    );
    fc.weight.assign(tf.add(fc.weight, cols));
    if (fc.bias) fc.bias.assign(tf.add(fc.bias, cols));
  });
}

function copyInto(target: tf.Variable, source: tf.Tensor): void {
  target.assign(source);
}

/** The routing indices of one forward pass (the rest disposed). */
function routingOf(attn: MoHAttention | JetMoeAttention, x: tf.Tensor, mask?: tf.Tensor): number[] {
  const { y, aux } = attn.forward(x, undefined, mask);
  const chosen = values(aux.indices);
  y.dispose();
  disposeAux(aux);
  return chosen;
}

// ---------------------------------------------------------------------------------------------

describe('MoHAttention', () => {
  it('validates its options naming the field', () => {
    expect(() => new MoHAttention({ dim: 8, heads: 3, sharedHeads: 1, topK: 1 })).toThrow(/heads/);
    expect(() => new MoHAttention({ dim: 8, heads: 4, sharedHeads: 4, topK: 1 })).toThrow(/sharedHeads/);
    expect(() => new MoHAttention({ dim: 8, heads: 4, sharedHeads: 1, topK: 4 })).toThrow(/topK/);
    expect(() => new MoHAttention({ dim: 8, heads: 4, sharedHeads: 1, topK: 1, extra: 1 } as never)).toThrow(
      /extra/,
    );
  });

  it('skips unselected heads: perturbing a head’s value slice leaves the tokens that did not pick it unchanged', () => {
    setSeed(21);
    const attn = new MoHAttention({ dim: 8, heads: 4, sharedHeads: 1, topK: 1 });
    const x = randn([2, 5, 8]);
    const mask = causalMask(5);
    const before = attn.forward(x, undefined, mask);
    const chosen = values(before.aux.indices); // [T, 1], routed head index (0..2)
    const routedHead = 1;
    const head = attn.sharedHeads + routedHead;
    perturbColumns(attn.v, head * attn.headDim, attn.headDim);
    const after = attn.forward(x, undefined, mask);
    const [b, a] = [rows(before.y), rows(after.y)];
    let skipped = 0;
    let used = 0;
    chosen.forEach((h, t) => {
      if (h === routedHead) {
        used++;
        expect(Math.max(...a[t].map((v, j) => Math.abs(v - b[t][j])))).toBeGreaterThan(1e-3);
      } else {
        skipped++;
        expect(a[t]).toEqual(b[t]);
      }
    });
    expect(skipped).toBeGreaterThan(0);
    expect(used).toBeGreaterThan(0);
    // A shared head's values reach every token.
    perturbColumns(attn.v, 0, attn.headDim);
    const shared = attn.forward(x, undefined, mask);
    rows(shared.y).forEach((r, t) =>
      expect(Math.max(...r.map((v, j) => Math.abs(v - a[t][j])))).toBeGreaterThan(1e-4),
    );
    for (const o of [before, after, shared]) {
      o.y.dispose();
      disposeAux(o.aux);
    }
    tf.dispose([x, mask]);
    attn.dispose();
    expect(attn.activeHeadFraction).toBe(0.5);
  });

  it('with every routed head active and uniform routing is multi-head attention (causal, boolean and cross masks)', () => {
    setSeed(22);
    const attn = new MoHAttention({ dim: 12, heads: 6, sharedHeads: 2, topK: 4, kvDim: 12 });
    for (const w of [attn.router.weight, attn.sharedGate!.weight, attn.groupGate!.weight]) {
      w.assign(tf.zerosLike(w));
    }
    const mha = new MultiHeadAttention(12, 6);
    for (const name of ['q', 'k', 'v', 'out'] as const) {
      copyInto(mha[name].weight, attn[name].weight);
      copyInto(mha[name].bias!, attn[name].bias!);
    }
    expect(attn.activeHeadFraction).toBe(1);
    const x = randn([2, 4, 12]);
    const memory = randn([2, 3, 12]);
    const keep = tf.tensor3d(
      Array.from({ length: 2 * 4 * 3 }, (_, i) => (i % 5 === 1 ? 0 : 1)),
      [2, 4, 3],
      'int32',
    );
    const boolMask = tf.cast(keep, 'bool');
    const cases: Array<[tf.Tensor, tf.Tensor | undefined, tf.Tensor | undefined]> = [
      [x, undefined, causalMask(4)],
      [x, memory, boolMask],
      [tf.reshape(x, [8, 12]).slice([0, 0], [4, 12]), undefined, undefined],
    ];
    for (const [q, kv, mask] of cases) {
      const moh = attn.forward(q, kv, mask);
      const ref = mha.forward(q, kv ?? q, mask);
      expectClose(moh.y, ref, 1e-5);
      expect(moh.y.shape).toEqual(q.shape);
      moh.y.dispose();
      disposeAux(moh.aux);
      ref.dispose();
    }
    tf.dispose([x, memory, keep, boolMask, cases[0][2]!, cases[2][0]]);
    attn.dispose();
    mha.dispose();
  });

  it('routes with the two-stage gates of the paper and reports the routed heads’ balance loss', () => {
    setSeed(23);
    const attn = new MoHAttention({ dim: 8, heads: 4, sharedHeads: 2, topK: 1, auxLoss: 0.5 });
    const x = randn([3, 8]);
    const { y, aux } = attn.forward(x);
    // Hand reference: gates from the three routers, heads by MultiHeadAttention's math.
    const expected = tf.tidy(() => {
      const pr = tf.softmax(tf.matMul(x, attn.router.weight)); // [T, 2]
      const top = tf.argMax(pr, 1);
      const routedGate = tf.mul(tf.oneHot(top, 2), 1); // renormalised top-1 weight is 1, times k = 1
      const shared = tf.mul(tf.softmax(tf.matMul(x, attn.sharedGate!.weight)), 2);
      const alpha = tf.mul(tf.softmax(tf.matMul(x, attn.groupGate!.weight)), 2);
      const gates = tf.concat(
        [
          tf.mul(shared, tf.slice(alpha, [0, 0], [3, 1])),
          tf.mul(routedGate, tf.slice(alpha, [0, 1], [3, 1])),
        ],
        1,
      ); // [T, 4]
      const proj = (fc: Linear) => tf.add(tf.matMul(x, fc.weight), fc.bias!);
      const split = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [3, 4, 2]), [1, 0, 2]); // [H, T, hd]
      const [qh, kh, vh] = [proj(attn.q), proj(attn.k), proj(attn.v)].map(split);
      const probs = tf.softmax(tf.div(tf.matMul(qh, kh, false, true), Math.sqrt(2)));
      const heads = tf.transpose(tf.matMul(probs, vh), [1, 0, 2]); // [T, H, hd]
      const mixed = tf.reshape(tf.mul(heads, tf.expandDims(gates, -1)), [3, 8]);
      const out = tf.add(tf.matMul(mixed, attn.out.weight), attn.out.bias!);
      const counts = tf.sum(tf.oneHot(top, 2), 0);
      const balance = tf.mul(2 * 1 * 0.5, tf.sum(tf.mul(tf.div(counts, 3), tf.mean(pr, 0))));
      return { out, counts, balance, top };
    });
    expectClose(y, expected.out, 1e-5);
    expectClose(aux.counts, expected.counts, 0);
    expectClose(aux.losses.aux, expected.balance, 1e-6);
    expect(values(aux.indices)).toEqual(values(expected.top));
    expect(aux.probs.shape).toEqual([3, 2]);
    tf.dispose([x, y, expected.out, expected.counts, expected.balance, expected.top]);
    disposeAux(aux);
    attn.dispose();
  });

  it('has router gradients matching finite differences (task and balance loss)', () => {
    setSeed(24);
    const attn = new MoHAttention({ dim: 4, heads: 4, sharedHeads: 2, topK: 1, auxLoss: 1 });
    const x = randn([2, 3, 4]);
    const r = randn([2, 3, 4]);
    const mask = causalMask(3);
    const loss = () =>
      tf.tidy(() => {
        const { y, aux } = attn.forward(x, undefined, mask);
        return tf.add(tf.sum(tf.mul(y, r)), aux.losses.aux) as tf.Scalar;
      });
    const routing = routingOf(attn, x, mask);
    gradCheck(loss, [attn.router.weight, attn.sharedGate!.weight, attn.groupGate!.weight]);
    expect(routingOf(attn, x, mask)).toEqual(routing);
    tf.dispose([x, r, mask]);
    attn.dispose();
  });

  it('masks padding out of the load and the balance loss', () => {
    setSeed(25);
    const attn = new MoHAttention({ dim: 8, heads: 4, sharedHeads: 1, topK: 2 });
    const x = randn([1, 4, 8]);
    const valid = tf.tensor1d([1, 1, 0, 1]);
    const { y, aux } = attn.forward(x, undefined, undefined, { valid });
    expect(values(aux.counts).reduce((s, c) => s + c, 0)).toBe(3 * 2);
    expect(values(aux.valid!)).toEqual([1, 1, 0, 1]);
    tf.dispose([x, valid, y]);
    disposeAux(aux);
    attn.dispose();
  });

  it('counts parameters and FLOPs: same as MultiHeadAttention plus the routers, unselected heads inactive', () => {
    const attn = new MoHAttention({ dim: 16, heads: 8, sharedHeads: 2, topK: 3 });
    const mha = new MultiHeadAttention(16, 8);
    const routers = 16 * 6 + 16 * 2 + 16 * 2;
    const costs = moduleCosts(attn, 10);
    expect(costs.total).toBe(mha.countParams() + routers);
    expect(costs.active).toBe(costs.total - 3 * (2 * 16 * 2 + 2));
    expect(costs.flopsPerToken).toBe(2 * 16 * 10 + 2 * 2 * 16 * 10 + 2 * 2 * 16 * 16 + 2 * 2 * 10 * 10);
    const all = new MoHAttention({ dim: 16, heads: 8, sharedHeads: 2, topK: 6 });
    expect(all.flopsPerToken(10) - 2 * 16 * 10).toBe(mha.flopsPerToken(10));
    attn.dispose();
    mha.dispose();
    all.dispose();
  });

  it('leaks no tensor (forward, gradients)', () => {
    const attn = new MoHAttention({ dim: 8, heads: 4, sharedHeads: 1, topK: 2 });
    const x = randn([2, 3, 8]);
    const mask = causalMask(3);
    const run = () => {
      const { y, aux } = attn.forward(x, undefined, mask);
      y.dispose();
      disposeAux(aux);
      const { grads, value } = tf.variableGrads(() =>
        tf.tidy(() => {
          const o = attn.forward(x, undefined, mask);
          return tf.add(tf.sum(o.y), o.aux.losses.aux) as tf.Scalar;
        }),
      );
      tf.dispose([value, ...Object.values(grads)]);
    };
    run();
    const before = tf.memory().numTensors;
    run();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, mask]);
    attn.dispose();
  });
});

// ---------------------------------------------------------------------------------------------

/** A MultiHeadAttention holding expert `e`'s query and output projections and the shared k, v. */
function expertAsMha(attn: JetMoeAttention, e: number): MultiHeadAttention {
  const mha = new MultiHeadAttention(attn.dim, attn.heads, { kvDim: attn.kvDim });
  tf.tidy(() => {
    const pick = (w: tf.Variable) => tf.squeeze(tf.slice(w, [e, 0, 0], [1, -1, -1]), [0]);
    const pickRow = (w: tf.Variable) => tf.reshape(tf.slice(w, [e, 0], [1, -1]), [-1]);
    mha.q.weight.assign(pick(attn.qWeight));
    mha.q.bias!.assign(pickRow(attn.qBias!));
    mha.out.weight.assign(pick(attn.outWeight));
    mha.out.bias!.assign(pickRow(attn.outBias!));
    for (const name of ['k', 'v'] as const) {
      mha[name].weight.assign(attn[name].weight);
      mha[name].bias!.assign(attn[name].bias!);
    }
  });
  return mha;
}

describe('JetMoeAttention', () => {
  it('validates its options naming the field', () => {
    expect(() => new JetMoeAttention({ dim: 8, heads: 2, numExperts: 2, topK: 3 })).toThrow(/topK/);
    expect(() => new JetMoeAttention({ dim: 8, heads: 3, numExperts: 2, topK: 1 })).toThrow(/heads/);
    expect(() => new JetMoeAttention({ dim: 8, heads: 2, numExperts: 0, topK: 1 })).toThrow(/numExperts/);
  });

  it('with identical experts equals one attention of those weights (gates sum to 1)', () => {
    setSeed(31);
    const attn = new JetMoeAttention({ dim: 8, heads: 2, numExperts: 4, topK: 2 });
    tf.tidy(() => {
      for (const w of [attn.qWeight, attn.outWeight])
        w.assign(tf.tile(tf.slice(w, [0, 0, 0], [1, -1, -1]), [4, 1, 1]));
      for (const w of [attn.qBias!, attn.outBias!]) w.assign(tf.tile(tf.slice(w, [0, 0], [1, -1]), [4, 1]));
    });
    const mha = expertAsMha(attn, 0);
    const x = randn([2, 5, 8]);
    const mask = causalMask(5);
    const { y, aux } = attn.forward(x, undefined, mask);
    const ref = mha.forward(x, undefined, mask);
    expectClose(y, ref, 1e-5);
    const firstChoices = values(aux.indices).filter((_, i) => i % 2 === 0);
    expect(new Set(firstChoices).size).toBeGreaterThan(1); // tokens really went to different experts
    tf.dispose([x, mask, y, ref]);
    disposeAux(aux);
    attn.dispose();
    mha.dispose();
  });

  it('with k = E equals the dense mixture Σ_e p_e · attention_e computed by hand (boolean mask, cross)', () => {
    setSeed(32);
    const attn = new JetMoeAttention({ dim: 8, heads: 2, numExperts: 3, topK: 3, kvDim: 6 });
    const experts = [0, 1, 2].map((e) => expertAsMha(attn, e));
    const x = randn([2, 4, 8]);
    const memory = randn([2, 3, 6]);
    const mask = tf.cast(
      tf.tensor3d(
        Array.from({ length: 24 }, (_, i) => (i % 4 === 2 ? 0 : 1)),
        [2, 4, 3],
      ),
      'bool',
    );
    const { y, aux } = attn.forward(x, memory, mask);
    const ref = tf.tidy(() => {
      const p = tf.softmax(tf.matMul(tf.reshape(x, [8, 8]), attn.router.weight)); // [T, E]
      const outs = experts.map((m) => tf.reshape(m.forward(x, memory, mask), [8, 8]));
      return tf.reshape(tf.addN(outs.map((o, e) => tf.mul(o, tf.slice(p, [0, e], [8, 1])))), [2, 4, 8]);
    });
    expectClose(y, ref, 1e-5);
    const counts = values(aux.counts);
    expect(counts).toEqual([8, 8, 8]);
    expectClose(aux.losses.aux, [0.01 * 1], 1e-7); // all experts every token: f = 1/E, Σ P = 1
    tf.dispose([x, memory, mask, y, ref]);
    disposeAux(aux);
    attn.dispose();
    experts.forEach((m) => m.dispose());
  });

  it('a token’s output does not change when an unselected expert’s query/output weights change', () => {
    setSeed(33);
    const attn = new JetMoeAttention({ dim: 8, heads: 2, numExperts: 4, topK: 1 });
    const x = randn([2, 6, 8]);
    const mask = causalMask(6);
    const before = attn.forward(x, undefined, mask);
    const chosen = values(before.aux.indices);
    const expert = chosen[0];
    tf.tidy(() => {
      const bump = (w: tf.Variable) => {
        const sel = tf.reshape(tf.oneHot([expert], 4), [4, ...w.shape.slice(1).map(() => 1)]);
        w.assign(tf.add(w, tf.mul(sel, 0.5)));
      };
      [attn.qWeight, attn.qBias!, attn.outWeight, attn.outBias!].forEach(bump);
    });
    const after = attn.forward(x, undefined, mask);
    expect(values(after.aux.indices)).toEqual(chosen);
    const [b, a] = [rows(before.y), rows(after.y)];
    let skipped = 0;
    chosen.forEach((e, t) => {
      if (e === expert) expect(Math.max(...a[t].map((v, j) => Math.abs(v - b[t][j])))).toBeGreaterThan(1e-3);
      else {
        skipped++;
        expect(a[t]).toEqual(b[t]);
      }
    });
    expect(skipped).toBeGreaterThan(0);
    for (const o of [before, after]) {
      o.y.dispose();
      disposeAux(o.aux);
    }
    tf.dispose([x, mask]);
    attn.dispose();
  });

  it('counts total and active parameters exactly', () => {
    const attn = new JetMoeAttention({ dim: 16, heads: 4, headDim: 6, numExperts: 5, topK: 2, kvDim: 12 });
    const inner = 24;
    const perExpert = 16 * inner + inner + inner * 16 + 16;
    const shared = 2 * (12 * inner + inner) + 16 * 5;
    const costs = moduleCosts(attn, 7);
    expect(costs.total).toBe(5 * perExpert + shared);
    expect(costs.active).toBe(2 * perExpert + shared);
    expect(costs.flopsPerToken).toBe(
      2 * 16 * 5 + 2 * 2 * 16 * inner * 2 + 2 * 2 * 12 * inner + 2 * 2 * 7 * inner * 2,
    );
    const x = randn([2, 3, 16]);
    const { y, aux } = attn.forward(x, randn([2, 5, 12]));
    expect(y.shape).toEqual([2, 3, 16]);
    tf.dispose([x, y]);
    disposeAux(aux);
    const noBias = new JetMoeAttention({ dim: 16, heads: 4, numExperts: 5, topK: 2, bias: false });
    expect(noBias.countParams()).toBe(5 * 2 * 16 * 16 + 2 * 16 * 16 + 16 * 5);
    attn.dispose();
    noBias.dispose();
  });

  it('has gradients matching finite differences (router, expert and shared projections)', () => {
    setSeed(34);
    const attn = new JetMoeAttention({ dim: 4, heads: 2, numExperts: 3, topK: 2 });
    const x = randn([2, 3, 4]);
    const r = randn([2, 3, 4]);
    const mask = causalMask(3);
    const loss = () =>
      tf.tidy(() => {
        const { y, aux } = attn.forward(x, undefined, mask);
        return tf.addN([tf.sum(tf.mul(y, r)), ...Object.values(aux.losses)]) as tf.Scalar;
      });
    const routing = routingOf(attn, x, mask);
    gradCheck(loss, [attn.router.weight, attn.qWeight, attn.outWeight, attn.k.weight, attn.v.weight]);
    expect(routingOf(attn, x, mask)).toEqual(routing);
    tf.dispose([x, r, mask]);
    attn.dispose();
  });

  it('leaks no tensor (forward, gradients)', () => {
    const attn = new JetMoeAttention({ dim: 8, heads: 2, numExperts: 4, topK: 2 });
    const x = randn([2, 3, 8]);
    const mask = causalMask(3);
    const valid = tf.tensor1d([1, 1, 0, 1, 1, 1]);
    const run = () => {
      const { y, aux } = attn.forward(x, undefined, mask, { valid });
      y.dispose();
      disposeAux(aux);
      const { grads, value } = tf.variableGrads(() =>
        tf.tidy(() => {
          const o = attn.forward(x, undefined, mask);
          return tf.addN([tf.sum(o.y), ...Object.values(o.aux.losses)]) as tf.Scalar;
        }),
      );
      tf.dispose([value, ...Object.values(grads)]);
    };
    run();
    const before = tf.memory().numTensors;
    run();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, mask, valid]);
    attn.dispose();
  });
});

// ---------------------------------------------------------------------------------------------

describe('TransformerBlock with a routed attention', () => {
  it('keeps MultiHeadAttention by default and appends the attention’s aux after the FFN slot’s', () => {
    setSeed(41);
    const plain = new TransformerBlock({ dim: 8, heads: 2, ffn: new GeluFFN(8, 16) });
    expect(plain.attn).toBeInstanceOf(MultiHeadAttention);
    expect(plain.attn.q.weight.shape).toEqual([8, 8]); // typed as MultiHeadAttention by default
    const x = randn([2, 3, 8]);
    const mask = causalMask(3);
    const p = plain.forward(x, mask);
    expect(p.aux).toEqual([]);
    p.y.dispose();

    const block = new TransformerBlock({
      dim: 8,
      heads: 2,
      attention: () => new MoHAttention({ dim: 8, heads: 4, sharedHeads: 1, topK: 1 }),
      ffn: () => new MoELayer({ dim: 8, hidden: 16, numExperts: 4, topK: 1 }),
    });
    expect(block.attn.activeHeadFraction).toBe(0.5);
    expect(block.stateDict()['attn.router.weight']).toBeDefined();
    const valid = tf.tensor1d([1, 1, 1, 1, 0, 1]);
    const run = () => block.forward(x, mask, { valid });
    const warm = run();
    warm.y.dispose();
    warm.aux.forEach(disposeAux);
    const before = tf.memory().numTensors;
    const { y, aux } = run();
    expect(aux).toHaveLength(2);
    expect(aux[0].counts.shape).toEqual([4]); // the FFN's experts
    expect(aux[1].counts.shape).toEqual([3]); // the routed heads
    expect(values(aux[1].counts).reduce((s, c) => s + c, 0)).toBe(5); // padding left out
    // The block's output is x + attention + FFN, with the routed attention in the residual branch.
    const expected = tf.tidy(() => {
      const a = block.attn.forward(block.ln1.forward(x), undefined, mask);
      const h = tf.add(x, a.y);
      return tf.add(
        h,
        tf.reshape((block.ffn as MoELayer).forward(tf.reshape(block.ln2.forward(h), [-1, 8])).y, [2, 3, 8]),
      );
    });
    expectClose(y, expected, 1e-5);
    expected.dispose();
    y.dispose();
    aux.forEach(disposeAux);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, mask, valid]);
    plain.dispose();
    block.dispose();
  });

  it('takes a JetMoE attention instance', () => {
    const attn = new JetMoeAttention({ dim: 8, heads: 2, numExperts: 3, topK: 2 });
    const block = new TransformerBlock({ dim: 8, heads: 2, attention: attn, ffn: new GeluFFN(8, 16) });
    expect(block.attn).toBe(attn);
    const x = randn([1, 4, 8]);
    const { y, aux } = block.forward(x, causalMask(4));
    expect(y.shape).toEqual([1, 4, 8]);
    expect(aux).toHaveLength(1);
    expect(aux[0].indices.shape).toEqual([4, 2]);
    tf.dispose([x, y]);
    aux.forEach(disposeAux);
    block.dispose();
  });
});
