/**
 * The bundled photos: restoration's held-out test photos (TEST_PHOTOS, which no training patch
 * comes from), box-downscaled, each degraded by every weather type (`makePhotoPairs`), written as
 * PNGs with their clean versions.
 */
import { promises as fsp } from 'fs';
import * as path from 'path';
import { encodeImage, makePhotoPairs, scoreImage, decodeImage } from '@moe-zoo/restoration';
import { PHOTO_DOWNSCALE, type PhotoSample } from '../shared/catalog';

/** Writes `<app>/samples/photos/*.png`; returns their catalogue entries. */
export async function writePhotoSamples(appDir: string): Promise<PhotoSample[]> {
  const dir = path.join(appDir, 'samples', 'photos');
  await fsp.mkdir(dir, { recursive: true });
  const out: PhotoSample[] = [];
  for (const pair of await makePhotoPairs({ downscaleFactor: PHOTO_DOWNSCALE })) {
    const clean = `${pair.photo}-clean.png`;
    const degraded = `${pair.photo}-${pair.weather}.png`;
    const cleanPng = encodeImage(pair.clean, 'png');
    const degradedPng = encodeImage(pair.degraded, 'png');
    await fsp.writeFile(path.join(dir, clean), cleanPng);
    await fsp.writeFile(path.join(dir, degraded), degradedPng);
    // Scored on the 8-bit PNGs, as the page sees them.
    const input = await scoreImage(decodeImage(degradedPng), decodeImage(cleanPng));
    out.push({
      id: `${pair.photo}-${pair.weather}`,
      photo: pair.photo,
      weather: pair.weather,
      degraded: `samples/photos/${degraded}`,
      clean: `samples/photos/${clean}`,
      width: pair.clean.width,
      height: pair.clean.height,
      inputPsnr: Math.round(input.psnr * 1000) / 1000,
    });
  }
  return out;
}
