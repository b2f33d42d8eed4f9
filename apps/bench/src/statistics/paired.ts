import { binomialTwoSidedP, clopperPearson, tCdf, tQuantile } from './distributions';

/** Which test produced a difference and its interval. */
export type PairedTest = 'paired-t' | 'mcnemar' | 'paired-items' | 'timing-rounds' | 'exact';

/**
 * The difference A - B of a paired comparison with its two-sided confidence interval. `seeds` and
 * `items` say how much evidence went in (items = 0 for a test over seeds only).
 */
export interface PairedDifference {
  test: PairedTest;
  /** Point estimate of A - B. */
  estimate: number;
  lo: number;
  hi: number;
  /** Confidence level of [lo, hi], e.g. 0.95. */
  level: number;
  seeds: number;
  items: number;
  /** Two-sided p-value of "no difference" (absent for an exact quantity). */
  pValue?: number;
}

function meanOf(v: readonly number[]): number {
  return v.reduce((s, x) => s + x, 0) / v.length;
}

function checkLevel(level: number): void {
  if (!(level > 0 && level < 1)) throw new Error(`confidence level must be in (0, 1), got ${level}`);
}

/** t interval of the mean of `d`; an infinite interval with fewer than two values. */
function tInterval(
  d: readonly number[],
  level: number,
): { estimate: number; lo: number; hi: number; pValue: number } {
  const n = d.length;
  if (n === 0) throw new Error('paired test: no pairs');
  const m = meanOf(d);
  if (n < 2) return { estimate: m, lo: -Infinity, hi: Infinity, pValue: 1 };
  const sd = Math.sqrt(d.reduce((s, x) => s + (x - m) ** 2, 0) / (n - 1));
  const se = sd / Math.sqrt(n);
  if (se === 0) return { estimate: m, lo: m, hi: m, pValue: m === 0 ? 1 : 0 };
  const q = tQuantile(1 - (1 - level) / 2, n - 1);
  const t = m / se;
  return { estimate: m, lo: m - q * se, hi: m + q * se, pValue: 2 * (1 - tCdf(Math.abs(t), n - 1)) };
}

/**
 * Paired t over seeds: A and B measured on the same seeds (same split and initial weights), one
 * value per seed each; the interval is that of the mean per-seed difference.
 *
 * @example
 * ```ts
 * pairedT([0.84, 0.85, 0.83], [0.82, 0.84, 0.82]); // estimate 0.0133, 95% interval [-0.001, 0.028]
 * ```
 */
export function pairedT(a: readonly number[], b: readonly number[], level = 0.95): PairedDifference {
  checkLevel(level);
  if (a.length !== b.length) throw new Error(`pairedT: ${a.length} values of A, ${b.length} of B`);
  const r = tInterval(
    a.map((x, i) => x - b[i]),
    level,
  );
  return { test: 'paired-t', ...r, level, seeds: a.length, items: 0 };
}

/**
 * Accuracy difference A - B on shared test items pooled over seeds (McNemar): `a[s][i]` and
 * `b[s][i]` say whether A and B were right on item i in seed s. Only discordant pairs carry
 * information: n10 (A right, B wrong) and n01. Given the m = n10 + n01 discordant pairs, the
 * difference is (2π - 1) · m / N with π the share of them that favour A; the interval maps the
 * exact Clopper-Pearson interval of π, so it excludes 0 exactly when the exact binomial test of
 * n10 against m at 1/2 (the p-value) rejects. (The Wald interval is not used: with few discordant
 * pairs, e.g. 3 to 0, it excludes 0 while the exact test gives p = 0.25.) No discordant pair:
 * the arms agree on every item and the difference is exactly 0.
 */
export function mcnemar(
  a: readonly (readonly boolean[])[],
  b: readonly (readonly boolean[])[],
  level = 0.95,
): PairedDifference {
  checkLevel(level);
  if (a.length !== b.length || a.length === 0)
    throw new Error(`mcnemar: ${a.length} seeds of A, ${b.length} of B`);
  let n10 = 0;
  let n01 = 0;
  let n = 0;
  a.forEach((row, s) => {
    if (row.length !== b[s].length)
      throw new Error(`mcnemar: seed ${s} has ${row.length} items for A, ${b[s].length} for B`);
    row.forEach((ok, i) => {
      if (ok && !b[s][i]) n10++;
      else if (!ok && b[s][i]) n01++;
    });
    n += row.length;
  });
  const m = n10 + n01;
  const [pLo, pHi] = m === 0 ? [0.5, 0.5] : clopperPearson(n10, m, level);
  return {
    test: 'mcnemar',
    estimate: (n10 - n01) / n,
    lo: ((2 * pLo - 1) * m) / n,
    hi: ((2 * pHi - 1) * m) / n,
    level,
    seeds: a.length,
    items: a[0].length,
    pValue: binomialTwoSidedP(n10, n10 + n01),
  };
}

/**
 * A continuous per-item metric (PSNR per patch, loss per sequence) of A and B on the same items in
 * every seed, `a[s][i]`: each item's difference is averaged over seeds, and the t interval is taken
 * over items (items are the independent units; seeds share them).
 */
export function pairedItems(
  a: readonly (readonly number[])[],
  b: readonly (readonly number[])[],
  level = 0.95,
): PairedDifference {
  checkLevel(level);
  if (a.length !== b.length || a.length === 0)
    throw new Error(`pairedItems: ${a.length} seeds of A, ${b.length} of B`);
  const items = a[0].length;
  const d = new Array<number>(items).fill(0);
  a.forEach((row, s) => {
    if (row.length !== items || b[s].length !== items)
      throw new Error(`pairedItems: seed ${s} has ${row.length} / ${b[s].length} items, expected ${items}`);
    row.forEach((x, i) => (d[i] += (x - b[s][i]) / a.length));
  });
  return { test: 'paired-items', ...tInterval(d, level), level, seeds: a.length, items };
}

/**
 * Speed-up of A over B from interleaved timing rounds (`perf/timing.ts`): round r timed both
 * arms, so the per-round log ratio log(b[r] / a[r]) is a paired difference. The estimate and
 * interval are the geometric-mean ratio b / a (> 1: A faster) and its t interval over rounds.
 *
 * @example
 * ```ts
 * timingRatio(t.arms.sorted.samplesMs, t.arms.dense.samplesMs); // estimate 3.4 = sorted 3.4x faster
 * ```
 */
export function timingRatio(aMs: readonly number[], bMs: readonly number[], level = 0.95): PairedDifference {
  checkLevel(level);
  if (aMs.length !== bMs.length)
    throw new Error(`timingRatio: ${aMs.length} rounds of A, ${bMs.length} of B`);
  if ([...aMs, ...bMs].some((x) => !(x > 0))) throw new Error('timingRatio: every sample must be > 0 ms');
  const r = tInterval(
    aMs.map((a, i) => Math.log(bMs[i] / a)),
    level,
  );
  return {
    test: 'timing-rounds',
    estimate: Math.exp(r.estimate),
    lo: Math.exp(r.lo),
    hi: Math.exp(r.hi),
    level,
    seeds: 0,
    items: aMs.length,
    pValue: r.pValue,
  };
}

/** An exactly known quantity (a parameter count, a FLOP ratio): a zero-width interval. */
export function exact(value: number): PairedDifference {
  return { test: 'exact', estimate: value, lo: value, hi: value, level: 1, seeds: 0, items: 0 };
}
