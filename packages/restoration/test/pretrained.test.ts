import { initBackend, tf } from '@moe-zoo/core';
import {
  cropImage,
  degrade,
  loadPhoto,
  loadPretrained,
  restoreImage,
  scoreImage,
  TEST_PHOTOS,
  WEATHER_TYPES,
} from '../src';

// The shipped deweathering model: its card is complete, and it cleans every weather off a held-out photo.
describe('shipped model mofme-deweather', () => {
  beforeAll(async () => {
    await initBackend();
  });

  it('carries a card with its recipe and an interval for every weather', async () => {
    const { model, card } = await loadPretrained('mofme-deweather');
    expect(card?.params.total).toBe(model.countParams());
    for (const w of WEATHER_TYPES) {
      const q = card?.quality.find((x) => x.metric === `PSNR gain (dB), ${w}`);
      expect(q?.lo).toBeGreaterThan(2); // the lower end of the 95% interval
    }
    model.dispose();
  });

  it('raises PSNR on a crop of a held-out photo in every weather, leaking nothing', async () => {
    const { model } = await loadPretrained('mofme-deweather');
    const clean = cropImage(loadPhoto(TEST_PHOTOS[0]), 100, 100, 160, 96);
    const before = tf.memory().numTensors;
    for (const [i, w] of WEATHER_TYPES.entries()) {
      const degraded = degrade(clean, w, 11 + i);
      const gain =
        (await scoreImage(restoreImage(model, degraded), clean)).psnr -
        (await scoreImage(degraded, clean)).psnr;
      expect(gain).toBeGreaterThan(1);
    }
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
