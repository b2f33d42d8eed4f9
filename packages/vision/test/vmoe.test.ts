import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend, setSeed } from '@moe-zoo/core';
import { evaluateViT, loadFashion, loadViTModel, saveViTModel, trainViT, ViT } from '../src';

const VMOE = { kind: 'moe', moe: { hidden: 48, numExperts: 8, topK: 2 } } as const;
const DENSE = { kind: 'dense', hidden: 96 } as const;

describe('V-MoE vs dense ViT', () => {
  beforeAll(async () => {
    await initBackend();
  });

  it('has equal active parameters, learns well above chance and is deterministic', async () => {
    const moe = new ViT({ ffn: VMOE });
    const dense = new ViT({ ffn: DENSE });
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
      const model = new ViT({ ffn: VMOE });
      const r = await trainViT(model, data.train, { epochs: 3, batchSize: 40, lr: 3e-3, seed: 0 });
      const acc = await evaluateViT(model, data.test);
      return { r, acc, model };
    };
    const a = await run();
    expect(a.acc).toBeGreaterThan(0.35); // chance is 0.1
    expect(a.r.maxVio.length).toBe(a.r.losses.length);
    const b = await run();
    expect(b.r.losses).toEqual(a.r.losses);
    expect(b.acc).toBe(a.acc);
    b.model.dispose();
    // Saved and loaded, the trained model scores exactly the same.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vit-'));
    await saveViTModel(dir, a.model, { accuracy: a.acc });
    const loaded = await loadViTModel(dir);
    expect(loaded.config).toEqual(a.model.config);
    expect(loaded.extra).toEqual({ accuracy: a.acc });
    expect(await evaluateViT(loaded.model, data.test)).toBe(a.acc);
    loaded.model.dispose();
    a.model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
    expect(() => new ViT({ ffn: VMOE, patch: 5 })).toThrow(
      /vit config: patch: 5 does not divide imageSize \(28\)/,
    );
  });

  it("passes core's router, dispatch and loss options to the MoE layers", () => {
    const model = new ViT({
      depth: 4,
      ffn: {
        kind: 'moe',
        moe: {
          hidden: 24,
          numExperts: 4,
          topK: 1,
          router: { type: 'expert-choice', capacityFactor: 2 },
          dispatch: 'dense',
          expert: 'swiglu',
          losses: { aux: 0.05, z: 0.001 },
        },
      },
    });
    const layers = model.moeLayers();
    expect(layers).toHaveLength(2); // alternate blocks by default: blocks 1 and 3
    expect(model.blocks.filter((b) => layers.includes(b.ffn as (typeof layers)[number]))).toEqual([
      model.blocks[1],
      model.blocks[3],
    ]);
    for (const l of layers) {
      expect(l.config.router).toEqual({ type: 'expert-choice', capacityFactor: 2, scoring: 'softmax' });
      expect(l.config.dispatch).toBe('dense');
      expect(l.config.expert).toBe('swiglu');
      expect(l.config.losses).toMatchObject({ aux: 0.05, z: 0.001 });
    }
    model.dispose();
    expect(() => new ViT({ ffn: { kind: 'moe', moe: { hidden: 8, numExperts: 2, topK: 4 } } })).toThrow(
      /vit config: ffn\.moe\.topK: topK \(4\) exceeds numExperts \(2\)/,
    );
  });
});
