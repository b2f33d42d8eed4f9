import { PassThrough } from 'stream';
import { BarReporter, fitShuffled, initBackend, Linear, setSeed, tf } from '../src';

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

describe('fitShuffled progress', () => {
  const fit = (opts: { tty?: boolean }) => {
    const xs = tf.randomNormal([32, 2], 0, 1, 'float32', 2);
    return fitShuffled({
      model: new Linear(2, 1),
      samples: 32,
      epochs: 2,
      batchSize: 8,
      lr: 0.1,
      seed: 0,
      ...opts,
      makeBatch: (idx) => ({ x: tf.gather(xs, tf.tensor1d(idx, 'int32')) }),
      loss: ({ x }, m) => ({ loss: tf.mean(tf.square(m.forward(x))) as tf.Scalar }),
    }).finally(() => xs.dispose());
  };

  /** What fitShuffled wrote to stderr. */
  async function stderrOf(run: () => Promise<unknown>): Promise<string> {
    let text = '';
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      text += chunk.toString();
      return true;
    });
    try {
      await run();
    } finally {
      spy.mockRestore();
    }
    return text;
  }

  it('draws a bar on stderr by default when it is a terminal, nothing when it is not', async () => {
    const onTerminal = await stderrOf(() => fit({ tty: true }));
    expect(onTerminal).toContain('train: done 8/8');
    expect(await stderrOf(() => fit({ tty: false }))).toBe('');
  });

  it('draws no bar of its own while a caller is drawing bars', async () => {
    const outer = new BarReporter({ stream: new PassThrough(), tty: true });
    const handle = outer.progress('suite', 2);
    try {
      expect(await stderrOf(() => fit({ tty: true }))).toBe('');
    } finally {
      handle.done();
      outer.close();
    }
  });
});
