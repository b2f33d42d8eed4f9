/** Quality figures with 95% intervals for model cards, from the bench's statistics module. */
import type { Quality } from '@moe-zoo/core';
import { clopperPearson, pairedItems } from '../statistics';

/** Accuracy of 0/1 outcomes with its exact (Clopper-Pearson) 95% interval. */
export function accuracyQuality(correct: readonly number[], on: string, metric = 'accuracy'): Quality {
  const k = correct.reduce((s, c) => s + c, 0);
  const [lo, hi] = clopperPearson(k, correct.length, 0.95);
  return { metric, value: k / correct.length, lo, hi, on, interval: 'exact binomial (Clopper-Pearson)' };
}

/** Mean per-item gain `after - before` (e.g. PSNR of the output minus PSNR of the input) with its t interval over items. */
export function gainQuality(
  after: readonly number[],
  before: readonly number[],
  metric: string,
  on: string,
): Quality {
  const d = pairedItems([after], [before]);
  return { metric, value: d.estimate, lo: d.lo, hi: d.hi, on, interval: 't over items' };
}
