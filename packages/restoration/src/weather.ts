import { makeRng } from '@moe-zoo/core';
import { cloneImage, type RgbImage } from './image';

/** The weather types, in task-id order: rain 0, snow 1, haze 2, mixed 3. */
export const WEATHER_TYPES = ['rain', 'snow', 'haze', 'mixed'] as const;
/** One weather type (a task). */
export type WeatherType = (typeof WEATHER_TYPES)[number];

/** The task id of a weather type. */
export function weatherTaskId(type: WeatherType): number {
  return WEATHER_TYPES.indexOf(type);
}

type Rng = () => number;

function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng();
}

/** Blends `value` into pixel (x, y) with opacity `alpha` (out-of-range pixels are skipped). */
function blend(img: RgbImage, x: number, y: number, value: number, alpha: number): void {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height || alpha <= 0) return;
  const i = (y * img.width + x) * 3;
  const a = Math.min(1, alpha);
  for (let c = 0; c < 3; c++) img.data[i + c] = img.data[i + c] * (1 - a) + value * a;
}

/** Options of {@link addHaze}. */
export interface HazeOptions {
  /** Scattering coefficient range for `t = exp(-beta d)` (default [0.6, 1.6]). */
  beta?: [number, number];
  /** Atmospheric light range (default [0.8, 1.0]). */
  airlight?: [number, number];
}

/**
 * Haze by the atmospheric scattering model `I = J t + A (1 - t)`, `t = exp(-beta d)` with a
 * smooth depth ramp d in [0, 1] along a random direction; A is a slightly tinted grey.
 */
export function addHaze(img: RgbImage, rng: Rng, o: HazeOptions = {}): void {
  const [b0, b1] = o.beta ?? [0.6, 1.6];
  const [a0, a1] = o.airlight ?? [0.8, 1.0];
  const beta = uniform(rng, b0, b1);
  const a = uniform(rng, a0, a1);
  const tint = [a, a * uniform(rng, 0.97, 1.0), a * uniform(rng, 0.95, 1.0)];
  const theta = uniform(rng, 0, 2 * Math.PI);
  const dx = Math.cos(theta);
  const dy = Math.sin(theta);
  const near = uniform(rng, 0.1, 0.4);
  const { width: w, height: h } = img;
  const span = Math.abs(dx) + Math.abs(dy) || 1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const ramp = ((x / Math.max(1, w - 1) - 0.5) * dx + (y / Math.max(1, h - 1) - 0.5) * dy) / span + 0.5;
      const d = near + (1 - near) * ramp;
      const t = Math.exp(-beta * d);
      const i = (y * w + x) * 3;
      for (let c = 0; c < 3; c++) img.data[i + c] = img.data[i + c] * t + tint[c] * (1 - t);
    }
  }
}

/** Options of {@link addRain}. */
export interface RainOptions {
  /** Streaks per 1000 pixels (default: random in [4, 14]). */
  density?: number;
  /** Add light haze as in heavy rain (default: with probability 0.4). */
  heavy?: boolean;
}

/**
 * Rain: bright, semi-transparent streaks of one random angle (within ±20° of vertical), lengths
 * 4-12 px, with antialiased edges; heavy rain also gets a light haze veil.
 */
export function addRain(img: RgbImage, rng: Rng, o: RainOptions = {}): void {
  const heavy = o.heavy ?? rng() < 0.4;
  if (heavy) addHaze(img, rng, { beta: [0.15, 0.4], airlight: [0.75, 0.9] });
  const density = o.density ?? uniform(rng, 4, 14);
  const angle = uniform(rng, -20, 20) * (Math.PI / 180);
  const sx = Math.sin(angle);
  const sy = Math.cos(angle);
  const count = Math.round((density * img.width * img.height) / 1000);
  const brightness = uniform(rng, 0.75, 1.0);
  for (let n = 0; n < count; n++) {
    const x0 = uniform(rng, -4, img.width + 4);
    const y0 = uniform(rng, -12, img.height);
    const len = uniform(rng, 4, 12);
    const alpha = uniform(rng, 0.35, 0.8);
    for (let s = 0; s <= len; s += 0.5) {
      const fx = x0 + sx * s;
      const fy = y0 + sy * s;
      const ix = Math.floor(fx);
      const frac = fx - ix;
      const iy = Math.round(fy);
      blend(img, ix, iy, brightness, alpha * (1 - frac) * 0.5);
      blend(img, ix + 1, iy, brightness, alpha * frac * 0.5);
    }
  }
}

/** Options of {@link addSnow}. */
export interface SnowOptions {
  /** Flakes per 1000 pixels (default: random in [6, 20]). */
  density?: number;
}

/**
 * Snow: white flakes of several sizes (radius 0.6-2.5 px) drawn as Gaussian blobs, so large
 * flakes are blurred (out of focus) and small ones sharp-ish.
 */
export function addSnow(img: RgbImage, rng: Rng, o: SnowOptions = {}): void {
  const density = o.density ?? uniform(rng, 6, 20);
  const count = Math.round((density * img.width * img.height) / 1000);
  for (let n = 0; n < count; n++) {
    const cx = uniform(rng, -2, img.width + 2);
    const cy = uniform(rng, -2, img.height + 2);
    const big = rng() < 0.25;
    const r = big ? uniform(rng, 1.4, 2.5) : uniform(rng, 0.6, 1.2);
    const alpha = uniform(rng, 0.6, 0.95);
    const value = uniform(rng, 0.9, 1.0);
    const reach = Math.ceil(r * 2);
    for (let y = Math.floor(cy) - reach; y <= Math.ceil(cy) + reach; y++) {
      for (let x = Math.floor(cx) - reach; x <= Math.ceil(cx) + reach; x++) {
        const d2 = (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2;
        blend(img, x, y, value, alpha * Math.exp(-d2 / (2 * r * r * 0.5)));
      }
    }
  }
}

/**
 * Applies one weather type to a copy of `clean`, deterministically for a given seed.
 * `mixed` is haze, then rain, then light snow.
 *
 * @example
 * ```ts
 * const rainy = degrade(clean, 'rain', 42); // same seed, same streaks
 * ```
 */
export function degrade(clean: RgbImage, type: WeatherType, seed: number): RgbImage {
  const img = cloneImage(clean);
  const rng = makeRng(seed * 2654435761 + weatherTaskId(type) * 97 + 1);
  switch (type) {
    case 'rain':
      addRain(img, rng);
      break;
    case 'snow':
      addSnow(img, rng);
      break;
    case 'haze':
      addHaze(img, rng);
      break;
    case 'mixed':
      addHaze(img, rng, { beta: [0.3, 0.9] });
      addRain(img, rng, { heavy: false, density: uniform(rng, 3, 8) });
      addSnow(img, rng, { density: uniform(rng, 3, 8) });
      break;
  }
  for (let i = 0; i < img.data.length; i++) img.data[i] = Math.min(1, Math.max(0, img.data[i]));
  return img;
}
