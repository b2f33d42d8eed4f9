import { BACKEND_ORDER, backendCapabilities, describeBackend, initBackend, tf, watchGpuErrors } from '../src';

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

  it('tries webgpu after tensorflow and before wasm, and skips it here naming why', async () => {
    expect(BACKEND_ORDER).toEqual(['tensorflow', 'webgpu', 'wasm', 'cpu']);
    const info = await initBackend();
    // Under Jest the ESM-only webgpu package cannot load; elsewhere lavapipe is a software adapter.
    expect(info.skipped.some((s) => s.startsWith('webgpu: '))).toBe(true);
    expect(backendCapabilities().syncReadback).toBe(true);
    expect(describeBackend(info)).toBe('wasm, 2 threads (@tensorflow/tfjs-backend-wasm)');
  });

  it('names the GPU adapter when there is one', () => {
    const adapter = { vendor: 'nvidia', architecture: 'ampere', device: 'NVIDIA A100', fallback: false };
    expect(
      describeBackend({
        name: 'webgpu',
        threads: 1,
        provider: '@tensorflow/tfjs-backend-webgpu',
        skipped: [],
        adapter,
      }),
    ).toBe('webgpu on nvidia ampere (NVIDIA A100) (@tensorflow/tfjs-backend-webgpu)');
  });

  it('has a GPU error watch that is silent off the GPU', async () => {
    await initBackend();
    const watch = watchGpuErrors();
    tf.dispose(tf.sum(tf.oneHot(tf.tensor2d([0, 1], [1, 2], 'int32'), 3), 1));
    expect(() => watch.check()).not.toThrow();
    expect(watch.errors).toEqual([]);
    watch.stop();
  });
});
