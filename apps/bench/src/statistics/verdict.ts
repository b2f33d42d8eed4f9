import type { PairedDifference } from './paired';

/** A claim's outcome: decided by the interval of the paired difference, never by a tie. */
export type Verdict = 'holds' | 'fails' | 'inconclusive';

/**
 * What a claim asserts about A - B (oriented so that larger is better for A: pass B - A for
 * "lower is better" metrics). `superiority`: A beats B. `parity`: A is not worse than B by more
 * than `margin`, a margin declared in the claim before the run.
 */
export type ClaimKind = { kind: 'superiority' } | { kind: 'parity'; margin: number };

/**
 * The three-valued verdict: superiority holds when the interval lies above 0 and fails when it lies
 * at or below 0; parity holds when the interval lies above -margin and fails when it lies below
 * -margin; anything else is inconclusive.
 *
 * @example
 * ```ts
 * decide({ kind: 'superiority' }, pairedT(moe, dense)); // 'holds' only if lo > 0
 * ```
 */
export function decide(claim: ClaimKind, d: Pick<PairedDifference, 'lo' | 'hi'>): Verdict {
  const bar = claim.kind === 'superiority' ? 0 : -claim.margin;
  if (claim.kind === 'parity' && !(claim.margin >= 0))
    throw new Error(`parity claim: margin must be >= 0, got ${claim.margin}`);
  if (d.lo > bar) return 'holds';
  if (claim.kind === 'superiority' ? d.hi <= bar : d.hi < bar) return 'fails';
  return 'inconclusive';
}
