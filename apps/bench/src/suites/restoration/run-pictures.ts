import { composeGrid, encodeImage, photoCropRows, type PhotoPair, type RgbImage } from '@moe-zoo/restoration';
import type { SuiteFigure } from '../../types';
import { PICTURE_CROP } from './plan';

/** An arm's restorations of the whole test photos, cropped to {@link PICTURE_CROP}, in photo order. */
export interface PicturedArm {
  label: string;
  pictures: RgbImage[];
}

/** Degraded | each pictured arm's restoration | clean: one row per whole test photo and weather type, cropped. */
export function pictureGrid(photos: readonly PhotoPair[], arms: readonly PicturedArm[]): SuiteFigure {
  const rows = photoCropRows(photos, [], PICTURE_CROP).map((row, i) => [
    row[0],
    ...arms.map((a) => a.pictures[i]),
    row[1],
  ]);
  const columns = ['degraded', ...arms.map((a) => a.label), 'clean'].join(' | ');
  const { width, height } = PICTURE_CROP;
  return {
    name: 'picture-grid',
    title: `Whole held-out photos at full resolution, restored whole and cropped to ${width}x${height} (rows: ${photos.map((p) => `${p.photo} ${p.weather}`).join(', ')}); columns: ${columns}`,
    png: new Uint8Array(encodeImage(composeGrid(rows, { scale: 2, gap: 3 }), 'png')),
  };
}
