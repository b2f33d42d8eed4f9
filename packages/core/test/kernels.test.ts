import { initBackend, makeRng, tf } from '../src';
import { registerWasmTrainingKernels } from '../src/backend/kernels';
import type { WasmKernelBackend } from '../src/backend/kernels';
import { conv2dBackpropFilterLoop } from '../src/backend/kernels/conv2d-backprop-filter';

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
type Shape4 = [number, number, number, number];

/** Values fed identically to both backends. */
interface Input {
  values: Float32Array | Int32Array;
  shape: number[];
  dtype: 'float32' | 'int32';
}

interface Result {
  values: tf.backend_util.TypedArray;
  shape: number[];
}

const rng = makeRng(20240611);
const randInt = (lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));

function randn(shape: number[]): Input {
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = rng() * 2 - 1;
  return { values, shape, dtype: 'float32' };
}

function ints(shape: number[], lo: number, hi: number): Input {
  const values = new Int32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = randInt(lo, hi);
  return { values, shape, dtype: 'int32' };
}

/** Runs `fn` on `backend` with fresh tensors made from `inputs` and copies the outputs out. */
async function runOn(
  backend: 'cpu' | 'wasm',
  inputs: Input[],
  fn: (...ts: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): Promise<Result[]> {
  await tf.setBackend(backend);
  const ts = inputs.map((i) => tf.tensor(i.values, i.shape, i.dtype));
  const outs = tf.tidy(() => fn(...ts));
  const list = Array.isArray(outs) ? outs : [outs];
  const results = list.map((t) => ({
    values: t.dataSync().slice(),
    shape: t.shape,
  }));
  tf.dispose([...ts, ...list]);
  return results;
}

function expectClose(actual: Result, expected: Result, label: string): void {
  expect(actual.shape).toEqual(expected.shape);
  let scale = 0;
  for (const v of expected.values) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < expected.values.length; i++) {
    worst = Math.max(worst, Math.abs(actual.values[i] - expected.values[i]));
  }
  const relative = worst / Math.max(scale, 1e-12);
  if (relative > 1e-5) throw new Error(`${label}: max error ${worst} is ${relative} of max |ref| ${scale}`);
}

/** Checks that wasm gives the cpu backend's outputs for `fn`. */
async function compare(
  label: string,
  inputs: Input[],
  fn: (...ts: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): Promise<void> {
  const expected = await runOn('cpu', inputs, fn);
  const actual = await runOn('wasm', inputs, fn);
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expectClose(a, expected[i], `${label} [output ${i}]`));
}

const run = (name: string, inputs: tf.NamedTensorMap, attrs: object): tf.Tensor =>
  tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;

const STRIDES = [1, 2, 3];
const PADS: Pad[] = [
  'same',
  'valid',
  1,
  [
    [0, 0],
    [1, 2],
    [0, 1],
    [0, 0],
  ],
];

/** A random NHWC conv problem whose 'valid' output is not empty. */
function convCase(chMul?: number, square = false): { xShape: Shape4; filterShape: Shape4 } {
  const kh = randInt(1, 4);
  const kw = square ? kh : randInt(1, 4);
  const ci = randInt(1, 4);
  const xShape: Shape4 = [randInt(2, 3), randInt(kh + 1, 11), randInt(kw + 1, 11), ci];
  const filterShape: Shape4 = [kh, kw, ci, chMul ?? randInt(1, 5)];
  return { xShape, filterShape };
}

function outShape(xShape: Shape4, filterShape: Shape4, stride: number, pad: Pad, depthwise: boolean): Shape4 {
  return tf.backend_util.computeConv2DInfo(xShape, filterShape, stride, 1, pad, undefined, depthwise)
    .outShape;
}

beforeAll(async () => {
  await initBackend();
});

afterAll(async () => {
  await tf.setBackend('wasm');
});

describe('wasm training kernels', () => {
  it('registers all four and is safe to call twice', () => {
    expect(() => {
      registerWasmTrainingKernels();
      registerWasmTrainingKernels();
    }).not.toThrow();
    const names = tf.getKernelsForBackend('wasm').map((k) => k.kernelName);
    for (const name of [
      tf.UnsortedSegmentSum,
      tf.Conv2DBackpropFilter,
      tf.DepthwiseConv2dNativeBackpropFilter,
      tf.DepthwiseConv2dNativeBackpropInput,
    ]) {
      expect(names.filter((n) => n === name)).toHaveLength(1);
    }
  });

  it('UnsortedSegmentSum matches cpu, skipping ids out of range, for float32 and int32', async () => {
    const cases: { ids: number; rest: number[]; segments: number }[] = [
      { ids: 7, rest: [5], segments: 6 },
      { ids: 20, rest: [2, 3], segments: 9 },
      { ids: 6, rest: [], segments: 4 },
    ];
    for (const { ids, rest, segments } of cases) {
      const segIds = ints([ids], -1, segments);
      for (const x of [randn([ids, ...rest]), ints([ids, ...rest], -50, 50)]) {
        await compare(`UnsortedSegmentSum ${x.dtype} ${x.shape}`, [x, segIds], (xt, st) =>
          run(tf.UnsortedSegmentSum, { x: xt, segmentIds: st }, { numSegments: segments }),
        );
      }
    }
  });

  it('UnsortedSegmentSum takes multi-dimensional ids like their flattening', async () => {
    // The cpu kernel only handles 1-D ids, so it gets the flattened problem.
    const x = randn([3, 4, 5]);
    const ids = ints([3, 4], -1, 6);
    const sum = (xt: tf.Tensor, st: tf.Tensor) =>
      run(tf.UnsortedSegmentSum, { x: xt, segmentIds: st }, { numSegments: 6 });
    const [expected] = await runOn(
      'cpu',
      [
        { ...x, shape: [12, 5] },
        { ...ids, shape: [12] },
      ],
      sum,
    );
    const [actual] = await runOn('wasm', [x, ids], sum);
    expectClose(actual, expected, 'UnsortedSegmentSum 2-D ids');
  });

  it('Conv2DBackpropFilter matches cpu over strides and paddings', async () => {
    for (const stride of STRIDES) {
      for (const pad of PADS) {
        const { xShape, filterShape } = convCase();
        const dyShape = outShape(xShape, filterShape, stride, pad, false);
        const attrs = { strides: stride, pad, dataFormat: 'NHWC', filterShape };
        await compare(
          `Conv2DBackpropFilter ${xShape} ${filterShape} s${stride} ${pad}`,
          [randn(xShape), randn(dyShape)],
          (x, dy) => run(tf.Conv2DBackpropFilter, { x, dy }, attrs),
        );
      }
    }
  });

  it('Conv2DBackpropInput (XNNPACK composed) matches cpu over strides, paddings and filter shapes', async () => {
    for (const stride of [1, 2, 3, 4]) {
      for (const pad of PADS) {
        for (const square of [true, false]) {
          const { xShape, filterShape } = convCase(undefined, square);
          const dyShape = outShape(xShape, filterShape, stride, pad, false);
          const attrs = { strides: stride, pad, dataFormat: 'NHWC', inputShape: xShape };
          await compare(
            `Conv2DBackpropInput ${xShape} ${filterShape} s${stride} ${pad}`,
            [randn(dyShape), randn(filterShape)],
            (dy, filter) => run(tf.Conv2DBackpropInput, { dy, filter }, attrs),
          );
        }
      }
    }
    // The restoration net's shapes: 3x3 'same' and a 4x4 stride-4 patch embedding.
    for (const [xShape, filterShape, stride, pad] of [
      [[4, 32, 32, 32], [3, 3, 32, 16], 1, 'same'],
      [[4, 32, 32, 16], [4, 4, 16, 48], 4, 'valid'],
    ] as [Shape4, Shape4, number, Pad][]) {
      const dyShape = outShape(xShape, filterShape, stride, pad, false);
      const attrs = { strides: stride, pad, dataFormat: 'NHWC', inputShape: xShape };
      await compare(`Conv2DBackpropInput ${xShape}`, [randn(dyShape), randn(filterShape)], (dy, filter) =>
        run(tf.Conv2DBackpropInput, { dy, filter }, attrs),
      );
    }
  });

  it('Conv2DBackpropFilter falls back to the loop where the composed conv is too small', async () => {
    // ceil rounding adds an output row whose window runs past the input.
    const xShape: Shape4 = [2, 6, 7, 3];
    const filterShape: Shape4 = [3, 3, 3, 4];
    const conv = tf.backend_util.computeConv2DInfo(xShape, filterShape, 2, 1, 0, 'ceil');
    expect(conv.inHeight - (conv.outHeight - 1) * 2).toBeLessThan(3);
    const attrs = { strides: 2, pad: 0, dataFormat: 'NHWC', dimRoundingMode: 'ceil', filterShape };
    await compare('Conv2DBackpropFilter ceil', [randn(xShape), randn(conv.outShape)], (x, dy) =>
      run(tf.Conv2DBackpropFilter, { x, dy }, attrs),
    );
  });

  it('Conv2DBackpropFilter loop agrees with the composed kernel', async () => {
    await tf.setBackend('wasm');
    const xShape: Shape4 = [3, 9, 8, 4];
    const filterShape: Shape4 = [3, 2, 4, 5];
    const dyShape = outShape(xShape, filterShape, 2, 'same', false);
    const attrs = { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape };
    const x = tf.tensor(randn(xShape).values, xShape);
    const dy = tf.tensor(randn(dyShape).values, dyShape);
    const composed = run(tf.Conv2DBackpropFilter, { x, dy }, attrs);
    const backend = tf.backend() as unknown as WasmKernelBackend;
    const loop = conv2dBackpropFilterLoop({ inputs: { x, dy }, backend, attrs }) as tf.TensorInfo;
    const result = { values: backend.readSync(loop.dataId), shape: loop.shape };
    backend.disposeData(loop.dataId);
    expectClose(result, { values: composed.dataSync(), shape: composed.shape }, 'loop vs composed');
    tf.dispose([x, dy, composed]);
  });

  it('Conv2DBackpropFilter rejects NCHW clearly', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([1, 2, 4, 4]);
    const dy = tf.zeros([1, 2, 4, 4]);
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [1, 1, 2, 2] };
    expect(() => run(tf.Conv2DBackpropFilter, { x, dy }, attrs)).toThrow(/NHWC/);
    tf.dispose([x, dy]);
  });

  it('depthwise backprops match cpu over strides, paddings and channel multipliers', async () => {
    for (const chMul of [1, 2]) {
      for (const stride of STRIDES) {
        for (const pad of PADS) {
          const { xShape, filterShape } = convCase(chMul);
          const dyShape = outShape(xShape, filterShape, stride, pad, true);
          const common = { strides: stride, dilations: 1, pad };
          const label = `${xShape} ${filterShape} s${stride} ${pad}`;
          await compare(`DepthwiseBackpropFilter ${label}`, [randn(xShape), randn(dyShape)], (x, dy) =>
            run(tf.DepthwiseConv2dNativeBackpropFilter, { x, dy }, { ...common, filterShape }),
          );
          await compare(
            `DepthwiseBackpropInput ${label}`,
            [randn(dyShape), randn(filterShape)],
            (dy, filter) =>
              run(tf.DepthwiseConv2dNativeBackpropInput, { dy, filter }, { ...common, inputShape: xShape }),
          );
        }
      }
    }
  });

  it('conv2d and depthwiseConv2d gradients match cpu end to end', async () => {
    for (const stride of STRIDES) {
      for (const pad of ['same', 'valid', 1] as const) {
        // tfjs sizes a numeric-padding output from the filter height alone, and the wasm backend's
        // own forward conv then writes past its output for non-square filters, so keep those square.
        const square = typeof pad === 'number';
        const conv = convCase(undefined, square);
        const r = randn(outShape(conv.xShape, conv.filterShape, stride, pad, false));
        await compare(
          `grad conv2d ${conv.xShape} ${conv.filterShape} s${stride} ${pad}`,
          [randn(conv.xShape), randn(conv.filterShape), r],
          (x, f, rt) =>
            tf.grads((a: tf.Tensor, b: tf.Tensor) =>
              tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad), rt)),
            )([x, f]),
        );
        const dw = convCase(stride === 2 ? 2 : 1, square);
        const rd = randn(outShape(dw.xShape, dw.filterShape, stride, pad, true));
        await compare(
          `grad depthwise ${dw.xShape} ${dw.filterShape} s${stride} ${pad}`,
          [randn(dw.xShape), randn(dw.filterShape), rd],
          (x, f, rt) =>
            tf.grads((a: tf.Tensor, b: tf.Tensor) =>
              tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad), rt)),
            )([x, f]),
        );
      }
    }
  });

  it('tf.gather gradient (embedding lookup with repeated ids) matches cpu', async () => {
    const vocab = 11;
    const dim = 6;
    const ids = ints([4, 9], 0, vocab - 1);
    ids.values[1] = ids.values[0];
    ids.values[5] = ids.values[0];
    const r = randn([4, 9, dim]);
    await compare('grad gather', [randn([vocab, dim]), ids, r], (table, idx, rt) =>
      tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, idx), rt)))(table),
    );
    const r1 = randn([5, 4]);
    const ids1 = ints([4], 0, 6);
    ids1.values[3] = ids1.values[2];
    await compare('grad gather axis 1', [randn([5, 7]), ids1, r1], (table, idx, rt) =>
      tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, idx, 1), rt)))(table),
    );
  });
});

describe('wasm speed kernels', () => {
  it('free every temporary: backend buffers stay flat over matMul, gather, slice and conv, forward and backward', () => {
    const backend = tf.engine().backend;
    const a = tf.variable(tf.randomNormal([6, 5, 4]));
    const b = tf.variable(tf.randomNormal([6, 4, 3]));
    const table = tf.variable(tf.randomNormal([10, 4]));
    const ids = tf.tensor1d([1, 3, 3, 9], 'int32');
    const step = () =>
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => {
          const y = tf.matMul(a, b, false, false);
          const z = tf.matMul(tf.reshape(a, [30, 4]), tf.reshape(b, [6, 12]).slice([0, 0], [4, 12]));
          const g = tf.gather(table, ids);
          const t = tf.matMul(g, tf.reshape(b, [24, 3]).slice([2, 0], [4, 3]), false, false);
          const img = tf.reshape(tf.slice(tf.reshape(a, [120]), [0], [96]), [2, 4, 4, 3]);
          const conv = tf.conv2d(
            img as tf.Tensor4D,
            tf.reshape(tf.slice(tf.reshape(b, [72]), [0], [54]), [3, 3, 3, 2]) as tf.Tensor4D,
            2,
            'same',
          );
          return tf.addN([
            tf.sum(conv),
            tf.sum(y),
            tf.sum(z),
            tf.sum(t),
            tf.sum(tf.matMul(g, g, false, true)),
          ]) as tf.Scalar;
        });
        Object.values(grads).forEach((gr) => gr.dataSync());
      });
    step();
    const before = backend.numDataIds();
    for (let i = 0; i < 5; i++) step();
    expect(backend.numDataIds()).toBe(before);
  });
});
