import { AdamW, initBackend, MoELayer, setSeed, tf } from '../src';

// The loop the README's "An MoE layer in a few lines" shows (that example itself runs verbatim in
// tools/readme-examples), seeded, with what it is meant to show asserted.
describe('MoELayer with AdamW', () => {
  it('fits tanh in 100 steps: the loss falls below 0.3 of its first value', async () => {
    const backend = await initBackend();
    expect(backend.name).toBe('wasm');
    setSeed(3);
    const moe = new MoELayer({ dim: 32, hidden: 64, numExperts: 8, topK: 2, dispatch: 'sorted' });
    const opt = new AdamW(moe, { lr: 1e-2 });
    const x = tf.randomNormal([256, 32], 0, 1, 'float32', 1);
    const target = tf.tanh(x);
    const losses: number[] = [];
    for (let step = 0; step < 100; step++) {
      const loss = opt.minimize(() => {
        const { y, aux } = moe.forward(x);
        return tf.addN([tf.losses.meanSquaredError(target, y), ...Object.values(aux.losses)]) as tf.Scalar;
      });
      moe.afterStep();
      losses.push(loss);
    }
    expect(losses[99]).toBeLessThan(losses[0] * 0.3);
  });
});
