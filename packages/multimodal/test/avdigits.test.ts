import { ensureSpokenDigits } from '@moe-zoo/spoken-digits-tool';
import { loadSpokenDigits } from '@moe-zoo/audio';
import { initBackend, tf } from '@moe-zoo/core';
import { avBatch, avgPoolTokens, makeAvDigits, loadDigitImages, MNIST_SPLITS } from '../src';

/** [16 × 49] 7×7 patches back to a 28 × 28 image. */
function unpatch(video: Float32Array, i: number): Float32Array {
  const img = new Float32Array(784);
  for (let t = 0; t < 16; t++)
    for (let r = 0; r < 7; r++)
      for (let c = 0; c < 7; c++)
        img[(Math.floor(t / 4) * 7 + r) * 28 + (t % 4) * 7 + c] = video[i * 784 + t * 49 + r * 7 + c];
  return img;
}

describe('audio-visual digits', () => {
  let dir = '';
  beforeAll(async () => {
    await initBackend();
    dir = ensureSpokenDigits({ seed: 0 });
  });
  // Log-mel features are cached next to the WAVs (as in @moe-zoo/audio's tests), so reruns are fast.
  const opts = { seed: 0, snrs: [Infinity, 0], maxTrain: 40, maxTest: 20 };

  it('pairs each spoken digit with a noisy image of the same digit from disjoint pools', () => {
    const av = makeAvDigits(dir, opts);
    const spoken = loadSpokenDigits(dir, opts);
    expect(av.train.n).toBe(80);
    expect(av.test.n).toBe(40);
    expect(av.trainVoices.some((v) => av.testVoices.includes(v))).toBe(false);
    expect(av.train.audio).toEqual(spoken.train.x);
    expect(av.train.y).toEqual(spoken.train.y);
    expect([av.train.audioTokens, av.train.audioDims, av.train.videoTokens, av.train.videoDims]).toEqual([
      24, 64, 16, 49,
    ]);
    // Every (SNR, image noise) pair occurs.
    const pairs = new Set(Array.from(av.train.snr, (s, i) => `${s}/${av.train.imageNoise[i]}`));
    expect(pairs.size).toBe(2 * 3);
    // Clean images are exact MNIST images of the right digit, from the split's own index range.
    const pool = (split: 'train' | 'test', per: number) => loadDigitImages(MNIST_SPLITS[split].from, per);
    const trainPool = pool('train', 200);
    const testPool = pool('test', 63);
    const find = (img: Float32Array, p: ReturnType<typeof pool>) =>
      Array.from(p.y.keys()).find((j) => img.every((v, k) => v === p.x[j * 784 + k]));
    let checked = 0;
    for (const [set, own, other] of [
      [av.train, trainPool, testPool],
      [av.test, testPool, trainPool],
    ] as const) {
      for (let i = 0; i < set.n; i++) {
        if (set.imageNoise[i] !== 0) continue;
        const img = unpatch(set.video, i);
        const j = find(img, own);
        expect(j).toBeDefined();
        expect(own.y[j as number]).toBe(set.y[i]);
        expect(find(img, other)).toBeUndefined();
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(30);
    // Noisy images differ from every clean one.
    const noisy = Array.from(av.train.imageNoise.keys()).find((i) => av.train.imageNoise[i] > 0) as number;
    expect(find(unpatch(av.train.video, noisy), trainPool)).toBeUndefined();
  });

  it('is deterministic per seed and batches into tensors', () => {
    const a = makeAvDigits(dir, opts);
    const b = makeAvDigits(dir, opts);
    expect(a.train.video).toEqual(b.train.video);
    const c = makeAvDigits(dir, { ...opts, seed: 1 });
    expect(c.train.video).not.toEqual(a.train.video);
    const batch = avBatch(a.train, [3, 0]);
    expect(batch.audio.shape).toEqual([2, 24, 64]);
    expect(batch.video.shape).toEqual([2, 16, 49]);
    expect(Array.from(batch.y.dataSync())).toEqual([a.train.y[3], a.train.y[0]]);
    expect(() => avBatch(a.train, [a.train.n])).toThrow(/sample index 80 outside/);
    tf.dispose([batch.audio, batch.video, batch.y]);
  });

  it('average-pools tokens by the compression rate', () => {
    const x = tf.tensor3d(
      Array.from({ length: 2 * 8 * 3 }, (_, i) => i),
      [2, 8, 3],
    );
    const p = avgPoolTokens(x, 4);
    expect(p.shape).toEqual([2, 2, 3]);
    const v = x.arraySync();
    const pooled = p.arraySync();
    for (let b = 0; b < 2; b++)
      for (let j = 0; j < 2; j++)
        for (let d = 0; d < 3; d++)
          expect(pooled[b][j][d]).toBeCloseTo(
            (v[b][4 * j][d] + v[b][4 * j + 1][d] + v[b][4 * j + 2][d] + v[b][4 * j + 3][d]) / 4,
            5,
          );
    expect(() => avgPoolTokens(x, 3)).toThrow(/rate 3 must be a positive integer dividing the 8 tokens/);
    tf.dispose([x, p]);
  });
});
