import { fitShuffled, initBackend, Linear, setSeed, tf } from '../src';

beforeAll(async () => {
  await initBackend();
});

describe('fitShuffled', () => {
  it('learns a linear map, visits every sample once per epoch, and is deterministic per seed', async () => {
    const n = 96;
    const xs = tf.randomNormal([n, 4], 0, 1, 'float32', 1);
    const ys = tf.matMul(xs, tf.tensor2d([[1], [-2], [0.5], [3]]));
    const run = async (seed: number) => {
      setSeed(seed);
      const model = new Linear(4, 1);
      const before = tf.memory().numTensors;
      const seen: number[][] = [];
      const { history } = await fitShuffled({
        model,
        samples: n,
        epochs: 8,
        batchSize: 16,
        lr: 0.3,
        seed,
        makeBatch: (idx) => {
          seen.push(Array.from(idx));
          const i = tf.tensor1d(idx, 'int32');
          return { x: tf.gather(xs, i), y: tf.gather(ys, i), i };
        },
        loss: ({ x, y }, m) => ({ loss: tf.losses.meanSquaredError(y, m.forward(x)) as tf.Scalar }),
      });
      // Nothing outlives the run but the model: no optimizer moments, no batches.
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
      return { losses: history.steps.map((s) => s.loss), seen };
    };
    const a = await run(3);
    expect(a.losses.length).toBe(48);
    expect(a.losses[47]).toBeLessThan(a.losses[0] * 0.05);
    const firstEpoch = a.seen
      .slice(0, 6)
      .flat()
      .sort((p, q) => p - q);
    expect(firstEpoch).toEqual(Array.from({ length: n }, (_, i) => i));
    expect((await run(3)).losses).toEqual(a.losses);
  });
});
