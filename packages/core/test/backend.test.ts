import { initBackend, tf } from '../src';

describe('initBackend', () => {
  it('starts wasm with two threads by default and computes correctly', async () => {
    const info = await initBackend();
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.threads).toBe(2);
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    expect(tf.matMul(x, x).arraySync()).toEqual([
      [7, 10],
      [15, 22],
    ]);
  });

  it('rejects an unknown backend naming it', async () => {
    await expect(initBackend({ backend: 'gpu' as never })).rejects.toThrow(/gpu/);
  });
});
