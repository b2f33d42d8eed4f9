/**
 * Which expert each pixel's image token went to in one routed layer: the routing of a tiled
 * restore (token rows tile-major, each tile's tokens row-major over its patch grid) painted onto
 * the image, later tiles over earlier ones where tiles overlap.
 */

/** What a tiled restore's routing needs to be placed on the image. */
export interface TokenLayout {
  width: number;
  height: number;
  /** Tile origins in run order (see `tileOrigins`). */
  tiles: readonly (readonly [number, number])[];
  /** Tile side and token patch side in pixels. */
  tile: number;
  patch: number;
}

/**
 * The expert id per pixel (-1 where no token lies, e.g. outside the image) for choice `slot` of
 * the top-k `indices` ([tiles x tokens, k], row-major).
 */
export function expertMap(layout: TokenLayout, indices: ArrayLike<number>, k: number, slot = 0): Int16Array {
  const { width, height, tiles, tile, patch } = layout;
  const grid = tile / patch;
  const tokens = grid * grid;
  if (indices.length !== tiles.length * tokens * k) {
    throw new Error(
      `expertMap: ${indices.length} routing values, expected ${tiles.length} tiles x ${tokens} tokens x ${k}`,
    );
  }
  const map = new Int16Array(width * height).fill(-1);
  tiles.forEach(([x0, y0], t) => {
    for (let token = 0; token < tokens; token++) {
      const expert = indices[(t * tokens + token) * k + slot];
      const px = x0 + (token % grid) * patch;
      const py = y0 + Math.floor(token / grid) * patch;
      for (let y = py; y < Math.min(py + patch, height); y++) {
        for (let x = px; x < Math.min(px + patch, width); x++) map[y * width + x] = expert;
      }
    }
  });
  return map;
}
