/** The Duo-LLM study's claims: trained routers against the oracle, the big module in one layer against all. */
import { comparePart, exactPart, findRow, makeClaim } from '../../claims';
import { fmt } from '../../stats';
import type { BenchRow, Claim } from '../../types';
import { DUO, DUO_TASK, DUO_VARIANTS } from './duo-arms';

const SUPERIOR = { kind: 'superiority' } as const;
const PAPER = 'Duo-LLM (Alizadeh et al. 2024, arXiv 2410.10846)';

/** The routers' compute penalty as the claims and notes name it. */
export const penalty = (): string =>
  DUO.compute > 0 ? `compute penalty λ = ${DUO.compute}` : 'no compute penalty (the task loss alone)';

const show = (r: BenchRow, metric: string): string => `${r.variant} ${fmt(r.metrics, r.spread, metric)}`;
const shares = (r: BenchRow): string =>
  Array.from(
    { length: DUO.depth },
    (_, l) => `layer ${l + 1} ${fmt(r.metrics, r.spread, `bigAt${l}`, 2)}`,
  ).join(', ');

/** A / B of two computes, with 0 / 0 = 1 (both skip everything) and x / 0 = infinity. */
export function computeRatio(a: number, b: number): number {
  if (b > 0) return a / b;
  return a > 0 ? Number.POSITIVE_INFINITY : 1;
}

/**
 * (a) The oracle (per image, the routing pattern of lowest loss within the trained routers'
 * measured compute) against the trained routers: lower test loss, higher accuracy, at most their
 * compute. (b) The oracle restricted to the big module in exactly one layer (small elsewhere)
 * against the big module in every layer, same model: lower test loss. Both on the same model and
 * test images per seed; the oracle reads the test labels (it is an upper bound on routing, as in
 * the paper, not a router).
 */
export function duoClaims(rows: readonly BenchRow[]): Claim[] {
  const row = (v: string): BenchRow => findRow(rows, v, DUO_TASK);
  const oracle = row(DUO_VARIANTS.oracle);
  const router = row(DUO_VARIANTS.router);
  const oneBig = row(DUO_VARIANTS.oneBig);
  const allBig = row(DUO_VARIANTS.allBig);
  const random = row(DUO_VARIANTS.random);
  const allSmall = row(DUO_VARIANTS.allSmall);
  return [
    makeClaim({
      id: 'duo-oracle-vs-router',
      paper: PAPER,
      statement: `on a model trained with random routing over skip / small / big FFN modules in each of ${DUO.depth} layers, trained routers (linear, top-1 per image and layer, straight-through gate, ${penalty()}; the model frozen) fall short of the oracle (per image, the lowest-loss of the 3^${DUO.depth} routing patterns within the routers' measured compute): the oracle has a lower test loss and a higher accuracy at no more compute`,
      parts: [
        comparePart({ a: oracle, b: router, metric: 'testLoss', better: 'lower', rule: SUPERIOR }),
        comparePart({ a: oracle, b: router, metric: 'accuracy', rule: SUPERIOR }),
        exactPart(
          'compute: oracle / trained routers (FFN FLOPs)',
          computeRatio(oracle.metrics.compute, router.metrics.compute),
          { kind: 'at-most', bar: 1 },
        ),
      ],
      evidence:
        `test loss ${show(oracle, 'testLoss')} vs ${show(router, 'testLoss')} (random routing ${show(random, 'testLoss')}, big everywhere ${show(allBig, 'testLoss')}); ` +
        `accuracy ${show(oracle, 'accuracy')} vs ${show(router, 'accuracy')} (random ${show(random, 'accuracy')}, big everywhere ${show(allBig, 'accuracy')}); ` +
        `compute (share of the big module's FFN FLOPs in every layer) ${show(oracle, 'compute')} vs ${show(router, 'compute')} (random ${show(random, 'compute')}); ` +
        `routers' choices: big ${fmt(router.metrics, router.spread, 'bigShare')}, skip ${fmt(router.metrics, router.spread, 'skipShare')}; ` +
        `oracle's: big ${fmt(oracle.metrics, oracle.spread, 'bigShare')}, skip ${fmt(oracle.metrics, oracle.spread, 'skipShare')}`,
    }),
    makeClaim({
      id: 'duo-one-big-layer',
      paper: PAPER,
      statement: `using the big FFN module in only one of ${DUO.depth} layers (small in the others; the oracle chooses the layer per image) gives a lower test loss than using it in every layer, on the same model trained with random routing`,
      parts: [comparePart({ a: oneBig, b: allBig, metric: 'testLoss', better: 'lower', rule: SUPERIOR })],
      evidence:
        `test loss ${show(oneBig, 'testLoss')} vs ${show(allBig, 'testLoss')} (small everywhere ${show(allSmall, 'testLoss')}); ` +
        `accuracy ${show(oneBig, 'accuracy')} vs ${show(allBig, 'accuracy')} (small everywhere ${show(allSmall, 'accuracy')}); ` +
        `compute ${show(oneBig, 'compute')} vs ${show(allBig, 'compute')}; images whose big module is in ${shares(oneBig)}`,
    }),
  ];
}
