import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend, tf } from '@moe-zoo/core';
import { classifyImage, evaluateViT, loadFashion, loadPretrained, writeImage } from '../src';

// The shipped V-MoE: its card tells the truth, and one call classifies arrays and image files.
describe('shipped model vmoe-fashion', () => {
  beforeAll(async () => {
    await initBackend();
  });

  it("scores on the Fashion-MNIST test split exactly what its card says, within the card's interval", async () => {
    const { model, card } = await loadPretrained('vmoe-fashion');
    const quality = card?.quality[0];
    expect(quality?.metric).toBe('accuracy');
    const { test } = loadFashion({ trainPerClass: 1, testPerClass: 1000, seed: card?.recipe.seed ?? 0 });
    const acc = await evaluateViT(model, test);
    expect(acc).toBeCloseTo(quality?.value ?? NaN, 6);
    expect(acc).toBeGreaterThan(quality?.lo ?? 1);
    expect(acc).toBeGreaterThan(0.8); // chance is 0.1
    model.dispose();
  });

  it('classifies an image array and the same image as a PNG file alike, leaking nothing', async () => {
    const { model } = await loadPretrained('vmoe-fashion');
    const { test } = loadFashion({ trainPerClass: 1, testPerClass: 3, seed: 7 });
    const before = tf.memory().numTensors;
    let right = 0;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmoe-'));
    for (let i = 0; i < test.n; i++) {
      const pixels = test.x.subarray(i * 784, (i + 1) * 784);
      const fromArray = await classifyImage(model, pixels);
      expect(fromArray.probs).toHaveLength(10);
      expect(fromArray.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      if (fromArray.label === test.y[i]) right++;
      const file = path.join(dir, `${i}.png`);
      await writeImage(file, { width: 28, height: 28, channels: 1, data: Float32Array.from(pixels) });
      const fromFile = await classifyImage(model, file);
      expect(fromFile.label).toBe(fromArray.label); // PNG stores bytes: the same image up to rounding
    }
    expect(right).toBeGreaterThanOrEqual(20); // of 30; chance is 3
    expect(tf.memory().numTensors).toBe(before);
    fs.rmSync(dir, { recursive: true, force: true });
    await expect(classifyImage(model, new Float32Array(100))).rejects.toThrow(
      /100 values, expected 28x28 = 784/,
    );
    model.dispose();
  });

  it('ships a pruned copy: 6 of the 8 experts, its card stating the weights and the accuracy kept', async () => {
    const { model: full } = await loadPretrained('vmoe-fashion');
    const { model, card } = await loadPretrained('vmoe-fashion-pruned');
    const moe = model.config.ffn.kind === 'moe' ? model.config.ffn.moe : undefined;
    expect(moe?.numExperts).toBe(6);
    expect(model.activeParams()).toBeLessThanOrEqual(full.activeParams());
    const [accuracy, kept, weights] = card?.quality ?? [];
    const { test } = loadFashion({ trainPerClass: 1, testPerClass: 1000, seed: card?.recipe.seed ?? 0 });
    const [mine, theirs] = [await evaluateViT(model, test), await evaluateViT(full, test)];
    expect(mine).toBeCloseTo(accuracy?.value ?? NaN, 6);
    expect(kept?.metric).toBe("accuracy minus vmoe-fashion's");
    expect(mine - theirs).toBeCloseTo(kept?.value ?? NaN, 6);
    expect(weights?.value).toBeCloseTo(model.countParams() / full.countParams(), 9);
    expect(weights?.value).toBeLessThan(0.9);
    model.dispose();
    full.dispose();
  });

  it('names the shipped models when asked for an unknown one', async () => {
    await expect(loadPretrained('vmoe-mnist')).rejects.toThrow(
      /neither a model of @moe-zoo\/vision \(vmoe-fashion/,
    );
  });
});
