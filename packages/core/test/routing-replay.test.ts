import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import {
  decodeRoutingTrace,
  encodeRoutingTrace,
  initBackend,
  loadRoutingTrace,
  MoELayer,
  Module,
  recordRouting,
  replayRouting,
  routingFlips,
  saveRoutingTrace,
  setSeed,
  tf,
  type MoELayerConfigInput,
  type RoutingTrace,
} from '../src';

beforeAll(async () => {
  await initBackend();
});

/** Two routed layers in a row: the second routes what the first returned. */
class TwoLayers extends Module {
  readonly first: MoELayer;
  readonly second: MoELayer;
  constructor(extra: Partial<MoELayerConfigInput> = {}) {
    super();
    const c = {
      dim: 8,
      hidden: 16,
      numExperts: 4,
      topK: 2,
      dispatch: 'sorted',
      ...extra,
    } as MoELayerConfigInput;
    this.first = this.child('first', new MoELayer(c));
    this.second = this.child('second', new MoELayer(c));
  }
  forward(x: tf.Tensor2D): tf.Tensor {
    return tf.tidy(() => this.second.forward(this.first.forward(x).y).y);
  }
}

const input = (seed: number, t = 12) => tf.randomNormal([t, 8], 0, 1, 'float32', seed) as tf.Tensor2D;

describe('router replay', () => {
  it('replaying a recorded routing reproduces the outputs exactly and leaves nothing behind', async () => {
    setSeed(1);
    const model = new TwoLayers();
    const x = input(2);
    const { result: y, trace } = await recordRouting(model, () => model.forward(x));
    expect(trace.layers.map((l) => [l.name, l.k, l.indices.length])).toEqual([
      ['first', 2, 24],
      ['second', 2, 24],
    ]);
    const before = tf.memory().numTensors;
    const again = await replayRouting(model, trace, () => model.forward(x));
    expect(Array.from(again.dataSync())).toEqual(Array.from(y.dataSync()));
    again.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('imposes the recorded experts on other tokens, batch after batch', async () => {
    setSeed(3);
    const model = new TwoLayers();
    const [a, b, c] = [input(4, 6), input(5, 6), input(6, 12)];
    // recorded over two calls of 6 tokens, replayed over two calls of other tokens
    const { trace } = await recordRouting(model, () =>
      [model.forward(a), model.forward(b)].forEach((t) => t.dispose()),
    );
    const [c1, c2] = tf.split(c, 2) as tf.Tensor2D[];
    const own = await recordRouting(model, () =>
      [model.forward(c1), model.forward(c2)].forEach((t) => t.dispose()),
    );
    const replayed = await recordRouting(model, () =>
      replayRouting(model, trace, () => [model.forward(c1), model.forward(c2)].forEach((t) => t.dispose())),
    );
    expect(replayed.trace).toEqual(trace);
    expect(routingFlips(own.trace, trace).flipped).toBeGreaterThan(0);
    tf.dispose([a, b, c, c1, c2]);
    model.dispose();
  });

  it('gives the router gradients at the imposed experts', async () => {
    setSeed(5);
    const layer = new MoELayer({ dim: 8, hidden: 16, numExperts: 4, topK: 2, dispatch: 'sorted' });
    const x = input(7, 6);
    const { trace } = await recordRouting(layer, () => layer.forward(x).y.dispose());
    const { grads, value } = await replayRouting(layer, trace, () =>
      tf.variableGrads(() => tf.sum(tf.square(layer.forward(x).y)) as tf.Scalar, layer.router.parameters()),
    );
    const norm = Object.values(grads).reduce((s, g) => s + tf.sum(tf.abs(g)).dataSync()[0], 0);
    expect(norm).toBeGreaterThan(0);
    tf.dispose([x, value, ...Object.values(grads)]);
    layer.dispose();
  });

  it('names what does not fit: other layers, too few rows, a router that cannot take imposed experts', async () => {
    setSeed(6);
    const model = new TwoLayers();
    const x = input(8);
    const { trace } = await recordRouting(model, () => model.forward(x).dispose());
    const renamed: RoutingTrace = { layers: [{ ...trace.layers[0], name: 'other' }, trace.layers[1]] };
    await expect(replayRouting(model, renamed, () => model.forward(x))).rejects.toThrow(
      /routed layers \[first, second\] are not the trace's \[other, second\]/,
    );
    const short: RoutingTrace = {
      layers: trace.layers.map((l) => ({ ...l, indices: l.indices.slice(0, 8) })),
    };
    await expect(replayRouting(model, short, () => model.forward(x))).rejects.toThrow(
      /first needs 12 more rows, the trace has 4/,
    );
    const twice = await recordRouting(model, () =>
      [model.forward(x), model.forward(x)].forEach((t) => t.dispose()),
    );
    await expect(replayRouting(model, twice.trace, () => model.forward(x))).rejects.toThrow(
      /first left 12 recorded rows unused/,
    );
    const ec = new TwoLayers({ router: { type: 'expert-choice' } });
    const before = tf.memory().numTensors;
    await expect(replayRouting(ec, trace, () => ec.forward(x))).rejects.toThrow(/routing cannot be imposed/);
    await expect(recordRouting(ec, () => ec.forward(x))).rejects.toThrow(/first routes by expert choice/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(x);
    model.dispose();
    ec.dispose();
  });
});

describe('routingFlips', () => {
  it('counts tokens whose set of experts differs, not their order', () => {
    const a: RoutingTrace = { layers: [{ name: 'l', k: 2, indices: Int32Array.from([0, 1, 2, 3, 1, 2]) }] };
    const b: RoutingTrace = { layers: [{ name: 'l', k: 2, indices: Int32Array.from([1, 0, 2, 0, 1, 2]) }] };
    const f = routingFlips(a, b);
    expect([f.tokens, f.flipped, f.share]).toEqual([3, 1, 1 / 3]);
    expect(() => routingFlips(a, { layers: [] })).toThrow(/1 traced layers against 0/);
  });
});

describe('routing trace files', () => {
  const trace: RoutingTrace = {
    layers: [
      { name: 'blocks.1.ffn', k: 2, indices: Int32Array.from([3, 1, 0, 2]) },
      { name: 'blocks.0.ffn', k: 1, indices: Int32Array.from([5, 4, 7]) },
    ],
  };

  it('round-trips bit-exactly as bytes and as a file, keeping the layer order', async () => {
    expect(decodeRoutingTrace(encodeRoutingTrace(trace))).toEqual(trace);
    const dir = mkdtempSync(path.join(tmpdir(), 'trace-'));
    try {
      const file = path.join(dir, 't.safetensors');
      await saveRoutingTrace(file, trace);
      expect(await loadRoutingTrace(file)).toEqual(trace);
      writeFileSync(file, Buffer.from(encodeRoutingTrace(trace)).subarray(0, 20));
      await expect(loadRoutingTrace(file)).rejects.toThrow(/t\.safetensors/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
