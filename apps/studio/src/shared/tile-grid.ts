/**
 * Where `restoreImage` (@moe-zoo/restoration) puts its tiles, so that routed image tokens can be
 * drawn where they are: tile origins in its order (rows of tiles, top to bottom, each left to
 * right), a stride of `tile - overlap` and the last tile flush with the edge. It mirrors
 * restoration's own (unexported) tiling; the studio test checks that the token rows a restore
 * routes equal tiles x tokens per tile.
 */

/** restoreImage's default overlap for a tile side. */
export function defaultOverlap(tile: number): number {
  return Math.floor(tile / 4);
}

function tileStarts(length: number, tile: number, stride: number): number[] {
  if (length <= tile) return [0];
  const out: number[] = [];
  for (let s = 0; s + tile < length; s += stride) out.push(s);
  out.push(length - tile);
  return out;
}

/** Tile origins `[x, y]` of an image, in the order restoreImage runs them. */
export function tileOrigins(
  width: number,
  height: number,
  tile: number,
  overlap = defaultOverlap(tile),
): [number, number][] {
  const stride = tile - overlap;
  const xs = tileStarts(width, tile, stride);
  return tileStarts(height, tile, stride).flatMap((y) => xs.map((x): [number, number] => [x, y]));
}
