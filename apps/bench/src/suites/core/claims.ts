import { comparePart, findRow, makeClaim } from '../../claims';
import { fmt } from '../../stats';
import type { BenchRow, Claim } from '../../types';

const SUPERIOR = { kind: 'superiority' } as const;

/**
 * The core suite's claims, in the papers' direction, from the balancing and DeepSeekMoE rows
 * (paired over seeds and test images).
 */
export function coreClaims(balancing: readonly BenchRow[], deepseek: readonly BenchRow[]): Claim[] {
  const lf = findRow(balancing, 'loss-free-1e-3');
  const aux = [findRow(balancing, 'aux-1e-3'), findRow(balancing, 'aux-1e-2')];
  const g = findRow(deepseek, 'gshard-8x64-top2');
  const s = findRow(deepseek, 'shared1-fine-31x16-top7');
  return [
    makeClaim({
      id: 'loss-free-balancing',
      paper: 'Auxiliary-loss-free load balancing (Wang et al. 2024)',
      statement:
        'the loss-free bias (u=1e-3) gives both better balance (lower MaxVio) and better quality (accuracy) than the aux loss (1e-3 and 1e-2)',
      parts: aux.flatMap((a) => [
        comparePart({ a: lf, b: a, metric: 'maxVio', better: 'lower', rule: SUPERIOR }),
        comparePart({ a: lf, b: a, metric: 'accuracy', rule: SUPERIOR }),
      ]),
      evidence:
        `MaxVio ${fmt(lf.metrics, lf.spread, 'maxVio')} vs ${aux.map((a) => `${a.variant} ${fmt(a.metrics, a.spread, 'maxVio')}`).join(', ')}; ` +
        `accuracy ${fmt(lf.metrics, lf.spread, 'accuracy')} vs ${aux.map((a) => `${a.variant} ${fmt(a.metrics, a.spread, 'accuracy')}`).join(', ')}`,
    }),
    makeClaim({
      id: 'deepseekmoe-shared-fine',
      paper: 'DeepSeekMoE (Dai et al. 2024)',
      statement:
        'at equal total and active parameters, 1 shared + 31 fine-grained experts (top-7) is more accurate than 8 experts top-2 (GShard)',
      parts: [comparePart({ a: s, b: g, metric: 'accuracy', rule: SUPERIOR })],
      evidence: `accuracy ${fmt(s.metrics, s.spread, 'accuracy')} vs ${fmt(g.metrics, g.spread, 'accuracy')}; params ${s.paramsTotal}/${s.paramsActive} vs ${g.paramsTotal}/${g.paramsActive}`,
    }),
  ];
}
