import { evaluateInBatches, evaluateInBatchesAsync, Linear, tf } from '../src';

describe('evaluateInBatches and evaluateInBatchesAsync', () => {
  it('give the same batches in eval mode, free each batch and restore the training flag', async () => {
    const model = new Linear(3, 2);
    model.train(true);
    const x = tf.randomNormal([7, 3]);
    const before = tf.memory().numTensors;
    const seen: boolean[] = [];
    const sums = evaluateInBatches(model, 7, 3, ({ from, size }) => {
      seen.push(model.training);
      return tf.sum(model.forward(tf.slice(x, [from, 0], [size, 3]))).dataSync()[0];
    });
    const asyncSums = await evaluateInBatchesAsync(model, 7, 3, async ({ from, size, indices }) => {
      seen.push(model.training);
      expect(Array.from(indices)).toEqual(Array.from({ length: size }, (_, i) => from + i));
      return (await tf.sum(model.forward(tf.slice(x, [from, 0], [size, 3]))).data())[0];
    });
    expect(asyncSums).toHaveLength(3);
    asyncSums.forEach((s, i) => expect(s).toBeCloseTo(sums[i], 5));
    expect(seen).toEqual([false, false, false, false, false, false]);
    expect(model.training).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    await expect(
      evaluateInBatchesAsync(model, 4, 2, async () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
    expect(model.training).toBe(true);
    expect(() => evaluateInBatches(model, 4, 0, () => 0)).toThrow(/batchSize/);
    x.dispose();
    model.dispose();
  });
});
