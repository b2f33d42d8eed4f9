import sharp from 'sharp';

/**
 * Rasterises an SVG document with sharp (librsvg; text through fontconfig) to greyscale pixels
 * in [0, 1], composited on black: [height × width].
 *
 * @example
 * ```ts
 * const px = await renderSvg('<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32">…</svg>', 32, 32);
 * ```
 */
export async function renderSvg(svg: string, width: number, height: number): Promise<Float32Array> {
  const { data, info } = await sharp(Buffer.from(svg), { density: 72 })
    .resize(width, height, { fit: 'fill' })
    .flatten({ background: { r: 0, g: 0, b: 0 } })
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const out = new Float32Array(width * height);
  for (let p = 0; p < out.length; p++) out[p] = data[p * info.channels] / 255;
  return out;
}

/** Escapes text for an SVG text node. */
export function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
