/**
 * Claim parts: one tested quantity each, decided by {@link decide} on paired differences. A part
 * holds only if every informative test holds and fails only if every one fails; a per-seed t with
 * one seed carries no information (its interval is infinite) and is left out.
 */
import {
  decide,
  exact,
  mcnemar,
  pairedItems,
  pairedT,
  timingRatio,
  type ClaimKind,
  type PairedDifference,
  type Verdict,
} from '../statistics';
import type { BenchRow, ClaimPart } from '../types';

/** The verdict of a set of tests under one rule (inconclusive without an informative test). */
export function verdictOf(rule: ClaimKind, tests: readonly PairedDifference[]): Verdict {
  if (tests.length === 0) return 'inconclusive';
  const verdicts = tests.map((t) => decide(rule, t));
  if (verdicts.every((v) => v === 'holds')) return 'holds';
  if (verdicts.every((v) => v === 'fails')) return 'fails';
  return 'inconclusive';
}

/** Paired evidence of A against B: per-seed values and, optionally, per-item outcomes per seed. */
export interface PairedEvidence {
  /** A's and B's values per seed, same seeds in the same order. */
  perSeed: [readonly number[], readonly number[]];
  /** A's and B's per-item outcomes per seed (1/0 → McNemar, else paired item differences). */
  items?: [readonly (readonly number[])[], readonly (readonly number[])[]];
}

function isBinary(items: readonly (readonly number[])[]): boolean {
  return items.every((seed) => seed.every((x) => x === 0 || x === 1));
}

/**
 * A part testing the difference A - B (larger is better for A) under `rule`, from a paired t over
 * seeds (two or more seeds) and a per-item test pooled over seeds (when items are given).
 *
 * @example
 * ```ts
 * pairedPart('accuracy: moe - dense', { kind: 'superiority' }, { perSeed: [[0.81, 0.8], [0.79, 0.78]] });
 * ```
 */
export function pairedPart(quantity: string, rule: ClaimKind, evidence: PairedEvidence): ClaimPart {
  const [a, b] = evidence.perSeed;
  if (a.length !== b.length) throw new Error(`${quantity}: ${a.length} seed values of A, ${b.length} of B`);
  const tests: PairedDifference[] = [];
  if (a.length >= 2) tests.push(pairedT(a, b));
  if (evidence.items) {
    const [ia, ib] = evidence.items;
    if (isBinary(ia) && isBinary(ib)) {
      tests.push(
        mcnemar(
          ia.map((s) => s.map((x) => x === 1)),
          ib.map((s) => s.map((x) => x === 1)),
        ),
      );
    } else tests.push(pairedItems(ia, ib));
  }
  return { quantity, rule, verdict: verdictOf(rule, tests), tests };
}

/**
 * A part asserting A - B under `rule` for every trained model, not for the mean over seeds: one
 * per-item test per seed (`items[0][s]` against `items[1][s]`), in seed order. It holds only if
 * every seed's test holds and fails if any seed's fails (an intersection-union test, valid at the
 * tests' level without correction); anything else is inconclusive.
 *
 * @example
 * ```ts
 * everySeedPart('psnr(moe snow) - inputPsnr(degraded), each seed', { kind: 'superiority' }, [restored, degraded]);
 * ```
 */
export function everySeedPart(
  quantity: string,
  rule: ClaimKind,
  items: [readonly (readonly number[])[], readonly (readonly number[])[]],
): ClaimPart {
  const [a, b] = items;
  if (a.length !== b.length || a.length === 0)
    throw new Error(`${quantity}: ${a.length} seeds of A's items, ${b.length} of B's`);
  const tests = a.map((seed, s) => pairedItems([seed], [b[s]]));
  const verdicts = tests.map((t) => decide(rule, t));
  const verdict: Verdict = verdicts.every((v) => v === 'holds')
    ? 'holds'
    : verdicts.includes('fails')
      ? 'fails'
      : 'inconclusive';
  return { quantity, rule, verdict, tests };
}

/** What {@link comparePart} compares. */
export interface CompareSpec {
  a: BenchRow;
  b: BenchRow;
  metric: string;
  /** B's metric when it differs from A's (e.g. one row's overlap against its own baseline metric). */
  metricB?: string;
  rule: ClaimKind;
  /** `higher` (default) tests a - b; `lower` (losses, MaxVio, latency) tests b - a. */
  better?: 'higher' | 'lower';
  /** Names of A and B in the quantity (default their variants). */
  names?: [string, string];
}

/** A row's per-seed values of `metric`, or an error naming the row and the metric. */
export function seedValues(row: BenchRow, metric: string): number[] {
  const v = row.perSeed?.[metric];
  if (!v)
    throw new Error(`row ${row.model}/${row.variant}/${row.task} has no per-seed values of "${metric}"`);
  return v;
}

/** A row's per-item values of `metric` per seed (`row.items`), or an error naming the row and the metric. */
export function itemValues(row: BenchRow, metric: string): number[][] {
  const v = row.items?.[metric];
  if (!v)
    throw new Error(`row ${row.model}/${row.variant}/${row.task} has no per-item values of "${metric}"`);
  return v;
}

/**
 * A part comparing `metric` of two rows measured on the same seeds (and test items): per-seed
 * values from `row.perSeed`, per-item outcomes from `row.items` when both rows have them.
 *
 * @example
 * ```ts
 * comparePart({ a: moe, b: dense, metric: 'accuracy', rule: { kind: 'superiority' } });
 * comparePart({ a: lossFree, b: aux, metric: 'maxVio', better: 'lower', rule: { kind: 'superiority' } });
 * ```
 */
export function comparePart(spec: CompareSpec): ClaimPart {
  const { a, b, metric, rule } = spec;
  const metricB = spec.metricB ?? metric;
  const [na, nb] = spec.names ?? [a.variant, b.variant];
  const lower = spec.better === 'lower';
  // The tested difference is always (better side) - (other side): A - B, or B - A when lower is better.
  const [hi, lo] = lower ? [b, a] : [a, b];
  const [mHi, mLo] = lower ? [metricB, metric] : [metric, metricB];
  const [nHi, nLo] = lower ? [nb, na] : [na, nb];
  const suffix = lower ? ' (lower is better)' : '';
  const quantity =
    metricB === metric ? `${metric}: ${nHi} - ${nLo}${suffix}` : `${mHi}(${nHi}) - ${mLo}(${nLo})${suffix}`;
  const ia = hi.items?.[mHi];
  const ib = lo.items?.[mLo];
  return pairedPart(quantity, rule, {
    perSeed: [seedValues(hi, mHi), seedValues(lo, mLo)],
    ...(ia && ib ? { items: [ia, ib] as [number[][], number[][]] } : {}),
  });
}

/**
 * A part that was not run (its arm was left out, e.g. on a backend that cannot train it):
 * inconclusive, no tests, the reason in its quantity. Never a stand-in value.
 *
 * @example
 * ```ts
 * notRunPart('accuracy: base-layers - softmax-top2', { kind: 'parity', margin: 0.02 }, 'base-layers was left out on webgpu');
 * ```
 */
export function notRunPart(quantity: string, rule: ClaimKind, why: string): ClaimPart {
  return { quantity: `${quantity} (not run: ${why})`, rule, verdict: 'inconclusive', tests: [] };
}

/** A part on an exactly known quantity (parameter share, FLOP ratio), e.g. at most 0.28. */
export function exactPart(quantity: string, value: number, rule: ClaimKind): ClaimPart {
  const tests = [exact(value)];
  return { quantity, rule, verdict: verdictOf(rule, tests), tests };
}

/** Level of a per-seed label-permutation test. */
export const PERMUTATION_ALPHA = 0.05;

/**
 * Every seed's label-permutation test must reject "the statistic does not depend on the labels"
 * at {@link PERMUTATION_ALPHA}: the largest per-seed p-value at most the level (an
 * intersection-union test, valid at that level). A permutation test can only reject, so a larger
 * p is inconclusive, never a failure.
 */
export function permutationPart(statistic: string, shuffles: number, pValues: readonly number[]): ClaimPart {
  const part = exactPart(
    `largest per-seed permutation p-value of ${statistic} (${shuffles} label shuffles per seed; above ${PERMUTATION_ALPHA} is inconclusive, not a failure)`,
    Math.max(...pValues),
    { kind: 'at-most', bar: PERMUTATION_ALPHA },
  );
  return part.verdict === 'fails' ? { ...part, verdict: 'inconclusive' } : part;
}

/**
 * A part on the speed-up B / A from interleaved timing rounds (`timingRatio`). Latency claims are
 * decided only on an otherwise idle machine: when `idle` is false the part is inconclusive and
 * its quantity says why.
 */
export function timingPart(
  quantity: string,
  aMs: readonly number[],
  bMs: readonly number[],
  rule: ClaimKind,
  idle: boolean,
): ClaimPart {
  const tests = [timingRatio(aMs, bMs)];
  return idle
    ? { quantity, rule, verdict: verdictOf(rule, tests), tests }
    : {
        quantity: `${quantity} (timed on a busy machine: not decided)`,
        rule,
        verdict: 'inconclusive',
        tests,
      };
}
