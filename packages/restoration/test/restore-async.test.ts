import { initBackend, setSeed, tf, type MoEAux } from '@moe-zoo/core';
import { RestorationNet, restoreImage, restoreImageAsync, tileOrigins } from '../src';

beforeAll(async () => {
  await initBackend();
});

/** A small MoFME net whose weights are all perturbed, so its output is not the identity. */
function perturbedNet(): RestorationNet {
  setSeed(3);
  const net = new RestorationNet({
    dim: 16,
    heads: 2,
    channels: 8,
    ffn: { kind: 'mofme', mofme: { numExperts: 4, topK: 2 } },
  });
  const state = net.stateDict();
  const noisy = Object.fromEntries(
    Object.entries(state).map(([k, t], i) => [k, tf.add(t, tf.randomNormal(t.shape, 0, 0.05, 'float32', i))]),
  );
  net.loadStateDict(noisy);
  tf.dispose(Object.values(noisy));
  return net;
}

describe('restoreImageAsync', () => {
  const img = {
    width: 75,
    height: 41,
    data: new Float32Array(75 * 41 * 3).map((_, i) => ((i * 37) % 101) / 101),
  };

  it('restores exactly as restoreImage does, leaving no tensor behind', async () => {
    const net = perturbedNet();
    const sync = restoreImage(net, img, { batchTiles: 4 });
    const before = tf.memory().numTensors;
    const progress: number[] = [];
    const async = await restoreImageAsync(net, img, {
      batchTiles: 4,
      onProgress: (p) => progress.push(p.done),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(async.data)).toEqual(Array.from(sync.data));
    expect(sync.data.some((v, i) => Math.abs(v - img.data[i]) > 1e-3)).toBe(true);
    expect(progress).toEqual([4, 6]);
    net.dispose();
  });

  it("hands each batch's routing to onAux with its tiles, in tileOrigins order", async () => {
    const net = perturbedNet();
    const tiles: [number, number][] = [];
    const rows: number[][] = [];
    await restoreImageAsync(net, img, {
      batchTiles: 4,
      onAux: (aux: readonly MoEAux[], batch) => {
        tiles.push(...batch);
        expect(aux).toHaveLength(2); // one per MoFME block
        rows.push(aux.map((a) => a.indices.shape[0]));
      },
    });
    expect(tiles).toEqual(tileOrigins(75, 41, 32, 8));
    const tokensPerTile = (32 / net.config.patch) ** 2;
    expect(rows).toEqual([
      [4 * tokensPerTile, 4 * tokensPerTile],
      [2 * tokensPerTile, 2 * tokensPerTile],
    ]);
    net.dispose();
  });
});
