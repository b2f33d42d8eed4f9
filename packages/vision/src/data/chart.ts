import { MAX_BARS, MIN_BARS } from './vocab';

/** How one bar chart is drawn. */
export interface ChartSpec {
  /** Bar heights in (0, 1] of the plot height, left to right. */
  heights: number[];
  /** Grey level of each bar in [0.45, 1]. */
  shades: number[];
  /** Bar width as a fraction of its slot. */
  widthFraction: number;
}

/** Plot geometry in a `size`×`size` image: left/right margin, baseline and the tallest bar in pixels. */
function geometry(size: number) {
  const margin = Math.round(size / 16);
  return { left: margin, right: size - margin, base: size - margin, top: Math.round(size / 16) };
}

/**
 * A random chart of {@link MIN_BARS}..{@link MAX_BARS} bars with integer pixel heights whose
 * tallest and shortest bars are unique (by at least one pixel: a detail a low-resolution view
 * blurs), and whose first and last bars differ.
 */
export function randomChartSpec(rng: () => number, size: number): ChartSpec {
  const n = MIN_BARS + Math.floor(rng() * (MAX_BARS - MIN_BARS + 1));
  const { base, top } = geometry(size);
  const levels = base - top; // pixel levels
  for (;;) {
    const px = Array.from({ length: n }, () => Math.max(2, Math.round((0.1 + 0.9 * rng()) * levels)));
    const sorted = [...px].sort((a, b) => a - b);
    if (sorted[n - 1] === sorted[n - 2] || sorted[0] === sorted[1] || px[0] === px[n - 1]) continue;
    return {
      heights: px.map((p) => p / levels),
      shades: px.map(() => Math.round((0.45 + 0.55 * rng()) * 100) / 100),
      widthFraction: Math.round((0.5 + 0.3 * rng()) * 100) / 100,
    };
  }
}

/** The SVG of a {@link ChartSpec}: grey bars on a white baseline, on black, `size`×`size`. */
export function chartSvg(s: ChartSpec, size: number): string {
  const { left, right, base, top } = geometry(size);
  const slot = (right - left) / s.heights.length;
  const w = Math.max(1, slot * s.widthFraction);
  const bars = s.heights
    .map((h, i) => {
      const height = h * (base - top);
      const x = left + i * slot + (slot - w) / 2;
      const g = Math.round(s.shades[i] * 255);
      return `<rect x="${x.toFixed(2)}" y="${(base - height).toFixed(2)}" width="${w.toFixed(2)}" height="${height.toFixed(2)}" fill="rgb(${g},${g},${g})"/>`;
    })
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">` +
    `<rect width="${size}" height="${size}" fill="black"/>${bars}` +
    `<line x1="${left - 1}" y1="${base + 0.5}" x2="${right + 1}" y2="${base + 0.5}" stroke="white" stroke-width="1"/></svg>`
  );
}
