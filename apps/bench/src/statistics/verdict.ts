import type { PairedDifference } from './paired';

/** A claim's outcome: decided by the interval of the paired difference, never by a tie. */
export type Verdict = 'holds' | 'fails' | 'inconclusive';

/**
 * What a claim asserts about a quantity. For a difference A - B (oriented so that larger is better
 * for A: pass B - A for "lower is better" metrics): `superiority`, A beats B; `parity`, A is not
 * worse than B by more than `margin`, a margin declared in the claim before the run. For a
 * quantity itself (a ratio, a share of parameters, a speed-up): `at-least` / `at-most` a bar the
 * paper states.
 */
export type ClaimKind =
  | { kind: 'superiority' }
  | { kind: 'parity'; margin: number }
  | { kind: 'at-least'; bar: number }
  | { kind: 'at-most'; bar: number };

/**
 * The three-valued verdict: superiority holds when the interval lies above 0 and fails when it lies
 * at or below 0; parity holds when the interval lies above -margin and fails when it lies below
 * -margin; `at-least` holds when the interval lies at or above the bar and fails when it lies below
 * it (`at-most` mirrored); anything else is inconclusive. An exact quantity (a zero-width
 * interval, e.g. a parameter count) is therefore always decided.
 *
 * @example
 * ```ts
 * decide({ kind: 'superiority' }, pairedT(moe, dense)); // 'holds' only if lo > 0
 * ```
 */
export function decide(claim: ClaimKind, d: Pick<PairedDifference, 'lo' | 'hi'>): Verdict {
  if (claim.kind === 'at-least')
    return d.lo >= claim.bar ? 'holds' : d.hi < claim.bar ? 'fails' : 'inconclusive';
  if (claim.kind === 'at-most')
    return d.hi <= claim.bar ? 'holds' : d.lo > claim.bar ? 'fails' : 'inconclusive';
  const bar = claim.kind === 'superiority' ? 0 : -claim.margin;
  if (claim.kind === 'parity' && !(claim.margin >= 0))
    throw new Error(`parity claim: margin must be >= 0, got ${claim.margin}`);
  if (d.lo > bar) return 'holds';
  if (claim.kind === 'superiority' ? d.hi <= bar : d.hi < bar) return 'fails';
  return 'inconclusive';
}
