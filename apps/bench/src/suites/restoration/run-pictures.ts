import {
  composeGrid,
  encodeImage,
  patchImage,
  WEATHER_TYPES,
  type PatchSet,
  type RgbImage,
} from '@moe-zoo/restoration';
import type { SuiteFigure } from '../../types';

/** An arm's restorations of the pictured patches, in picture order. */
export interface PicturedArm {
  label: string;
  pictures: RgbImage[];
}

/** The first `perType` test patches of each weather type, in weather order. */
export function pictureIndices(test: PatchSet, perType: number): number[] {
  return WEATHER_TYPES.flatMap((_, ti) =>
    Array.from(test.tasks.keys())
      .filter((i) => test.tasks[i] === ti)
      .slice(0, perType),
  );
}

/** Degraded | each pictured arm's restoration | clean, one row per patch. */
export function pictureGrid(test: PatchSet, idx: number[], arms: readonly PicturedArm[]): SuiteFigure {
  const rows = idx.map((i, r) => [
    patchImage(test, i, 'degraded'),
    ...arms.map((a) => a.pictures[r]),
    patchImage(test, i, 'clean'),
  ]);
  const columns = ['degraded', ...arms.map((a) => a.label), 'clean'].join(' | ');
  return {
    name: 'picture-grid',
    title: `Test patches, ${idx.length / WEATHER_TYPES.length} per weather type (rows: ${WEATHER_TYPES.join(', ')}); columns: ${columns}`,
    png: new Uint8Array(encodeImage(composeGrid(rows, { scale: 3, gap: 3 }), 'png')),
  };
}
