/**
 * What the page reports on `window.studio` after each run, as plain JSON: what the studio test
 * reads back (and anyone curious, from the console).
 */
import type { RoutingMetrics } from '@moe-zoo/core';

/** One routed layer's choices and metrics. */
export interface LayerReport {
  /** Chosen experts [rows, k] row-major (rows: tokens of the run, tile-major for restores). */
  indices: number[];
  k: number;
  numExperts: number;
  metrics: RoutingMetrics;
}

/** The report of one routed layer's routing (the indices copied into a plain array). */
export function layerReport(l: {
  indices: ArrayLike<number>;
  k: number;
  numExperts: number;
  metrics: RoutingMetrics;
}): LayerReport {
  return { indices: Array.from(l.indices), k: l.k, numExperts: l.numExperts, metrics: l.metrics };
}

/** A finished restore. */
export interface RestoreReport {
  input: string;
  weather: string;
  width: number;
  height: number;
  /** PSNR of the restored and of the degraded image against the clean one (dB), when it is known. */
  psnr?: number;
  inputPsnr?: number;
  /** Tile origins, tile and patch side: where each routed token lies. */
  tiles: [number, number][];
  tile: number;
  patch: number;
  calls: number;
  layers: LayerReport[];
  /** From the click to the result on screen, and whether the model was loaded in that time. */
  ms: number;
  cold: boolean;
  /** Of `ms`, the time spent fetching and loading the model (0 once it is loaded). */
  modelMs: number;
  /** From the page's navigation start to the result. */
  sincePageStartMs: number;
}

/** One restore of the session, in order: what the per-weather table shows, and its timing. */
export interface RestoreRun {
  input: string;
  weather: string;
  ms: number;
  cold: boolean;
  psnr?: number;
  /** Per layer, the share of assignments each expert received. */
  loads: number[][];
}

/** A finished digit classification. */
export interface DigitReport {
  input: string;
  digit: number;
  word: string;
  probs: number[];
  tokens: number;
  layers: LayerReport[];
  ms: number;
  cold: boolean;
}

/** A finished digit-VQA answer. */
export interface VqaReport {
  input: string;
  question: string;
  answer: string;
  /** Probability of every answer, by answer. */
  probs: Record<string, number>;
  /** Token kinds of the sequence (1 image, 0 text, -1 padding). */
  kinds: number[];
  layers: (LayerReport & {
    roles: string[];
    shares: { image: { intra: number; inter: number }; text: { intra: number; inter: number } };
  })[];
  ms: number;
  cold: boolean;
}

/** `window.studio`. */
export interface StudioReport {
  backend?: { name: string; described: string; threads: number; crossOriginIsolated: boolean };
  restore?: RestoreReport;
  restoreRuns: number;
  restoreHistory: RestoreRun[];
  digit?: DigitReport;
  digitRuns: number;
  vqa?: VqaReport;
  vqaRuns: number;
  errors: string[];
}
