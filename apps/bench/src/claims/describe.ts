/** Plain-text descriptions of verdicts, rules and tests for the terminal, summary.md and index.html. */
import type { ClaimKind, PairedDifference } from '../statistics';
import type { Claim, ClaimPart, LegacyClaim } from '../types';
import { isLegacy } from './claim';

/** `holds`, `fails`, `inconclusive`, or for a report predating paired statistics `old rule: holds`. */
export function verdictLabel(c: Claim | LegacyClaim): string {
  if (isLegacy(c)) return c.holds ? 'old rule: holds' : 'old rule: does not hold';
  return c.verdict;
}

function signed(x: number): string {
  const digits = Math.abs(x) >= 100 ? 1 : Math.abs(x) >= 1 ? 3 : 4;
  return `${x >= 0 ? '+' : ''}${Number(x.toFixed(digits))}`;
}

/** The rule as an inequality on the quantity, e.g. `> 0`, `> -0.01 (parity margin 0.01)`, `<= 0.28`. */
export function describeRule(rule: ClaimKind): string {
  switch (rule.kind) {
    case 'superiority':
      return '> 0';
    case 'parity':
      return `> -${rule.margin} (parity margin ${rule.margin})`;
    case 'at-least':
      return `>= ${rule.bar}`;
    case 'at-most':
      return `<= ${rule.bar}`;
  }
}

const TEST_NAMES: Record<PairedDifference['test'], string> = {
  'paired-t': 'paired t over seeds',
  mcnemar: 'McNemar over items',
  'paired-items': 'paired items',
  'timing-rounds': 'timing rounds',
  exact: 'exact',
};

/** e.g. `McNemar over items +0.012 [+0.002, +0.022], 3 seeds x 200 items, p = 0.021`. */
export function describeTest(t: PairedDifference): string {
  if (t.test === 'exact') return `exact ${Number(t.estimate.toPrecision(4))}`;
  const interval = `${signed(t.estimate)} [${signed(t.lo)}, ${signed(t.hi)}]`;
  const n =
    t.test === 'timing-rounds'
      ? `${t.items} rounds`
      : t.items > 0
        ? `${t.seeds} seed${t.seeds === 1 ? '' : 's'} x ${t.items} items`
        : `${t.seeds} seeds`;
  const p =
    t.pValue === undefined
      ? ''
      : `, p = ${t.pValue < 0.001 ? t.pValue.toExponential(1) : t.pValue.toFixed(3)}`;
  return `${TEST_NAMES[t.test]} ${interval}, ${n}${p}`;
}

/** e.g. `accuracy: moe - dense > 0: holds (paired t over seeds +0.02 [...]; McNemar ...)`. */
export function describePart(p: ClaimPart): string {
  const tests =
    p.tests.length === 0
      ? 'no informative test (one seed, no item outcomes)'
      : p.tests.map(describeTest).join('; ');
  return `${p.quantity} ${describeRule(p.rule)}: ${p.verdict} (${tests})`;
}
