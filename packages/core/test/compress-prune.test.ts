import {
  calibrateExperts,
  ConfigError,
  FfnExperts,
  initBackend,
  MoELayer,
  pruneExperts,
  recordRouting,
  selectExperts,
  SoftmaxTopKRouter,
  tf,
  type MoELayerConfigInput,
} from '../src';
import { smallMoeLayer } from './helpers/small-moe';

beforeAll(async () => {
  await initBackend();
});

const D = 6;
const H = 8;
const E = 6;

/** A relu MoE layer with a router bias set to non-zero values (so dropping its entries matters). */
function makeLayer(extra: Partial<MoELayerConfigInput> = {}, seed = 1): MoELayer {
  const layer = smallMoeLayer(
    {
      dim: D,
      hidden: H,
      numExperts: E,
      activation: 'relu',
      router: { type: 'softmax', bias: true },
      ...extra,
    } as MoELayerConfigInput,
    seed,
  );
  const router = layer.router as SoftmaxTopKRouter;
  if (router.bias) {
    tf.tidy(() => {
      router.bias!.value.assign(tf.randomNormal([layer.config.numExperts], 0, 0.5, 'float32', seed + 100));
      router.bias!.centred.assign(tf.scalar(1));
    });
  }
  return layer;
}

const tokens = (t: number, seed: number) => tf.randomNormal([t, D], 0, 1, 'float32', seed) as tf.Tensor2D;

/** Expert e's output on token row x, on the host (relu FFN). */
function hostExpert(bank: FfnExperts, e: number, x: Float32Array): Float64Array {
  const [w1, b1, w2, b2] = [bank.w1, bank.b1, bank.w2, bank.b2].map((v) => v.dataSync());
  const h = Float64Array.from({ length: H }, (_, j) => {
    let s = b1[e * H + j];
    for (let i = 0; i < D; i++) s += x[i] * w1[e * D * H + i * H + j];
    return Math.max(0, s);
  });
  return Float64Array.from({ length: D }, (_, j) => {
    let s = b2[e * D + j];
    for (let i = 0; i < H; i++) s += h[i] * w2[e * H * D + i * D + j];
    return s;
  });
}

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

describe('calibrateExperts', () => {
  it('counts, usage and saliency match a per-token host reference; routing is what the tap records', async () => {
    const layer = makeLayer();
    const x = tokens(40, 7);
    const stats = await calibrateExperts(layer, x, { chunk: 16 });
    const { trace } = await recordRouting(layer, () => tf.tidy(() => void layer.forward(x)));
    const indices = trace.layers[0].indices;
    const probs = tf.tidy(() => (layer.router.route(x).probs as tf.Tensor2D).arraySync());
    const xs = x.arraySync();
    const counts = new Array<number>(E).fill(0);
    const saliency = new Array<number>(E).fill(0);
    for (let t = 0; t < 40; t++) {
      const chosen = [indices[2 * t], indices[2 * t + 1]];
      const gateSum = probs[t][chosen[0]] + probs[t][chosen[1]];
      for (const e of chosen) {
        counts[e]++;
        const y = hostExpert(layer.experts as FfnExperts, e, Float32Array.from(xs[t]));
        saliency[e] += (probs[t][e] / gateSum) * Math.hypot(...y);
      }
    }
    const total = saliency.reduce((s, v) => s + v, 0);
    expect(stats.tokens).toBe(40);
    expect(stats.k).toBe(2);
    expect(stats.counts).toEqual(counts);
    expect(stats.usage.map((u) => u * 80)).toEqual(counts.map((c) => expect.closeTo(c, 9)));
    stats.saliency.forEach((s, e) => expect(s).toBeCloseTo(saliency[e] / total, 5));
    x.dispose();
    layer.dispose();
  });

  it('similarity is the cosine of the experts outputs: 1 for a copied expert, matching a host cosine', async () => {
    const layer = makeLayer();
    const bank = layer.experts as FfnExperts;
    tf.tidy(() => {
      // Expert 3 becomes 2 x expert 1 in its output layer: outputs are parallel (cosine 1).
      const copy = (v: tf.Variable, scale: number) =>
        v.assign(
          tf.concat([tf.slice(v, [0], [3]), tf.mul(tf.slice(v, [1], [1]), scale), tf.slice(v, [4])], 0),
        );
      copy(bank.w1, 1);
      copy(bank.b1, 1);
      copy(bank.w2, 2);
      copy(bank.b2, 2);
    });
    const x = tokens(30, 8);
    const { similarity } = await calibrateExperts(layer, x);
    const xs = x.arraySync();
    const outs = [0, 2].map((e) =>
      xs.flatMap((row) => Array.from(hostExpert(bank, e, Float32Array.from(row)))),
    );
    const dot = outs[0].reduce((s, v, i) => s + v * outs[1][i], 0);
    const cos = dot / (Math.hypot(...outs[0]) * Math.hypot(...outs[1]));
    expect(similarity[0][2]).toBeCloseTo(cos, 5);
    expect(similarity[2][0]).toBeCloseTo(cos, 5);
    expect(similarity[1][3]).toBeCloseTo(1, 5);
    expect(similarity.map((row, i) => row[i])).toEqual(new Array(E).fill(expect.closeTo(1, 6)));
    x.dispose();
    layer.dispose();
  });

  it('runs the router in evaluation mode and restores the mode, leaving no tensors', async () => {
    const layer = makeLayer();
    const router = layer.router as SoftmaxTopKRouter;
    router.bias!.centred.assign(tf.scalar(0)); // a training call would centre the bias now
    const bias = Array.from(router.bias!.value.dataSync());
    layer.train();
    const x = tokens(20, 9);
    const before = tf.memory().numTensors;
    const stats = await calibrateExperts(layer, x, { chunk: 7 });
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(router.bias!.value.dataSync())).toEqual(bias);
    expect(router.training).toBe(true);
    expect(stats.counts.reduce((s, c) => s + c, 0)).toBe(40);
    x.dispose();
    layer.dispose();
  });

  it('rejects tokens of the wrong width and an unknown option, naming them', async () => {
    const layer = makeLayer();
    await expect(calibrateExperts(layer, tf.zeros([4, 5]))).rejects.toThrow('the layer needs [T, 6]');
    await expect(calibrateExperts(layer, tf.zeros([4, 6]), { chunk: 0 })).rejects.toThrow(/chunk/);
    await expect(calibrateExperts(layer, tf.zeros([4, 6]), { chunkSize: 3 } as never)).rejects.toThrow(
      ConfigError,
    );
    layer.dispose();
  });
});

describe('pruneExperts', () => {
  it('keeping every expert reproduces the outputs exactly, with shared experts, and leaves the source intact', () => {
    const layer = makeLayer({ sharedExperts: 1 });
    const x = tokens(24, 3);
    const { layer: pruned, kept } = pruneExperts(layer, [5, 4, 3, 2, 1, 0, 0]);
    expect(kept).toEqual([0, 1, 2, 3, 4, 5]);
    expect(pruned).not.toBe(layer);
    expect(pruned.training).toBe(false);
    const a = layer.forward(x);
    const b = pruned.forward(x);
    expect(maxAbsDiff(a.y, b.y)).toBe(0);
    expect(Array.from(b.aux.indices.dataSync())).toEqual(Array.from(a.aux.indices.dataSync()));
    pruned.dispose();
    const again = layer.forward(x); // the source's variables survive the copy's disposal
    expect(maxAbsDiff(a.y, again.y)).toBe(0);
    tf.dispose([a, b, again, x] as unknown as tf.TensorContainer);
    layer.dispose();
  });

  it('the pruned router renormalises over the kept experts and never picks a removed one', () => {
    const layer = makeLayer();
    const x = tokens(64, 4);
    const keep = [0, 2, 5];
    const { layer: pruned, kept } = pruneExperts(layer, keep);
    expect(kept).toEqual(keep);
    const { y, aux } = pruned.forward(x);
    const idx = Array.from(aux.indices.dataSync());
    expect(Math.max(...idx)).toBeLessThan(3);
    expect(new Set(idx.map((i) => kept[i]))).toEqual(new Set(keep)); // mapped back: kept ids only
    // Reference: the source's logits at the kept columns, softmax, top-2, renormalised, kept experts.
    const expected = tf.tidy(() => {
      const router = layer.router as SoftmaxTopKRouter;
      const logits = tf.add(tf.matMul(x, router.weight), router.bias!.value);
      const sub = tf.gather(logits, tf.tensor1d(keep, 'int32'), 1);
      const p = tf.softmax(sub);
      const { values, indices } = tf.topk(p, 2);
      const w = tf.div(values, tf.sum(values, 1, true));
      const all = tf.gather(layer.experts.forwardAll(x), tf.tensor1d(keep, 'int32')); // [3, T, D]
      const g = tf.sum(tf.mul(tf.oneHot(indices, 3), tf.expandDims(w, -1)), 1); // [T, 3]
      return tf.sum(tf.mul(all, tf.expandDims(tf.transpose(g), -1)), 0);
    });
    expect(maxAbsDiff(y, expected)).toBeLessThan(1e-5);
    tf.dispose([
      y,
      expected,
      x,
      ...Object.values(aux.losses),
      aux.counts,
      aux.probs,
      aux.dropped,
      aux.indices,
    ]);
    pruned.dispose();
    layer.dispose();
  });

  it('drops exactly removed x (paramsPerExpert + router weights) parameters, and nothing leaks', () => {
    const layer = makeLayer();
    const before = tf.memory().numTensors;
    const { layer: pruned } = pruneExperts(layer, [1, 3, 4, 5]);
    const variables = pruned.namedParameters().length + pruned.namedBuffers().length;
    expect(tf.memory().numTensors).toBe(before + variables);
    const perExpert = 2 * D * H + H + D;
    expect(layer.experts.paramsPerExpert()).toBe(perExpert);
    expect(layer.countParams() - pruned.countParams()).toBe(2 * (perExpert + D + 1));
    expect(pruned.router.numExperts).toBe(4);
    expect(pruned.experts.numExperts).toBe(4);
    expect(pruned.activeParams()).toBe(layer.activeParams() - 2 * (D + 1));
    pruned.dispose();
    layer.dispose();
  });

  it('slices only the output projection of an MLP router', () => {
    const layer = makeLayer({ router: { type: 'mlp', hidden: 5 } });
    const { layer: pruned } = pruneExperts(layer, [0, 1, 2]);
    expect(layer.countParams() - pruned.countParams()).toBe(3 * (2 * D * H + H + D + 5));
    const w2 = (r: MoELayer) => r.router.stateDict()['w2'];
    expect(maxAbsDiff(w2(pruned), tf.slice(w2(layer), [0, 0], [5, 3]))).toBe(0);
    pruned.dispose();
    layer.dispose();
  });

  it('keeps the experts ranked best by usage or saliency', async () => {
    const layer = makeLayer();
    const x = tokens(50, 5);
    const stats = await calibrateExperts(layer, x);
    for (const by of ['usage', 'saliency'] as const) {
      const { kept } = pruneExperts(layer, { count: 3, by }, stats);
      const worstKept = Math.min(...kept.map((e) => stats[by][e]));
      const bestRemoved = Math.max(
        ...[0, 1, 2, 3, 4, 5].filter((e) => !kept.includes(e)).map((e) => stats[by][e]),
      );
      expect(worstKept).toBeGreaterThanOrEqual(bestRemoved);
      expect(kept).toEqual(selectExperts(stats, { count: 3, by }));
    }
    expect(
      selectExperts({ ...stats, usage: [0.1, 0.3, 0.1, 0.3, 0.1, 0.1] }, { count: 3, by: 'usage' }),
    ).toEqual([0, 1, 3]);
    x.dispose();
    layer.dispose();
  });

  it('refuses what it cannot prune, naming the field', () => {
    const layer = makeLayer();
    const field = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).issues.map((i) => i.path).join(',');
      }
      throw new Error('did not throw');
    };
    expect(field(() => pruneExperts(layer, { count: 2, by: 'usage' }))).toBe('by');
    expect(field(() => pruneExperts(layer, [0, 9]))).toBe('keep');
    expect(field(() => pruneExperts(layer, [3]))).toBe('keep'); // fewer than topK
    expect(field(() => pruneExperts(layer, [-1, 2]))).toBe('0');
    const hashed = makeLayer({ router: { type: 'hash' } });
    expect(field(() => pruneExperts(hashed, [0, 1, 2]))).toBe('router.type');
    hashed.dispose();
    layer.dispose();
  });
});
