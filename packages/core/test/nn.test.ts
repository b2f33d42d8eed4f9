import { initBackend, makeRng, setSeed, tf } from '../src';
import type { FfnOutput, MoEAux } from '../src/moe/types';
import {
  causalMask,
  Conv2d,
  Dropout,
  Embedding,
  GeluFFN,
  gelu,
  LayerNorm,
  Linear,
  Module,
  MultiHeadAttention,
  PositionalEmbedding,
  PositionalEmbedding2d,
  RMSNorm,
  silu,
  sinusoidal1d,
  sinusoidal2d,
  SwiGLU,
  TransformerBlock,
} from '../src/nn';

beforeAll(async () => {
  await initBackend();
});

// ---------------------------------------------------------------------------------------------
// helpers

let dataSeed = 1;
const randn = (shape: number[]): tf.Tensor => tf.randomNormal(shape, 0, 1, 'float32', dataSeed++);

const values = (t: tf.Tensor): number[] => Array.from(t.dataSync());

function expectClose(actual: tf.Tensor | number[], expected: tf.Tensor | number[], atol = 1e-5): void {
  const a = Array.isArray(actual) ? actual : values(actual);
  const e = Array.isArray(expected) ? expected : values(expected);
  expect(a.length).toBe(e.length);
  const worst = Math.max(0, ...a.map((v, i) => Math.abs(v - e[i])));
  expect(worst).toBeLessThanOrEqual(atol);
}

/** Sets a variable to fresh N(0, 1) values (so that e.g. a LayerNorm's affine is not the identity). */
function randomise(v: tf.Variable, scale = 1): void {
  tf.tidy(() => v.assign(tf.mul(randn(v.shape), scale)));
}

/**
 * Compares tf's gradient of `loss` w.r.t. each variable with central finite differences
 * (float32: eps 1e-2, relative tolerance 2e-2 plus a small absolute floor), on up to
 * `maxEntries` entries per variable spread over the tensor.
 */
function gradCheck(loss: () => tf.Scalar, vars: tf.Variable[], maxEntries = 48): void {
  const eps = 1e-2;
  const { grads, value } = tf.variableGrads(loss, vars);
  value.dispose();
  for (const v of vars) {
    const analytic = grads[v.name].dataSync();
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

/** `sum(f() * r)` for a fixed random `r`: a scalar whose gradient reaches every output entry. */
function projected(f: () => tf.Tensor): { loss: () => tf.Scalar; dispose: () => void } {
  const r = tf.tidy(() => {
    const shape = f().shape;
    return randn(shape);
  });
  return { loss: () => tf.sum(tf.mul(f(), r)), dispose: () => r.dispose() };
}

/**
 * Runs `fn` on wasm when it has `kernel`, else on cpu: the gradients of tf.gather
 * (UnsortedSegmentSum) and of the conv2d filter are not part of tfjs-backend-wasm 4.22 and come
 * from our kernels package.
 */
async function withKernel(kernel: string, fn: () => void): Promise<void> {
  const useCpu = tf.getKernel(kernel, 'wasm') === undefined;
  if (useCpu) await tf.setBackend('cpu');
  try {
    fn();
  } finally {
    if (useCpu) await tf.setBackend('wasm');
  }
}

// ---------------------------------------------------------------------------------------------

describe('Linear', () => {
  it('maps [T, in] and [B, L, in] over the last axis', () => {
    const fc = new Linear(3, 4);
    expect(fc.forward(tf.zeros([5, 3])).shape).toEqual([5, 4]);
    expect(fc.forward(tf.zeros([2, 5, 3])).shape).toEqual([2, 5, 4]);
    const x = randn([2, 5, 3]);
    expectClose(
      fc.forward(x),
      tf.add(tf.matMul(tf.reshape(x, [10, 3]), fc.weight), fc.bias!).reshape([2, 5, 4]),
    );
    expect(() => fc.forward(tf.zeros([2, 4]))).toThrow(/last dim 3/);
    fc.dispose();
  });

  it('names weight/bias, skips the bias on request and uses fan-in uniform init', () => {
    const fc = new Linear(64, 8);
    expect(Object.keys(fc.stateDict())).toEqual(['weight', 'bias']);
    expect(fc.weight.shape).toEqual([64, 8]);
    const w = values(fc.weight);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(1 / 8);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.1);
    const nb = new Linear(4, 2, { bias: false });
    expect(Object.keys(nb.stateDict())).toEqual(['weight']);
    const z = new Linear(4, 2, { zeroInit: true });
    expect(values(z.forward(randn([3, 4])))).toEqual([0, 0, 0, 0, 0, 0]);
    [fc, nb, z].forEach((m) => m.dispose());
  });

  it('has gradients matching finite differences', () => {
    setSeed(1);
    const fc = new Linear(3, 4);
    const x = tf.variable(randn([2, 3, 3]));
    const p = projected(() => fc.forward(x));
    gradCheck(p.loss, [fc.weight, fc.bias!, x]);
    p.dispose();
    x.dispose();
    fc.dispose();
  });
});

describe('Embedding', () => {
  it('looks up int32 ids of any shape', () => {
    const emb = new Embedding(10, 6);
    const ids = tf.tensor2d(
      [
        [1, 2, 3],
        [9, 0, 1],
      ],
      [2, 3],
      'int32',
    );
    const y = emb.forward(ids);
    expect(y.shape).toEqual([2, 3, 6]);
    expectClose(
      tf.slice(y, [1, 0, 0], [1, 1, 6]).reshape([6]),
      tf.slice(emb.weight, [9, 0], [1, 6]).reshape([6]),
    );
    expect(emb.forward(tf.tensor1d([4], 'int32')).shape).toEqual([1, 6]);
    expect(Object.keys(emb.stateDict())).toEqual(['weight']);
    emb.dispose();
  });

  it('rejects float ids with a clear error', () => {
    const emb = new Embedding(10, 6);
    expect(() => emb.forward(tf.tensor1d([1, 2]))).toThrow(/int32.*float32/);
    emb.dispose();
  });

  it('scatter-adds the gradient into the looked-up rows', async () => {
    await withKernel('UnsortedSegmentSum', () => {
      const emb = new Embedding(5, 3);
      const ids = tf.tensor2d(
        [
          [1, 3],
          [1, 4],
        ],
        [2, 2],
        'int32',
      );
      const r = randn([2, 2, 3]);
      const { grads, value } = tf.variableGrads(() => tf.sum(tf.mul(emb.forward(ids), r)), [emb.weight]);
      const rv = values(r);
      const expected = new Array<number>(15).fill(0);
      [1, 3, 1, 4].forEach((id, t) => {
        for (let c = 0; c < 3; c++) expected[id * 3 + c] += rv[t * 3 + c];
      });
      expectClose(grads[emb.weight.name], expected);
      tf.dispose([value, grads, ids, r]);
      emb.dispose();
    });
  });
});

describe('LayerNorm and RMSNorm', () => {
  it('LayerNorm gives each row mean 0 and variance 1 at init', () => {
    const ln = new LayerNorm(16);
    const y = ln.forward(tf.add(tf.mul(randn([3, 5, 16]), 4), 7));
    expect(y.shape).toEqual([3, 5, 16]);
    expectClose(tf.mean(y, -1), new Array(15).fill(0), 1e-4);
    expectClose(tf.mean(tf.square(tf.sub(y, tf.mean(y, -1, true))), -1), new Array(15).fill(1), 1e-3);
    expect(Object.keys(ln.stateDict())).toEqual(['weight', 'bias']);
    expect(ln.eps).toBe(1e-5);
    expect(ln.forward(tf.zeros([4, 16])).shape).toEqual([4, 16]);
    ln.dispose();
  });

  it('LayerNorm has gradients matching finite differences', () => {
    const ln = new LayerNorm(5);
    randomise(ln.weight);
    randomise(ln.bias);
    const x = tf.variable(randn([2, 3, 5]));
    const p = projected(() => ln.forward(x));
    gradCheck(p.loss, [ln.weight, ln.bias, x]);
    p.dispose();
    x.dispose();
    ln.dispose();
  });

  it('RMSNorm normalises the root mean square and has matching gradients', () => {
    const norm = new RMSNorm(6);
    const x0 = tf.mul(randn([4, 6]), 3);
    const y = norm.forward(x0);
    expectClose(tf.sqrt(tf.mean(tf.square(y), -1)), [1, 1, 1, 1], 1e-4);
    expect(Object.keys(norm.stateDict())).toEqual(['weight']);
    randomise(norm.weight);
    const x = tf.variable(randn([2, 2, 6]));
    const p = projected(() => norm.forward(x));
    gradCheck(p.loss, [norm.weight, x]);
    p.dispose();
    x.dispose();
    norm.dispose();
  });
});

describe('Dropout', () => {
  it('is the identity in eval mode and with rate 0', () => {
    const x = randn([4, 8]);
    const drop = new Dropout(0.5);
    drop.eval();
    expect(drop.forward(x)).toBe(x);
    expect(new Dropout(0).forward(x)).toBe(x);
    expect(() => new Dropout(1)).toThrow(/rate/);
  });

  it('zeroes about `rate` of the entries, rescales the rest and repeats its mask under setSeed', () => {
    const x = tf.ones([64, 64]);
    const drop = new Dropout(0.25);
    setSeed(42);
    const a = values(drop.forward(x));
    setSeed(42);
    const b = values(drop.forward(x));
    const c = values(drop.forward(x));
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
    const zeros = a.filter((v) => v === 0).length / a.length;
    expect(zeros).toBeGreaterThan(0.2);
    expect(zeros).toBeLessThan(0.3);
    for (const v of a) expect(v === 0 || Math.abs(v - 1 / 0.75) < 1e-6).toBe(true);
  });
});

describe('Conv2d', () => {
  it('computes NHWC shapes for same/valid padding and strides', () => {
    const same = new Conv2d(3, 5, 3, { padding: 'same' });
    expect(same.forward(tf.zeros([2, 8, 8, 3])).shape).toEqual([2, 8, 8, 5]);
    expect(same.forward(tf.zeros([8, 8, 3])).shape).toEqual([8, 8, 5]);
    const valid = new Conv2d(3, 5, 3);
    expect(valid.forward(tf.zeros([2, 8, 8, 3])).shape).toEqual([2, 6, 6, 5]);
    const strided = new Conv2d(3, 5, [3, 3], { stride: 2, padding: 'same' });
    expect(strided.forward(tf.zeros([2, 8, 8, 3])).shape).toEqual([2, 4, 4, 5]);
    expect(same.weight.shape).toEqual([3, 3, 3, 5]);
    expect(Object.keys(same.stateDict())).toEqual(['weight', 'bias']);
    expect(() => same.forward(tf.zeros([2, 8, 8, 4]))).toThrow(/NHWC/);
    [same, valid, strided].forEach((m) => m.dispose());
  });

  it('matches a hand-computed output entry', () => {
    const conv = new Conv2d(2, 3, 2);
    const x = randn([1, 3, 3, 2]);
    const y = conv.forward(x);
    const xv = values(x);
    const w = values(conv.weight);
    const b = values(conv.bias!);
    // output (0, 1, 1, channel 2)
    let s = b[2];
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++)
        for (let c = 0; c < 2; c++)
          s += xv[((1 + i) * 3 + (1 + j)) * 2 + c] * w[((i * 2 + j) * 2 + c) * 3 + 2];
    expect(values(y)[(1 * 2 + 1) * 3 + 2]).toBeCloseTo(s, 5);
    conv.dispose();
  });

  it('has gradients matching finite differences (input and filter)', async () => {
    await withKernel('Conv2DBackpropFilter', () => {
      setSeed(3);
      const conv = new Conv2d(2, 3, 3, { stride: 2, padding: 'same' });
      const x = tf.variable(randn([1, 5, 5, 2]));
      const p = projected(() => conv.forward(x));
      gradCheck(p.loss, [conv.weight, conv.bias!, x]);
      p.dispose();
      x.dispose();
      conv.dispose();
    });
  });
});

describe('activations', () => {
  it('gelu is the tanh approximation and silu is x * sigmoid(x)', () => {
    const x = tf.tensor1d([-2, -1, 0, 0.5, 3]);
    const ref = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
    expectClose(gelu(x), [-2, -1, 0, 0.5, 3].map(ref), 1e-6);
    expect(values(gelu(tf.scalar(1)))[0]).toBeCloseTo(0.841192, 5);
    expectClose(
      silu(x),
      [-2, -1, 0, 0.5, 3].map((v) => v / (1 + Math.exp(-v))),
      1e-6,
    );
  });
});

describe('MultiHeadAttention', () => {
  it('keeps [B, L, D] and [L, D] shapes and names q/k/v/out', () => {
    const attn = new MultiHeadAttention(8, 2);
    expect(attn.forward(randn([3, 5, 8])).shape).toEqual([3, 5, 8]);
    expect(attn.forward(randn([5, 8])).shape).toEqual([5, 8]);
    expect(Object.keys(attn.stateDict())).toEqual([
      'q.weight',
      'q.bias',
      'k.weight',
      'k.bias',
      'v.weight',
      'v.bias',
      'out.weight',
      'out.bias',
    ]);
    expect(() => new MultiHeadAttention(10, 3)).toThrow(/divisible/);
    attn.dispose();
  });

  it('does cross-attention with another kv length and feature size', () => {
    const attn = new MultiHeadAttention(8, 4, { kvDim: 6 });
    expect(attn.k.weight.shape).toEqual([6, 8]);
    const y = attn.forward(randn([2, 5, 8]), randn([2, 7, 6]));
    expect(y.shape).toEqual([2, 5, 8]);
    expect(attn.forward(randn([5, 8]), randn([3, 6])).shape).toEqual([5, 8]);
    expect(attn.forward(randn([2, 5, 8]), randn([2, 7, 6]), tf.ones([2, 5, 7], 'bool')).shape).toEqual([
      2, 5, 8,
    ]);
    expect(() => attn.forward(randn([2, 5, 8]), randn([2, 7, 6]), tf.ones([5, 5], 'bool'))).toThrow(/mask/);
    attn.dispose();
  });

  it('with a causal mask, output i ignores tokens after i', () => {
    const attn = new MultiHeadAttention(8, 2);
    const L = 6;
    const mask = causalMask(L);
    expect(values(tf.cast(mask, 'int32')).slice(0, 12)).toEqual([1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0]);
    const x = randn([2, L, 8]);
    const i = 2;
    const changed = tf.concat([tf.slice(x, [0, 0, 0], [2, i + 1, 8]), randn([2, L - i - 1, 8])], 1);
    const y1 = attn.forward(x, undefined, mask);
    const y2 = attn.forward(changed, undefined, mask);
    expectClose(tf.slice(y1, [0, 0, 0], [2, i + 1, 8]), tf.slice(y2, [0, 0, 0], [2, i + 1, 8]), 1e-6);
    expect(Math.max(...values(tf.abs(tf.sub(y1, y2))))).toBeGreaterThan(1e-3);
    // the same mask as additive floats, and per batch
    const additive = tf.mul(tf.sub(1, tf.cast(mask, 'float32')), -1e9);
    expectClose(attn.forward(x, undefined, additive), y1, 1e-5);
    expectClose(attn.forward(x, undefined, tf.stack([mask, mask])), y1, 1e-5);
    expectClose(
      tf.slice(y1, [0, 0, 0], [1, L, 8]).reshape([L, 8]),
      attn.forward(tf.slice(x, [0, 0, 0], [1, L, 8]).reshape([L, 8]), undefined, mask),
      1e-5,
    );
    attn.dispose();
  });

  it('gives the same result on wasm (broadcast products, chunked when large) as on cpu (tf.matMul)', async () => {
    // 10 x 4 heads of 64x64x32 products exceed one 2^22-element chunk
    for (const [b, l, dim, heads] of [
      [2, 5, 8, 2],
      [10, 64, 128, 4],
    ]) {
      const attn = new MultiHeadAttention(dim, heads);
      const x = randn([b, l, dim]);
      const mask = causalMask(l);
      const onWasm = attn.forward(x, undefined, mask);
      await tf.setBackend('cpu');
      const onCpu = values(attn.forward(x, undefined, mask));
      await tf.setBackend('wasm');
      expectClose(onWasm, onCpu, 1e-4);
      tf.dispose([x, mask, onWasm]);
      attn.dispose();
    }
  });

  it('zeroInitOut makes the output exactly zero at init', () => {
    const attn = new MultiHeadAttention(8, 2, { zeroInitOut: true });
    expect(values(attn.forward(randn([2, 4, 8]))).every((v) => v === 0)).toBe(true);
    expect(values(attn.q.weight).some((v) => v !== 0)).toBe(true);
    attn.dispose();
  });

  it('has gradients matching finite differences (self, causal)', () => {
    setSeed(5);
    const attn = new MultiHeadAttention(4, 2);
    const x = tf.variable(randn([2, 3, 4]));
    const mask = causalMask(3);
    const p = projected(() => attn.forward(x, undefined, mask));
    gradCheck(p.loss, [...attn.parameters(), x]);
    p.dispose();
    x.dispose();
    attn.dispose();
  });

  it('has gradients matching finite differences (cross)', () => {
    setSeed(6);
    const attn = new MultiHeadAttention(4, 2, { kvDim: 3 });
    const q = tf.variable(randn([2, 2, 4]));
    const kv = tf.variable(randn([2, 3, 3]));
    const p = projected(() => attn.forward(q, kv));
    gradCheck(p.loss, [attn.k.weight, attn.v.weight, attn.q.weight, q, kv]);
    p.dispose();
    tf.dispose([q, kv]);
    attn.dispose();
  });
});

describe('FFNs', () => {
  it('GeluFFN maps D -> H -> D for 2-D and 3-D inputs', () => {
    const ffn = new GeluFFN(8, 32);
    expect(ffn.forward(randn([5, 8])).shape).toEqual([5, 8]);
    expect(ffn.forward(randn([2, 5, 8])).shape).toEqual([2, 5, 8]);
    expect(Object.keys(ffn.stateDict())).toEqual(['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
    const x = randn([3, 8]);
    expectClose(ffn.forward(x), ffn.fc2.forward(gelu(ffn.fc1.forward(x))), 1e-6);
    ffn.dispose();
  });

  it('SwiGLU computes w2(silu(w1 x) * w3 x)', () => {
    const ffn = new SwiGLU(8, 12);
    expect(Object.keys(ffn.stateDict())).toEqual(['w1.weight', 'w2.weight', 'w3.weight']);
    const x = randn([2, 3, 8]);
    const ref = tf.tidy(() => {
      const x2 = x.reshape([6, 8]);
      const a = tf.matMul(x2, ffn.w1.weight);
      const h = tf.mul(tf.div(a, tf.add(1, tf.exp(tf.neg(a)))), tf.matMul(x2, ffn.w3.weight));
      return tf.matMul(h, ffn.w2.weight).reshape([2, 3, 8]);
    });
    expectClose(ffn.forward(x), ref, 1e-5);
    expect(ffn.forward(randn([4, 8])).shape).toEqual([4, 8]);
    ffn.dispose();
  });

  it('SwiGLU has gradients matching finite differences', () => {
    setSeed(7);
    const ffn = new SwiGLU(3, 4);
    const x = tf.variable(randn([2, 2, 3]));
    const p = projected(() => ffn.forward(x));
    gradCheck(p.loss, [ffn.w1.weight, ffn.w2.weight, ffn.w3.weight, x]);
    p.dispose();
    x.dispose();
    ffn.dispose();
  });
});

/** A stand-in MoE layer: doubles its input and reports a fixed aux. */
class FakeMoE extends Module {
  readonly seenShapes: number[][] = [];
  forward(x: tf.Tensor): FfnOutput {
    this.seenShapes.push(x.shape);
    const t = x.shape[0];
    const aux: MoEAux = {
      losses: { aux: tf.scalar(0.25) },
      counts: tf.tensor1d([t, 0]),
      probs: tf.zeros([t, 2]) as tf.Tensor2D,
      dropped: tf.scalar(0),
      indices: tf.zeros([t, 1], 'int32') as tf.Tensor2D,
    };
    return { y: tf.mul(x, 2), aux };
  }
}

describe('TransformerBlock', () => {
  const blockNames = [
    'ln1.weight',
    'ln1.bias',
    'attn.q.weight',
    'attn.q.bias',
    'attn.k.weight',
    'attn.k.bias',
    'attn.v.weight',
    'attn.v.bias',
    'attn.out.weight',
    'attn.out.bias',
    'ln2.weight',
    'ln2.bias',
    'ffn.fc1.weight',
    'ffn.fc1.bias',
    'ffn.fc2.weight',
    'ffn.fc2.bias',
  ];

  it('has stable dotted state-dict names and round-trips loadStateDict', () => {
    setSeed(10);
    const a = new TransformerBlock({ dim: 8, heads: 2, ffn: new GeluFFN(8, 16) });
    expect(Object.keys(a.stateDict())).toEqual(blockNames);
    setSeed(11);
    const b = new TransformerBlock({ dim: 8, heads: 2, ffn: new GeluFFN(8, 16) });
    const x = randn([2, 4, 8]);
    const ya = a.forward(x).y;
    expect(Math.max(...values(tf.abs(tf.sub(ya, b.forward(x).y))))).toBeGreaterThan(1e-3);
    b.loadStateDict(a.stateDict());
    expectClose(b.forward(x).y, ya, 0);
    const rms = new TransformerBlock({ dim: 8, heads: 2, ffn: new SwiGLU(8, 16), norm: 'rms' });
    expect(Object.keys(rms.stateDict()).filter((n) => n.startsWith('ln'))).toEqual([
      'ln1.weight',
      'ln2.weight',
    ]);
    [a, b, rms].forEach((m) => m.dispose());
  });

  it('builds identical weights from the same seed', () => {
    const build = () => new TransformerBlock({ dim: 8, heads: 2, ffn: new SwiGLU(8, 16) });
    setSeed(99);
    const a = build();
    setSeed(99);
    const b = build();
    const sa = a.stateDict();
    const sb = b.stateDict();
    for (const name of Object.keys(sa)) expect(values(sa[name])).toEqual(values(sb[name]));
    [a, b].forEach((m) => m.dispose());
  });

  it('keeps shapes, feeds the FFN [B*L, D] and collects the aux of an MoE FFN', () => {
    const moe = new FakeMoE();
    const block = new TransformerBlock({ dim: 8, heads: 2, ffn: moe });
    const x = randn([3, 5, 8]);
    const before = tf.memory().numTensors;
    const { y, aux } = block.forward(x, causalMask(5));
    expect(y.shape).toEqual([3, 5, 8]);
    expect(moe.seenShapes).toEqual([[15, 8]]);
    expect(aux).toHaveLength(1);
    expect(values(aux[0].losses.aux)).toEqual([0.25]);
    // the mask, y and the 5 aux tensors: every intermediate is freed
    expect(tf.memory().numTensors).toBe(before + 1 + 1 + 5);
    const dense = new TransformerBlock({ dim: 8, heads: 2, ffn: new GeluFFN(8, 16) });
    const out2 = dense.forward(randn([5, 8]));
    expect(out2.y.shape).toEqual([5, 8]);
    expect(out2.aux).toEqual([]);
    [block, dense].forEach((m) => m.dispose());
  });
});

describe('positional encodings', () => {
  it('sinusoidal1d matches hand-computed entries', () => {
    const pe = sinusoidal1d(5, 8);
    expect(pe.shape).toEqual([5, 8]);
    const v = values(pe);
    expect(v[3 * 8 + 4]).toBeCloseTo(Math.sin(3 / 100), 6); // 10000^(4/8) = 100
    expect(v[3 * 8 + 5]).toBeCloseTo(Math.cos(3 / 100), 6);
    expect(v[2 * 8 + 0]).toBeCloseTo(Math.sin(2), 6);
    expect(v[0 * 8 + 1]).toBeCloseTo(1, 6);
    expect(() => sinusoidal1d(4, 5)).toThrow(/even/);
  });

  it('sinusoidal2d encodes rows in the first half and columns in the second', () => {
    const pe = sinusoidal2d(3, 4, 8);
    expect(pe.shape).toEqual([3, 4, 8]);
    const v = values(pe);
    const at = (r: number, c: number, ch: number) => v[(r * 4 + c) * 8 + ch];
    expect(at(2, 3, 0)).toBeCloseTo(Math.sin(2), 6);
    expect(at(2, 3, 2)).toBeCloseTo(Math.sin(2 / 100), 6); // half = 4: 10000^(2/4)
    expect(at(2, 3, 4)).toBeCloseTo(Math.sin(3), 6);
    expect(at(2, 3, 7)).toBeCloseTo(Math.cos(3 / 100), 6);
    expect(() => sinusoidal2d(2, 2, 6)).toThrow(/multiple of 4/);
  });

  it('learned positional embeddings add [L, dim] / [h, w, dim] tables', () => {
    const pos = new PositionalEmbedding(10, 4);
    expect(Object.keys(pos.stateDict())).toEqual(['weight']);
    const x = tf.zeros([2, 3, 4]);
    expectClose(
      tf.slice(pos.forward(x), [1, 0, 0], [1, 3, 4]).reshape([3, 4]),
      tf.slice(pos.weight, [0, 0], [3, 4]),
    );
    expectClose(pos.forward(tf.zeros([3, 4]), 7), tf.slice(pos.weight, [7, 0], [3, 4]));
    expect(() => pos.forward(tf.zeros([3, 4]), 8)).toThrow(/maxLen 10/);
    const pos2 = new PositionalEmbedding2d(2, 3, 4);
    expectClose(pos2.forward(tf.zeros([2, 3, 4])), pos2.weight);
    expectClose(
      tf.slice(pos2.forward(tf.zeros([5, 6, 4])), [4, 0, 0], [1, 6, 4]).reshape([6, 4]),
      pos2.weight.reshape([6, 4]),
    );
    expect(() => pos2.forward(tf.zeros([5, 4]))).toThrow(/neither/);
    [pos, pos2].forEach((m) => m.dispose());
  });
});

describe('a tiny transformer', () => {
  /** Embedding + learned positions + 2 blocks + LayerNorm + mean-pool + Linear head. */
  class TinyClassifier extends Module {
    readonly emb: Embedding;
    readonly pos: PositionalEmbedding;
    readonly blocks: TransformerBlock[];
    readonly lnF: LayerNorm;
    readonly head: Linear;
    constructor(vocab: number, len: number, dim: number, classes: number) {
      super();
      this.emb = this.child('emb', new Embedding(vocab, dim, { std: 0.5 }));
      this.pos = this.child('pos', new PositionalEmbedding(len, dim, { std: 0.5 }));
      this.blocks = this.childList(
        'blocks',
        [0, 1].map(() => new TransformerBlock({ dim, heads: 2, ffn: new GeluFFN(dim, 2 * dim) })),
      );
      this.lnF = this.child('lnF', new LayerNorm(dim));
      this.head = this.child('head', new Linear(dim, classes));
    }
    forward(ids: tf.Tensor): tf.Tensor {
      return tf.tidy(() => {
        let h = this.pos.forward(this.emb.forward(ids));
        for (const b of this.blocks) h = b.forward(h).y;
        return this.head.forward(tf.mean(this.lnF.forward(h), 1));
      });
    }
  }

  it('learns "token 0 equals token 3" with Adam, without leaking tensors', async () => {
    const V = 4;
    const L = 6;
    const rng = makeRng(123);
    /** Balanced batches: half with ids[0] === ids[3]. */
    const batch = (n: number): { ids: tf.Tensor2D; labels: tf.Tensor1D } => {
      const ids = new Int32Array(n * L);
      const labels = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < L; j++) ids[i * L + j] = Math.floor(rng() * V);
        if (rng() < 0.5) ids[i * L + 3] = ids[i * L];
        labels[i] = ids[i * L] === ids[i * L + 3] ? 1 : 0;
      }
      return { ids: tf.tensor2d(ids, [n, L], 'int32'), labels: tf.tensor1d(labels, 'int32') };
    };
    const lossOf = (model: TinyClassifier, ids: tf.Tensor, labels: tf.Tensor): tf.Scalar =>
      tf.tidy(() =>
        tf.neg(
          tf.mean<tf.Scalar>(tf.sum(tf.mul(tf.oneHot(labels, 2), tf.logSoftmax(model.forward(ids))), -1)),
        ),
      );

    await withKernel('UnsortedSegmentSum', () => {
      setSeed(2024);
      const model = new TinyClassifier(V, L, 32, 2);
      const opt = tf.train.adam(5e-3);
      const start = Date.now();
      const losses: number[] = [];
      const counts: number[] = [];
      for (let step = 0; step < 150; step++) {
        const { ids, labels } = batch(64);
        const cost = opt.minimize(() => lossOf(model, ids, labels), true, model.parameters());
        losses.push(cost!.dataSync()[0]);
        tf.dispose([cost!, ids, labels]);
        counts.push(tf.memory().numTensors);
      }
      // the first step creates Adam's slots; after that the count is flat
      expect(new Set(counts.slice(1)).size).toBe(1);

      const test = batch(512);
      model.eval();
      const acc = tf.tidy(
        () =>
          tf
            .mean(tf.cast(tf.equal(tf.argMax(model.forward(test.ids), -1), test.labels), 'float32'))
            .dataSync()[0],
      );
      const first = losses.slice(0, 20).reduce((s, v) => s + v, 0) / 20;
      const last = losses.slice(-20).reduce((s, v) => s + v, 0) / 20;
      console.log(
        `tiny transformer on ${tf.getBackend()}: loss ${first.toFixed(3)} -> ${last.toFixed(3)}, ` +
          `accuracy ${(acc * 100).toFixed(1)}% in ${Date.now() - start} ms`,
      );
      expect(last).toBeLessThan(first * 0.5);
      expect(acc).toBeGreaterThan(0.9);
      tf.dispose([test.ids, test.labels]);
      opt.dispose();
      model.dispose();
    });
  });
});
