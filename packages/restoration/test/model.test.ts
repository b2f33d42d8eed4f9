import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PassThrough } from 'stream';
import {
  AdamW,
  backendCapabilities,
  initBackend,
  MoELayer,
  moduleCosts,
  RoutedLayer,
  setSeed,
  tf,
  TransformerBlock,
} from '@moe-zoo/core';
import {
  cropImage,
  degrade,
  downscale,
  encodeImage,
  evaluateRestoration,
  FiLMExperts,
  loadRestorationModel,
  loadPhoto,
  makePatchSet,
  MoFMELayer,
  psnr,
  restoreImage,
  RestorationNet,
  weatherInformation,
  saveRestorationModel,
  trainRestoration,
} from '../src';
import { createRestoreCli } from '../src/cli';

beforeAll(async () => {
  await initBackend();
});

describe('FiLMExperts', () => {
  it.each(['linear', 'vector'] as const)('%s: sorted rows match the dense path', (modulation) => {
    setSeed(1);
    const fm = new FiLMExperts({ numExperts: 3, dim: 8, modulation });
    const x = tf.randomNormal([7, 8], 0, 1, 'float32', 4) as tf.Tensor2D;
    const sizes = [2, 0, 5];
    const all = fm.forwardAll(x).arraySync();
    const sorted = fm.forwardSorted(x, sizes).arraySync();
    const owner = sizes.flatMap((n, e) => Array<number>(n).fill(e));
    owner.forEach((e, t) => sorted[t].forEach((v, j) => expect(v).toBeCloseTo(all[e][t][j], 4)));
    expect(fm.paramsPerExpert()).toBe(modulation === 'linear' ? 2 * 64 + 16 : 16);
    fm.dispose();
  });

  it.each(['linear', 'vector'] as const)('%s: sorted rows have the dense path gradients', (modulation) => {
    setSeed(2);
    const fm = new FiLMExperts({ numExperts: 3, dim: 6, modulation });
    const x = tf.randomNormal([7, 6], 0, 1, 'float32', 3) as tf.Tensor2D;
    const sizes = [2, 0, 5];
    const owner = sizes.flatMap((n, e) => Array<number>(n).fill(e));
    const gradsOf = (f: () => tf.Tensor) =>
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => tf.sum(tf.square(f())) as tf.Scalar, fm.parameters());
        return Object.fromEntries(Object.entries(grads).map(([n, g]) => [n, Array.from(g.dataSync())]));
      });
    const sorted = gradsOf(() => fm.forwardSorted(x, sizes));
    const dense = gradsOf(() => {
      const all = fm.forwardAll(x);
      return tf.stack(owner.map((e, t) => tf.squeeze(tf.slice(all, [e, t, 0], [1, 1, 6]))));
    });
    expect(Object.keys(sorted).sort()).toEqual(Object.keys(dense).sort());
    for (const [name, g] of Object.entries(sorted))
      g.forEach((v, i) => expect(v).toBeCloseTo(dense[name][i], 4));
    tf.dispose(x);
    fm.dispose();
  });

  it('forwardAll: the fused wasm formulation and the batched one give the same values and gradients', async () => {
    const start = tf.getBackend();
    setSeed(5);
    const fm = new FiLMExperts({ numExperts: 3, dim: 6, modulation: 'linear' });
    const x = tf.randomNormal([9, 6], 0, 1, 'float32', 8) as tf.Tensor2D;
    const gammaW = fm.gammaW as tf.Variable;
    interface Run {
      y: number[];
      loss: number;
      grad: number;
    }
    const run = (): Run => {
      const out = { y: [] as number[], loss: 0, grad: 0 };
      tf.tidy(() => {
        const f = () => fm.forwardAll(x);
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(f())) as tf.Scalar, fm.parameters());
        out.y = Array.from(f().dataSync());
        out.loss = value.dataSync()[0];
        out.grad = tf.sum(tf.abs(grads[gammaW.name])).dataSync()[0];
      });
      return out;
    };
    const results: Run[] = [];
    // tfjs suggests its node backend the first time the cpu backend runs.
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      for (const backend of ['wasm', 'cpu']) {
        await tf.setBackend(backend);
        expect(backendCapabilities().slowBatchedMatMul).toBe(backend === 'wasm');
        results.push(run());
      }
    } finally {
      await tf.setBackend(start);
      warn.mockRestore();
    }
    const [wasm, cpu] = results;
    wasm.y.forEach((v, i) => expect(v).toBeCloseTo(cpu.y[i], 4));
    expect(wasm.loss).toBeCloseTo(cpu.loss, 3);
    expect(wasm.grad).toBeCloseTo(cpu.grad, 3);
    expect(wasm.grad).toBeGreaterThan(0);
    tf.dispose(x);
    fm.dispose();
  });
});

describe('MoFMELayer', () => {
  it('routes on the un-normalised residual stream inside a block by default (the released code)', () => {
    setSeed(4);
    const layer = new MoFMELayer({ dim: 8, numExperts: 4, topK: 2 });
    expect(layer.config).toMatchObject({ routerInput: 'residual', router: { type: 'softmax', bias: true } });
    expect(layer).toBeInstanceOf(RoutedLayer);
    const block = new TransformerBlock({ dim: 8, heads: 2, ffn: layer });
    block.eval();
    const x = tf.add(tf.mul(tf.randomNormal([2, 5, 8], 0, 1, 'float32', 9), 3), 1);
    const before = tf.memory().numTensors;
    const { y, aux } = block.forward(x);
    const got = tf.tensor(aux[0].probs.arraySync());
    const a = aux[0];
    tf.dispose([y, a.counts, a.probs, a.dropped, a.indices]);
    expect(tf.memory().numTensors).toBe(before + 1); // only `got`
    tf.tidy(() => {
      const h = tf.reshape(tf.add(x, block.attn.forward(block.ln1.forward(x))), [-1, 8]);
      const onResidual = layer.router.route(h as tf.Tensor2D).probs;
      const onNormed = layer.router.route(block.ln2.forward(h) as tf.Tensor2D).probs;
      const gap = (p: tf.Tensor, q: tf.Tensor) => Math.max(...tf.abs(tf.sub(p, q)).dataSync());
      expect(gap(got, onResidual)).toBeLessThan(1e-5);
      expect(gap(got, onNormed)).toBeGreaterThan(1e-3);
    });
    // Called directly: the residual comes in the context; without one the router reads the tokens.
    tf.tidy(() => {
      const tokens = tf.randomNormal([6, 8], 0, 1, 'float32', 10) as tf.Tensor2D;
      const residual = tf.randomNormal([6, 8], 0, 1, 'float32', 11) as tf.Tensor2D;
      const gap = (p: tf.Tensor, q: tf.Tensor) => Math.max(...tf.abs(tf.sub(p, q)).dataSync());
      expect(
        gap(layer.forward(tokens, { residual }).aux.probs, layer.router.route(residual).probs),
      ).toBeLessThan(1e-6);
      expect(gap(layer.forward(tokens).aux.probs, layer.router.route(tokens).probs)).toBeLessThan(1e-6);
      const normed = new MoFMELayer({ dim: 8, numExperts: 4, topK: 2, routerInput: 'normed' });
      normed.loadStateDict(layer.stateDict());
      normed.eval(); // compared with the eval-mode router above (no first-batch centring)
      expect(
        gap(normed.forward(tokens, { residual }).aux.probs, layer.router.route(tokens).probs),
      ).toBeLessThan(1e-6);
      normed.dispose();
    });
    expect(() => layer.forward(tf.zeros([3, 8]), { residual: tf.zeros([4, 8]) })).toThrow(/router input/);
  });

  it('keeps shapes, agrees across dispatch paths and has gradients for every parameter', () => {
    setSeed(2);
    const dense = new MoFMELayer({ dim: 8, numExperts: 4, topK: 2 });
    const sorted = new MoFMELayer({ dim: 8, numExperts: 4, topK: 2, dispatch: 'sorted' });
    sorted.loadStateDict(dense.stateDict());
    const x = tf.randomNormal([2, 5, 8], 0, 1, 'float32', 5);
    const a = dense.forward(x);
    const b = sorted.forward(x);
    expect(a.y.shape).toEqual([2, 5, 8]);
    expect(a.aux.probs.shape).toEqual([10, 4]);
    expect(a.aux.indices.shape).toEqual([10, 2]);
    expect(Math.max(...tf.abs(tf.sub(a.y, b.y)).dataSync())).toBeLessThan(1e-4);
    const params = dense.parameters();
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(dense.forward(x).y)) as tf.Scalar, params);
    for (const p of params) {
      expect(grads[p.name]).toBeDefined();
      expect(tf.sum(tf.abs(grads[p.name])).dataSync()[0]).toBeGreaterThan(0);
    }
    expect(() => dense.forward(tf.zeros([3, 7]))).toThrow(/dim/);
    expect(() => new MoFMELayer({ dim: 8, numExperts: 2, topK: 3 })).toThrow(/topK/);
  });

  it('is far smaller than a parallel-FFN MoE with the same E and trains with the UaR router', () => {
    const moe = new MoELayer({ dim: 32, hidden: 128, numExperts: 16, topK: 2 });
    const lin = new MoFMELayer({ dim: 32, numExperts: 16, topK: 2, modulation: 'linear' });
    const vec = new MoFMELayer({ dim: 32, numExperts: 16, topK: 2, modulation: 'vector' });
    expect(lin.countParams() / moe.countParams()).toBeLessThan(0.35);
    expect(vec.countParams() / moe.countParams()).toBeLessThan(0.1);
    setSeed(3);
    const uar = new MoFMELayer({ dim: 16, numExperts: 4, topK: 2, router: { type: 'uncertainty' } });
    const x = tf.randomNormal([64, 16], 0, 1, 'float32', 6);
    const target = tf.tanh(x);
    const opt = new AdamW(uar, { lr: 1e-2 });
    const loss = () => tf.losses.meanSquaredError(target, uar.forward(x).y) as tf.Scalar;
    const first = opt.minimize(loss);
    let last = first;
    for (let i = 0; i < 30; i++) last = opt.minimize(loss);
    expect(last).toBeLessThan(first * 0.7);
  });
});

describe('RestorationNet', () => {
  it.each([
    ['dense', { kind: 'dense', hidden: 64 }],
    ['mofme', { kind: 'mofme', mofme: { numExperts: 4, topK: 2 } }],
  ] as const)(
    'leaves no tensor behind once built and disposed (%s), so loading a model never leaks',
    (_, ffn) => {
      const before = tf.memory().numTensors;
      new RestorationNet({ dim: 16, channels: 8, depth: 1, ffn }).dispose();
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it('does not start collapsed: with the released router (bias centred on the first batch) MaxVio at step 1 is far below its ceiling', async () => {
    const train = makePatchSet({ split: 'train', n: 64, seed: 0 });
    const firstMaxVio = async (router: { type: 'softmax'; bias: boolean }) => {
      setSeed(3);
      const net = new RestorationNet({
        dim: 32,
        heads: 4,
        channels: 12,
        ffn: { kind: 'mofme', mofme: { numExperts: 8, topK: 2, router, auxLoss: 0.01 } },
      });
      const vio: number[] = [];
      await trainRestoration({
        model: net,
        train,
        epochs: 1,
        batchSize: 32,
        onStep: (_s, _l, i) => vio.push(i.routing?.maxVio ?? NaN),
      });
      net.dispose();
      return vio[0];
    };
    const ceiling = 8 / 2 - 1;
    expect(await firstMaxVio({ type: 'softmax', bias: true })).toBeLessThan(ceiling / 2);
    // The same router without the bias sends most tokens of the residual stream to the same two experts.
    expect(await firstMaxVio({ type: 'softmax', bias: false })).toBeGreaterThan(2);
  });

  it.each([
    { kind: 'dense' as const, hidden: 32 },
    { kind: 'moe' as const, moe: { hidden: 32, numExperts: 4, topK: 2 } },
    { kind: 'mofme' as const, mofme: { numExperts: 4, topK: 2, modulation: 'vector' as const } },
  ])('restores tiles with an FFN slot of kind $kind', (ffn) => {
    const net = new RestorationNet({ dim: 16, heads: 2, channels: 8, ffn });
    const { y, aux } = net.forward(tf.zeros([2, 32, 32, 3]));
    expect(y.shape).toEqual([2, 32, 32, 3]);
    expect(aux.length).toBe(ffn.kind === 'dense' ? 0 : 2);
    expect(net.activeParams()).toBeLessThanOrEqual(net.countParams());
    expect(net.activeParams()).toBe(moduleCosts(net).active);
    expect(net.routedLayers().length).toBe(aux.length);
    expect(net.flopsPerSample()).toBeGreaterThan(0);
    expect(() => net.forward(tf.zeros([1, 16, 16, 3]))).toThrow(/tiles/);
    net.dispose();
  });

  it('type-checks and validates the nested slot options, and every router / dispatch option reaches the layers', () => {
    expect(
      () =>
        new RestorationNet({ dim: 16, heads: 2, ffn: { kind: 'mofme', mofme: { numExperts: 2, topK: 3 } } }),
    ).toThrow(/topK/);
    expect(
      () =>
        new RestorationNet({
          dim: 16,
          heads: 2,
          ffn: { kind: 'moe', moe: { hidden: 8, numExperts: 2, topK: 3 } },
        }),
    ).toThrow(/topK/);
    expect(
      () =>
        new RestorationNet({
          dim: 16,
          heads: 2,
          // @ts-expect-error: not a router type
          ffn: { kind: 'mofme', mofme: { numExperts: 4, topK: 2, router: { type: 'bogus' } } },
        }),
    ).toThrow(/router/);
    const net = new RestorationNet({
      dim: 16,
      heads: 2,
      channels: 8,
      ffn: {
        kind: 'mofme',
        mofme: {
          numExperts: 4,
          topK: 2,
          dispatch: 'sorted',
          routerInput: 'residual',
          auxLoss: 0.01,
          router: { type: 'uncertainty', samples: 3 },
        },
      },
    });
    const layer = net.routedLayers()[0] as MoFMELayer;
    expect(layer.config).toMatchObject({ dispatch: 'sorted', routerInput: 'residual', auxLoss: 0.01 });
    expect(layer.router.constructor.name).toBe('UncertaintyRouter');
    net.train();
    const { y, aux } = net.forward(tf.zeros([1, 32, 32, 3]));
    expect(Object.keys(aux[0].losses)).toEqual(['aux']);
    tf.dispose([
      y,
      ...aux.flatMap((a) => [a.counts, a.probs, a.dropped, a.indices, ...Object.values(a.losses)]),
    ]);
    net.dispose();
  });

  it('learns: the MSE loss drops and PSNR beats the degraded input; restores, saves and loads', async () => {
    setSeed(0);
    const train = makePatchSet({ split: 'train', n: 384, seed: 0 });
    const test = makePatchSet({ split: 'test', n: 64, seed: 0 });
    const net = new RestorationNet({
      dim: 32,
      heads: 4,
      channels: 12,
      ffn: { kind: 'mofme', mofme: { numExperts: 4, topK: 2 } },
    });
    const untrained = (await evaluateRestoration(net, test)).byTask.all;
    expect(untrained.psnr).toBeCloseTo(untrained.inputPsnr, 6); // zero-initialised output conv: the identity
    const { losses } = await trainRestoration({ model: net, train, epochs: 3, batchSize: 32, lr: 3e-3 });
    const third = Math.floor(losses.length / 3);
    const meanOf = (v: number[]) => v.reduce((a, b) => a + b) / v.length;
    expect(meanOf(losses.slice(-third))).toBeLessThan(meanOf(losses.slice(0, third)));
    const ev = await evaluateRestoration(net, test);
    // Starting from the identity (zero-initialised output conv), training gains on the input.
    expect(ev.byTask.all.psnr).toBeGreaterThan(ev.byTask.all.inputPsnr + 0.2);
    expect(ev.assignments.length).toBe(2);
    expect(ev.patchPsnr).toHaveLength(test.n);
    // Every patch's 64 tokens make 2 choices each in every routed layer.
    for (const layer of ev.assignments) {
      expect(layer).toHaveLength(test.n);
      for (const row of layer) expect(row.reduce((a, b) => a + b, 0)).toBe(128);
    }
    const info = weatherInformation(ev.assignments[1], test.tasks);
    expect(info).toBeGreaterThanOrEqual(0);
    expect(info).toBeLessThanOrEqual(1);

    // Any size: smaller than a tile, and not a multiple of the stride.
    const small = { width: 20, height: 13, data: new Float32Array(20 * 13 * 3).fill(0.5) };
    expect(restoreImage(net, small).data.length).toBe(20 * 13 * 3);
    const odd = { width: 75, height: 41, data: new Float32Array(75 * 41 * 3).map((_, i) => (i % 7) / 7) };
    const progress: { done: number; total: number }[] = [];
    const restored = restoreImage(net, odd, { batchTiles: 3, onProgress: (p) => progress.push(p) });
    // 75x41 in 32-pixel tiles at stride 24: 3 x 2 tiles, reported after each batch of 3.
    expect(progress).toEqual([
      { done: 3, total: 6 },
      { done: 6, total: 6 },
    ]);
    expect(restored.width).toBe(75);
    expect(restored.data.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(() => restoreImage(net, odd, { maxPixels: 100 })).toThrow(/exceeds/);
    // The tile bound is checked before any work: no progress is reported.
    const refused: unknown[] = [];
    expect(() => restoreImage(net, odd, { maxTiles: 5, onProgress: (p) => refused.push(p) })).toThrow(
      /75x41 needs 6 tiles of 32x32 \(overlap 8\), over the limit of 5/,
    );
    expect(refused).toEqual([]);

    // End to end on a real photo the net never saw in training: a hazy 96x80 crop of a test photo
    // (36 steps learn haze; rain and snow take hundreds, see the bench).
    const clean = cropImage(downscale(loadPhoto('locomotion-house-cat'), 3), 100, 60, 96, 80);
    const hazy = degrade(clean, 'haze', 7);
    const fixed = restoreImage(net, hazy, { batchTiles: 4 });
    const asTensor = (im: typeof clean) => tf.tensor3d(im.data, [im.height, im.width, 3]);
    const [before, after] = await Promise.all(
      [hazy, fixed].map(async (im) => {
        const [a, b] = [asTensor(im), asTensor(clean)];
        const value = (await psnr(a, b))[0];
        tf.dispose([a, b]);
        return value;
      }),
    );
    expect(after).toBeGreaterThan(before);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resto-ckpt-'));
    await saveRestorationModel(dir, net, { note: 'kept' });
    const { model: again, config, extra } = await loadRestorationModel(dir);
    expect(config).toEqual(net.config);
    expect(extra).toEqual({ note: 'kept' });
    const a = restoreImage(again, odd, { batchTiles: 8 });
    expect(Math.max(...a.data.map((v, i) => Math.abs(v - restored.data[i])))).toBeLessThan(1e-5);

    // moe-restore restores a real file with a saved net (--model <dir>) and fails clearly on a bad one.
    const input = path.join(dir, 'in.png');
    fs.writeFileSync(input, encodeImage(odd, 'png'));
    const quiet = { stdout: new PassThrough(), stderr: new PassThrough() };
    expect(await createRestoreCli(quiet).run([input, path.join(dir, 'out.jpg'), '--model', dir])).toBe(0);
    expect(fs.existsSync(path.join(dir, 'out.jpg'))).toBe(true);
    fs.writeFileSync(path.join(dir, 'bad.png'), 'not an image');
    const bad = createRestoreCli(quiet).run([
      path.join(dir, 'bad.png'),
      path.join(dir, 'o.png'),
      '--model',
      dir,
    ]);
    expect(await bad).toBe(1);
    expect(String(quiet.stderr.read())).toMatch(/bad\.png: .*\(ImageError UNSUPPORTED\)/);
    fs.rmSync(dir, { recursive: true, force: true });
    net.dispose();
    again.dispose();
  });
});
