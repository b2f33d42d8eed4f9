import { escapeXml } from '../image/svg';
import { MAX_TEXT_LENGTH, MIN_TEXT_LENGTH, TEXT_ALPHABET } from './vocab';

/** Font families used for rendered text (DejaVu ships with fontconfig on most Linux systems). */
export const TEXT_FONTS = ['DejaVu Sans', 'DejaVu Serif', 'DejaVu Sans Mono', 'DejaVu Sans Condensed'];

/** How one string is drawn. */
export interface TextSpec {
  text: string;
  font: string;
  bold: boolean;
  italic: boolean;
  /** Font size in pixels. */
  fontSize: number;
  /** Rotation in degrees about the image centre. */
  rotate: number;
  /** Offset of the centre in pixels. */
  dx: number;
  dy: number;
}

/**
 * A random string of {@link MIN_TEXT_LENGTH}..{@link MAX_TEXT_LENGTH} letters in a random font,
 * weight, style, size (8–11 px at 32 px: fine print that needs full resolution), rotation and offset.
 */
export function randomTextSpec(rng: () => number, size: number): TextSpec {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rng() * xs.length)];
  const length = MIN_TEXT_LENGTH + Math.floor(rng() * (MAX_TEXT_LENGTH - MIN_TEXT_LENGTH + 1));
  let text = '';
  for (let i = 0; i < length; i++) text += pick(TEXT_ALPHABET);
  const scale = size / 32;
  const [lo, hi] = length === MIN_TEXT_LENGTH ? [9.5, 11] : [8, 9.5];
  return {
    text,
    font: pick(TEXT_FONTS),
    bold: rng() < 0.3,
    italic: rng() < 0.2,
    fontSize: Math.round((lo + rng() * (hi - lo)) * scale * 10) / 10,
    rotate: Math.round((rng() * 12 - 6) * 10) / 10,
    dx: Math.round((rng() * 3 - 1.5) * scale * 10) / 10,
    dy: Math.round((rng() * 3 - 1.5) * scale * 10) / 10,
  };
}

/** The SVG of a {@link TextSpec}: white text centred on black, `size`×`size`. */
export function textSvg(s: TextSpec, size: number): string {
  const cx = size / 2 + s.dx;
  const cy = size / 2 + s.dy;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">` +
    `<rect width="${size}" height="${size}" fill="black"/>` +
    `<text x="${cx}" y="${cy + s.fontSize * 0.36}" font-family="${escapeXml(s.font)}" font-size="${s.fontSize}"` +
    ` font-weight="${s.bold ? 'bold' : 'normal'}" font-style="${s.italic ? 'italic' : 'normal'}"` +
    ` fill="white" text-anchor="middle" transform="rotate(${s.rotate} ${cx} ${cy})">${escapeXml(s.text)}</text></svg>`
  );
}
