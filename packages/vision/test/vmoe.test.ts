import { initBackend, setSeed } from '@moe-zoo/core';
import { createViT, evaluateViT, loadFashion, trainViT } from '../src';

describe('V-MoE vs dense ViT', () => {
  beforeAll(async () => {
    await initBackend();
  });

  it('has equal active parameters, learns well above chance and is deterministic', async () => {
    const moe = createViT({ kind: 'moe' });
    const dense = createViT({ kind: 'dense' });
    expect(moe.moeLayers()).toHaveLength(1); // depth 2, MoE in alternate blocks (the last)
    expect(moe.countParams()).toBeGreaterThan(dense.countParams());
    expect(Math.abs(moe.activeParams() - dense.activeParams()) / dense.activeParams()).toBeLessThan(0.03);
    moe.dispose();
    dense.dispose();
    const data = loadFashion({ trainPerClass: 40, testPerClass: 20, seed: 0 });
    expect(data.train.n).toBe(400);
    expect(new Set(data.test.y).size).toBe(10);
    const run = async () => {
      setSeed(3);
      const model = createViT({ kind: 'moe' });
      const r = await trainViT(model, data.train, 7, { epochs: 3, batchSize: 40, lr: 3e-3, seed: 0 });
      const acc = evaluateViT(model, data.test, 7);
      model.dispose();
      return { r, acc };
    };
    const a = await run();
    expect(a.acc).toBeGreaterThan(0.35); // chance is 0.1
    expect(a.r.maxVio.length).toBe(a.r.losses.length);
    const b = await run();
    expect(b.r.losses).toEqual(a.r.losses);
    expect(b.acc).toBe(a.acc);
    expect(() => createViT({ kind: 'moe', patch: 5 })).toThrow(/not divisible by patch 5/);
  });
});
