import { computeRatio, duoClaims } from '../../src/suites/designs/duo-claims';
import { DUO_TASK, DUO_VARIANTS } from '../../src/suites/designs/duo-arms';
import type { BenchRow } from '../../src/types';
import { outcomes, seedRow } from '../fixtures/rows';

type Seeds = Record<string, number[]>;

const row = (variant: string, s: Seeds, items?: Record<string, number[][]>): BenchRow =>
  seedRow(
    { model: 'duo-classifier', variant, task: DUO_TASK },
    {
      bigShare: [0.3, 0.3, 0.3],
      skipShare: [0.3, 0.3, 0.3],
      bigAt0: [0.4, 0.4, 0.4],
      bigAt1: [0.3, 0.3, 0.3],
      bigAt2: [0.3, 0.3, 0.3],
      ...s,
    },
    items,
  );

/** By default each claim's A side better on every seed, the oracle within the routers' compute. */
function rows(o: { oracle?: Seeds; oneBig?: Seeds } = {}): BenchRow[] {
  return [
    row(DUO_VARIANTS.allBig, { accuracy: [0.8, 0.81, 0.8], testLoss: [0.6, 0.61, 0.6], compute: [1, 1, 1] }),
    row(DUO_VARIANTS.allSmall, {
      accuracy: [0.75, 0.76, 0.75],
      testLoss: [0.7, 0.71, 0.7],
      compute: [0.25, 0.25, 0.25],
    }),
    row(DUO_VARIANTS.random, {
      accuracy: [0.7, 0.71, 0.7],
      testLoss: [0.8, 0.81, 0.8],
      compute: [0.42, 0.41, 0.42],
    }),
    row(DUO_VARIANTS.router, {
      accuracy: [0.72, 0.73, 0.72],
      testLoss: [0.75, 0.76, 0.75],
      compute: [0.4, 0.45, 0.5],
    }),
    row(DUO_VARIANTS.oracle, {
      accuracy: [0.9, 0.91, 0.9],
      testLoss: [0.3, 0.31, 0.3],
      compute: [0.38, 0.4, 0.45],
      ...o.oracle,
    }),
    row(DUO_VARIANTS.oneBig, {
      accuracy: [0.88, 0.89, 0.88],
      testLoss: [0.4, 0.41, 0.4],
      compute: [0.5, 0.5, 0.5],
      ...o.oneBig,
    }),
  ];
}

const verdicts = (r: BenchRow[]): string[] => duoClaims(r).map((c) => c.verdict);

describe('designs suite: Duo-LLM claims', () => {
  it('hold when the oracle beats the routers within their compute and one big layer beats all', () => {
    expect(duoClaims(rows()).map((c) => c.id)).toEqual(['duo-oracle-vs-router', 'duo-one-big-layer']);
    expect(verdicts(rows())).toEqual(['holds', 'holds']);
  });

  it('fail when the paired difference goes the other way, or the oracle spends more', () => {
    const r = rows({ oracle: { testLoss: [0.9, 0.92, 0.9] }, oneBig: { testLoss: [0.7, 0.72, 0.7] } });
    expect(verdicts(r)).toEqual(['fails', 'fails']);
    expect(verdicts(rows({ oracle: { compute: [0.6, 0.6, 0.6] } }))[0]).toBe('fails');
  });

  it('are inconclusive on a noisy difference', () => {
    const r = rows({ oracle: { testLoss: [0.6, 0.9, 0.74] }, oneBig: { testLoss: [0.5, 0.7, 0.62] } });
    expect(verdicts(r)).toEqual(['inconclusive', 'inconclusive']);
  });

  it('one seed: decided by the paired items alone; a tie never holds', () => {
    const one = (s: Seeds): Seeds =>
      Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.slice(0, 1)]));
    const losses = (base: number): number[][] => [
      Array.from({ length: 100 }, (_, i) => base + (i % 5) * 0.01),
    ];
    const single = rows().map((r) => {
      const better = r.variant === DUO_VARIANTS.oracle || r.variant === DUO_VARIANTS.oneBig;
      return row(r.variant, one(r.perSeed as Seeds), {
        accuracy: outcomes(100, [better ? 90 : 70]),
        testLoss: losses(better ? 0.3 : 0.7),
      });
    });
    expect(verdicts(single)).toEqual(['holds', 'holds']);
    const tied = rows().map((r) =>
      row(r.variant, one(r.perSeed as Seeds), { accuracy: outcomes(100, [80]), testLoss: losses(0.5) }),
    );
    expect(verdicts(tied).filter((v) => v === 'holds')).toEqual([]);
  });

  it('compares computes with 0 / 0 = 1', () => {
    expect(computeRatio(0.2, 0.4)).toBe(0.5);
    expect(computeRatio(0, 0)).toBe(1);
    expect(computeRatio(0.1, 0)).toBe(Number.POSITIVE_INFINITY);
  });
});
