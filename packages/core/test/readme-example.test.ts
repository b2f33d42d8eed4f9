import { AdamW, initBackend, MoELayer, setSeed, tf } from '../src';

// The example of the repository README and packages/core/README.md, with assertions.
describe('README example', () => {
  it('trains an MoE layer: the loss falls', async () => {
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
