import type { Verdict } from '../statistics';
import type { BenchRow, Claim, ClaimPart, LegacyClaim } from '../types';

/** A claim's verdict from its parts: fails if any part fails, holds only if every part holds. */
export function combineVerdicts(parts: readonly Pick<ClaimPart, 'verdict'>[]): Verdict {
  if (parts.length === 0) throw new Error('a claim needs at least one part');
  if (parts.some((p) => p.verdict === 'fails')) return 'fails';
  return parts.every((p) => p.verdict === 'holds') ? 'holds' : 'inconclusive';
}

/**
 * Builds a claim whose verdict combines its parts ({@link combineVerdicts}).
 *
 * @example
 * ```ts
 * makeClaim({ id: 'moe-vs-dense', paper: 'Switch (Fedus et al. 2022)', statement: 'MoE beats dense',
 *   parts: [comparePart({ a: moe, b: dense, metric: 'accuracy', rule: { kind: 'superiority' } })],
 *   evidence: 'accuracy 0.81 vs 0.79' });
 * ```
 */
export function makeClaim(c: Omit<Claim, 'verdict'>): Claim {
  return { ...c, verdict: combineVerdicts(c.parts) };
}

/** Whether a report's claim predates paired statistics. */
export function isLegacy(c: Claim | LegacyClaim): c is LegacyClaim {
  return 'holds' in c;
}

/** The row of `variant` (and `task`, when given) or an error naming what is missing. */
export function findRow(rows: readonly BenchRow[], variant: string, task?: string): BenchRow {
  const r = rows.find((x) => x.variant === variant && (task === undefined || x.task === task));
  if (!r) throw new Error(`no row for variant "${variant}"${task === undefined ? '' : ` on task "${task}"`}`);
  return r;
}
