import { composeGrid, createImage, makePatchSet, patchImage, type RgbImage } from '../src';

function solid(w: number, h: number, rgb: [number, number, number]): RgbImage {
  const img = createImage(w, h);
  for (let i = 0; i < w * h; i++) img.data.set(rgb, i * 3);
  return img;
}

const at = (img: RgbImage, x: number, y: number) =>
  Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

describe('composeGrid', () => {
  it('places upscaled cells with gaps, clipping values', () => {
    const red = solid(2, 2, [1, 0, 0]);
    const hot = solid(2, 2, [2, -1, 0.5]);
    const grid = composeGrid(
      [
        [red, hot],
        [hot, red],
      ],
      { scale: 3, gap: 1, background: [0, 0, 1] },
    );
    expect([grid.width, grid.height]).toEqual([2 * 6 + 3, 2 * 6 + 3]);
    expect(at(grid, 0, 0)).toEqual([0, 0, 1]);
    expect(at(grid, 1, 1)).toEqual([1, 0, 0]);
    expect(at(grid, 6, 6)).toEqual([1, 0, 0]);
    expect(at(grid, 7, 1)).toEqual([0, 0, 1]);
    expect(at(grid, 8, 1)).toEqual([1, 0, 0.5]);
    expect(at(grid, 8, 8)).toEqual([1, 0, 0]);
  });

  it('rejects an empty grid', () => {
    expect(() => composeGrid([])).toThrow(/empty/);
    expect(() => composeGrid([[]])).toThrow(/empty/);
  });
});

describe('patchImage', () => {
  it('returns the clean and degraded patch and names a bad index', () => {
    const set = makePatchSet({ split: 'test', n: 4, cacheDir: false });
    const clean = patchImage(set, 2, 'clean');
    const bad = patchImage(set, 2, 'degraded');
    expect([clean.width, clean.height, clean.data.length]).toEqual([32, 32, 32 * 32 * 3]);
    expect(clean.data).toEqual(set.clean.subarray(2 * 3072, 3 * 3072));
    expect(bad.data).toEqual(set.degraded.subarray(2 * 3072, 3 * 3072));
    expect(() => patchImage(set, 4, 'clean')).toThrow(/index 4/);
  });
});
