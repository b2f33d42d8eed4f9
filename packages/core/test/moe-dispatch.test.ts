import { initBackend, setSeed, tf } from '../src';
import {
  dispatch,
  DispatchKind,
  FfnExperts,
  SwiGluExperts,
  SoftmaxTopKRouter,
  ExpertChoiceRouter,
  ExpertBank,
  Router,
  planTokenChoice,
} from '../src/moe';
import { planTokenChoiceOnDevice } from '../src/moe/dispatch/device-plan';

beforeAll(async () => {
  await initBackend();
});

function maxRelDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => {
    const scale = Math.max(tf.max(tf.abs(b)).dataSync()[0], 1e-6);
    return tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / scale;
  });
}

function run(kind: DispatchKind, router: Router, bank: ExpertBank, x: tf.Variable) {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => {
      const r = router.route(x as tf.Tensor2D);
      const out = dispatch(kind, {
        x: x as tf.Tensor2D,
        assignment: r.assignment,
        experts: bank,
        capacityFactor: 100,
      });
      return tf.sum(tf.mul(out.y, tf.sin(tf.range(0, out.y.size).reshape(out.y.shape)))) as tf.Scalar;
    }, [x, ...router.parameters(), ...bank.parameters()]);
    const y = dispatch(kind, {
      x: x as tf.Tensor2D,
      assignment: router.route(x as tf.Tensor2D).assignment,
      experts: bank,
      capacityFactor: 100,
    });
    return {
      value: tf.keep(value),
      y: tf.keep(y.y),
      counts: tf.keep(y.counts),
      grads: Object.values(grads).map((g) => tf.keep(g)),
    };
  });
}

describe.each([
  [
    'ffn top-2',
    () => new SoftmaxTopKRouter({ dim: 16, numExperts: 4, k: 2 }),
    () => new FfnExperts({ numExperts: 4, dim: 16, hidden: 24 }),
  ],
  [
    'swiglu top-1',
    () => new SoftmaxTopKRouter({ dim: 16, numExperts: 6, k: 1 }),
    () => new SwiGluExperts({ numExperts: 6, dim: 16, hidden: 12 }),
  ],
  [
    'ffn top-3 of 8',
    () => new SoftmaxTopKRouter({ dim: 16, numExperts: 8, k: 3 }),
    () => new FfnExperts({ numExperts: 8, dim: 16, hidden: 8, activation: 'relu' }),
  ],
  [
    'expert choice',
    () => new ExpertChoiceRouter({ dim: 16, numExperts: 4, capacityFactor: 1.5 }),
    () => new FfnExperts({ numExperts: 4, dim: 16, hidden: 24 }),
  ],
])('dispatch paths agree: %s', (_name, makeRouter, makeBank) => {
  it('dense, sorted and capacity (nothing dropped) give the same output and gradients to 1e-5', () => {
    setSeed(7);
    const router = makeRouter();
    const bank = makeBank();
    const x = tf.variable(tf.randomNormal([37, 16], 0, 1, 'float32', 3));
    const dense = run('dense', router, bank, x);
    for (const kind of ['sorted', 'capacity'] as const) {
      const other = run(kind, router, bank, x);
      expect(maxRelDiff(other.y, dense.y)).toBeLessThan(1e-5);
      expect(Math.abs(other.value.dataSync()[0] - dense.value.dataSync()[0])).toBeLessThan(
        1e-4 * Math.abs(dense.value.dataSync()[0]) + 1e-5,
      );
      expect(Array.from(other.counts.dataSync())).toEqual(Array.from(dense.counts.dataSync()));
      other.grads.forEach((g, i) => expect(maxRelDiff(g, dense.grads[i])).toBeLessThan(1e-5));
    }
  });
});

describe('capacity dispatch', () => {
  it('drops pairs beyond capacity, counts them, and the dropped slots contribute zero', () => {
    setSeed(1);
    const bank = new FfnExperts({ numExperts: 2, dim: 4, hidden: 8 });
    const x = tf.randomNormal([6, 4]) as tf.Tensor2D;
    // All six tokens pick expert 0 first and expert 1 second: capacity ceil(0.5·6·2/2) = 3 per expert.
    const indices = tf.tensor2d([0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1], [6, 2], 'int32');
    const weights = tf.fill([6, 2], 0.5) as tf.Tensor2D;
    const out = dispatch('capacity', {
      x,
      assignment: { kind: 'token', indices, weights },
      experts: bank,
      capacityFactor: 0.5,
    });
    expect(out.dropped.dataSync()[0]).toBe(6);
    expect(Array.from(out.counts.dataSync())).toEqual([6, 6]);
    const all = bank.forwardAll(x);
    const expected = tf.concat([
      tf.mul(0.5, tf.add(all.slice([0, 0, 0], [1, 3, 4]), all.slice([1, 0, 0], [1, 3, 4])).squeeze([0])),
      tf.zeros([3, 4]),
    ]);
    expect(maxRelDiff(out.y, expected)).toBeLessThan(1e-6);
  });

  it('leaks no tensors across repeated forward+backward calls', () => {
    setSeed(2);
    const router = new SoftmaxTopKRouter({ dim: 8, numExperts: 4, k: 2 });
    const bank = new FfnExperts({ numExperts: 4, dim: 8, hidden: 8 });
    const x = tf.variable(tf.randomNormal([20, 8]));
    const step = () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const r = router.route(x as tf.Tensor2D);
          return tf.sum(
            dispatch('sorted', { x: x as tf.Tensor2D, assignment: r.assignment, experts: bank }).y,
          ) as tf.Scalar;
        });
        value.dispose();
        Object.values(grads).forEach((g) => g.dispose());
      });
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('device-side plan (backends without synchronous reads)', () => {
  it.each([3, 10, 37])('keeps exactly the pairs the host plan keeps, capacity %i', (cap) => {
    setSeed(4);
    const [t, k, e] = [37, 2, 4];
    const router = new SoftmaxTopKRouter({ dim: 16, numExperts: e, k });
    const x = tf.randomNormal([t, 16], 0, 1, 'float32', 6) as tf.Tensor2D;
    const { assignment } = router.route(x);
    if (assignment.kind !== 'token') throw new Error('token choice expected');
    const idx = assignment.indices.dataSync() as Int32Array;
    const host = planTokenChoice(idx, t, k, e, cap);
    const dev = planTokenChoiceOnDevice(assignment.indices, e, cap);
    expect(dev.dropped.dataSync()[0]).toBe(host.dropped);
    expect(Array.from(dev.routed.dataSync())).toEqual(host.routed);
    const slotPos = dev.slotPos.dataSync();
    const srcToken = dev.srcToken.dataSync();
    const srcSlot = dev.srcSlot.dataSync();
    for (let p = 0; p < t * k; p++) {
      const kept = host.slotPos[p] < host.kept;
      const row = slotPos[p];
      if (!kept) {
        expect(row).toBe(e * cap);
        continue;
      }
      expect(Math.floor(row / cap)).toBe(idx[p]); // in its expert's padded group
      expect(srcToken[row]).toBe(Math.floor(p / k));
      expect(srcSlot[row]).toBe(p);
    }
    const used = Array.from(srcToken).filter((s) => s < t).length;
    expect(used).toBe(host.kept);
    expect(Array.from(srcSlot).filter((s) => s === t * k).length).toBe(e * cap - host.kept);
  });
});
