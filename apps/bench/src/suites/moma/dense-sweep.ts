/** FLOPs savings read off a sweep of dense widths: how many FLOPs a dense model needs for a loss. */

/** One trained dense model: FLOPs per sample and its validation loss. */
export interface DensePoint {
  flops: number;
  loss: number;
}

/** Where a loss falls against the sweep. */
export type SweepBound = 'within' | 'below-sweep' | 'above-sweep';

export interface DenseEquivalent {
  /** FLOPs per sample a dense model of the sweep needs to reach the loss (interpolated in log FLOPs). */
  flops: number;
  /**
   * `within`: interpolated; `below-sweep`: the loss is lower than the widest dense model's, so the
   * dense FLOPs are at least `flops`; `above-sweep`: higher than the narrowest one's, at most `flops`.
   */
  bound: SweepBound;
}

/**
 * The dense FLOPs that reach `loss`, interpolating the loss linearly in log FLOPs between the two
 * sweep points around it. A wider model that is not better than a narrower one adds nothing (the
 * sweep's losses are taken as their running minimum over FLOPs).
 *
 * @example
 * ```ts
 * denseEquivalent([{ flops: 100, loss: 2 }, { flops: 400, loss: 1 }], 1.5); // { flops: 200, bound: 'within' }
 * ```
 */
export function denseEquivalent(sweep: readonly DensePoint[], loss: number): DenseEquivalent {
  if (sweep.length === 0) throw new Error('denseEquivalent: the sweep has no dense model');
  const points = [...sweep].sort((a, b) => a.flops - b.flops);
  let best = Infinity;
  const monotone = points.map((p) => ({ flops: p.flops, loss: (best = Math.min(best, p.loss)) }));
  if (loss >= monotone[0].loss) return { flops: monotone[0].flops, bound: 'above-sweep' };
  const last = monotone[monotone.length - 1];
  if (loss < last.loss) return { flops: last.flops, bound: 'below-sweep' };
  for (let i = 1; i < monotone.length; i++) {
    const [a, b] = [monotone[i - 1], monotone[i]];
    if (loss >= b.loss) {
      const t = (a.loss - loss) / (a.loss - b.loss);
      return {
        flops: Math.exp(Math.log(a.flops) + t * (Math.log(b.flops) - Math.log(a.flops))),
        bound: 'within',
      };
    }
  }
  return { flops: last.flops, bound: 'within' };
}
