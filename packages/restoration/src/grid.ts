import { createImage, type RgbImage } from './image';

/** Options of {@link composeGrid}. */
export interface GridOptions {
  /** Nearest-neighbour upscaling of every cell (default 3). */
  scale?: number;
  /** Gap between cells in output pixels (default 4). */
  gap?: number;
  /** Gap colour, RGB in [0, 1] (default white). */
  background?: [number, number, number];
}

/**
 * Lays images out as a grid (`rows[r][c]`, e.g. degraded / restored / clean per test patch),
 * each cell upscaled by `scale` with `gap` pixels between cells. Cells of one column share a width
 * and cells of one row a height (the largest); smaller cells sit top-left. Values are clipped to
 * [0, 1]; encode the result with `encodeImage(grid, 'png')`.
 *
 * @example
 * ```ts
 * const grid = composeGrid([[degraded, restored, clean]], { scale: 4 });
 * fs.writeFileSync('grid.png', encodeImage(grid, 'png'));
 * ```
 */
export function composeGrid(rows: RgbImage[][], options: GridOptions = {}): RgbImage {
  const scale = options.scale ?? 3;
  const gap = options.gap ?? 4;
  const bg = options.background ?? [1, 1, 1];
  if (rows.length === 0 || rows.some((r) => r.length === 0))
    throw new Error('composeGrid: empty row or grid');
  const cols = Math.max(...rows.map((r) => r.length));
  const colWidth = Array.from({ length: cols }, (_, c) =>
    Math.max(0, ...rows.map((r) => (r[c] ? r[c].width * scale : 0))),
  );
  const rowHeight = rows.map((r) => Math.max(...r.map((img) => img.height * scale)));
  const width = colWidth.reduce((s, w) => s + w, 0) + gap * (cols + 1);
  const height = rowHeight.reduce((s, h) => s + h, 0) + gap * (rows.length + 1);
  const out = createImage(width, height);
  for (let i = 0; i < width * height; i++) out.data.set(bg, i * 3);
  let top = gap;
  rows.forEach((row, r) => {
    let left = gap;
    row.forEach((img, c) => {
      for (let y = 0; y < img.height * scale; y++) {
        for (let x = 0; x < img.width * scale; x++) {
          const src = (Math.floor(y / scale) * img.width + Math.floor(x / scale)) * 3;
          const dst = ((top + y) * width + left + x) * 3;
          for (let k = 0; k < 3; k++) out.data[dst + k] = Math.min(1, Math.max(0, img.data[src + k]));
        }
      }
      left += colWidth[c] + gap;
    });
    top += rowHeight[r] + gap;
  });
  return out;
}
