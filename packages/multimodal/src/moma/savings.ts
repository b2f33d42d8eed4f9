/** Trailing moving average with a window of `w` steps (shorter at the start). */
export function movingAverage(values: readonly number[], w: number): number[] {
  if (!Number.isInteger(w) || w < 1)
    throw new Error(`movingAverage: window must be a positive integer, got ${w}`);
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    if (i >= w) sum -= values[i - w];
    out.push(sum / Math.min(i + 1, w));
  }
  return out;
}

/** FLOPs savings of a model against a baseline at equal FLOPs per step. */
export interface FlopsSavings {
  /**
   * Baseline steps (= FLOPs, both at equal FLOPs per step) to the loss the model reaches, over the
   * model's steps to it. > 1: the model reaches the baseline's final loss after `steps / ratio`
   * steps; < 1: the baseline reaches the model's final loss after `ratio · steps` steps.
   */
  ratio: number;
  /** Smoothed final losses. */
  finalModel: number;
  finalBaseline: number;
}

/**
 * MoMa's "FLOPs savings" from two training curves of the same length and FLOPs per step
 * (smoothed with a trailing window): if the model's curve reaches the baseline's final loss at step
 * s, the ratio is S / s (the baseline needs S/s times the compute for that loss); otherwise it is
 * s' / S, s' the step where the baseline reaches the model's final loss.
 *
 * @example
 * ```ts
 * flopsSavings(mome.image, dense.image, 10).ratio; // e.g. 1.6: dense needs 1.6× the FLOPs
 * ```
 */
export function flopsSavings(
  model: readonly number[],
  baseline: readonly number[],
  window: number,
): FlopsSavings {
  if (model.length !== baseline.length || model.length === 0)
    throw new Error(
      `flopsSavings: curves must be non-empty and of equal length (${model.length} vs ${baseline.length})`,
    );
  const m = movingAverage(model, window);
  const b = movingAverage(baseline, window);
  const steps = m.length;
  const finalModel = m[steps - 1];
  const finalBaseline = b[steps - 1];
  const reach = (curve: number[], level: number) => curve.findIndex((v) => v <= level) + 1;
  let ratio: number;
  if (finalModel <= finalBaseline) ratio = steps / reach(m, finalBaseline);
  else ratio = reach(b, finalModel) / steps;
  return { ratio, finalModel, finalBaseline };
}

/**
 * Standard error of the mean paired difference `a[i] − b[i]` (e.g. per-sequence losses of two models
 * on the same held-out sequences): the noise floor of comparing their means.
 */
export function pairedStandardError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length < 2)
    throw new Error(`pairedStandardError: need two arrays of equal length >= 2 (${a.length} vs ${b.length})`);
  const n = a.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += (a[i] - b[i]) / n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (a[i] - b[i] - m) ** 2;
  return Math.sqrt(v / (n - 1) / n);
}
