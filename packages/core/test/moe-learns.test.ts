import { AdamW, imagePatches, initBackend, makeRng, permutation, TokenClassifier, Trainer, tf } from '../src';
import { batchOf, loadMnist } from './helpers/mnist';

beforeAll(async () => {
  await initBackend();
});

const data = loadMnist(300, 50);

function makeModel(dispatch: 'dense' | 'sorted' | 'capacity') {
  return new TokenClassifier({
    inputDim: 49,
    tokens: 16,
    dim: 32,
    heads: 2,
    depth: 1,
    numClasses: 10,
    ffn: { kind: 'moe', moe: { hidden: 32, numExperts: 4, topK: 2, dispatch } },
  });
}

function train(model: TokenClassifier, epochs: number, seed: number, onStep?: () => void) {
  const batchSize = 50;
  const order = (epoch: number) => permutation(data.train.n, makeRng(seed * 1000 + epoch));
  const trainer = new Trainer({
    model,
    optimizer: new AdamW(model, { lr: 3e-3, weightDecay: 0 }),
    seed,
    epochs,
    progress: false,
    callbacks: { onStep },
    data: {
      numBatches: () => Math.floor(data.train.n / batchSize),
      batch: (epoch, i) => batchOf(data.train, order(epoch).subarray(i * batchSize, (i + 1) * batchSize)),
    },
    loss: ({ images, labels }, m) => {
      const { logits, aux } = m.forward(imagePatches(images, 7));
      return { loss: tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 10), logits) as tf.Scalar, aux };
    },
  });
  return trainer;
}

function accuracy(model: TokenClassifier): number {
  model.eval();
  const idx = Array.from({ length: data.test.n }, (_, i) => i);
  const { images, labels } = batchOf(data.test, idx);
  const acc = tf.tidy(() => {
    const pred = tf.argMax(model.forward(imagePatches(images, 7)).logits, -1);
    return tf.mean(tf.cast(tf.equal(pred, labels), 'float32')).dataSync()[0];
  });
  tf.dispose([images, labels]);
  return acc;
}

describe('an MoE classifier on MNIST', () => {
  it('learns well above chance, with balancing losses on and no tensor leak', async () => {
    const model = makeModel('sorted');
    const history = await train(model, 4, 1).fit();
    const losses = history.steps.map((s) => s.loss);
    const first = losses.slice(0, 5).reduce((a, b) => a + b) / 5;
    const last = losses.slice(-5).reduce((a, b) => a + b) / 5;
    expect(last).toBeLessThan(first * 0.5);
    expect(history.steps.every((s) => (s.auxLosses.aux ?? 0) > 0)).toBe(true);
    expect(history.steps[0].routing?.load.length).toBe(4);
    const acc = accuracy(model);
    expect(acc).toBeGreaterThan(0.75); // chance is 0.10
  });

  it('keeps tf.memory().numTensors flat across MoE training steps (all dispatch paths)', async () => {
    for (const dispatch of ['dense', 'sorted', 'capacity'] as const) {
      const model = makeModel(dispatch);
      const seen: number[] = [];
      await train(model, 1, 2, () => void seen.push(tf.memory().numTensors)).fit();
      const settled = seen.slice(1);
      expect(new Set(settled).size).toBe(1);
      model.dispose();
    }
  });
});
