import { designsClaims } from '../../src/suites/designs/claims';
import type { BenchRow } from '../../src/types';
import { outcomes, seedRow } from '../fixtures/rows';

interface Seeds {
  accuracy: number[];
  entropy: number[];
  expertSim: number[];
  dropRate: number[];
  earlyLoss: number[];
  testLoss: number[];
  trainDropRate?: number[];
}

const row = (variant: string, s: Seeds, items?: Record<string, number[][]>): BenchRow =>
  seedRow({ model: 'token-classifier', variant, task: 'routing' }, { trainDropRate: [0, 0, 0], ...s }, items);

const BASE: Seeds = {
  accuracy: [0.8, 0.81, 0.8],
  entropy: [1.5, 1.6, 1.55],
  expertSim: [0.1, 0.12, 0.11],
  dropRate: [0.1, 0.12, 0.11],
  earlyLoss: [1.2, 1.25, 1.22],
  testLoss: [0.6, 0.62, 0.61],
};

function rows(o: { norm?: Partial<Seeds>; adaptive?: Partial<Seeds>; evo?: Partial<Seeds> }): BenchRow[] {
  const norm = { ...BASE, entropy: [0.9, 1.0, 0.95], expertSim: [0.05, 0.06, 0.055], ...o.norm };
  return [
    row('softmax-top2', BASE),
    row('skywork-norm', norm),
    row('skywork-norm-adaptive', { ...norm, ...o.adaptive }),
    row('evomoe-dts', { ...BASE, earlyLoss: [1.0, 1.02, 1.01], testLoss: [0.55, 0.56, 0.555], ...o.evo }),
  ];
}

const verdicts = (r: BenchRow[]): string[] => designsClaims(r).map((c) => c.verdict);

describe('designs suite claims', () => {
  it('hold when every part holds', () => {
    expect(designsClaims(rows({})).map((c) => c.id)).toEqual([
      'skywork-gating-normalisation',
      'skywork-adaptive-aux',
      'evomoe-dense-to-sparse',
    ]);
    expect(verdicts(rows({}))).toEqual(['holds', 'holds', 'holds']);
  });

  it('fail when the paired difference goes the other way', () => {
    const r = rows({
      norm: { entropy: [1.9, 2.0, 1.95] },
      adaptive: { accuracy: [0.7, 0.71, 0.7] },
      evo: { earlyLoss: [1.4, 1.45, 1.42] },
    });
    expect(verdicts(r)).toEqual(['fails', 'fails', 'fails']);
  });

  it('are inconclusive on a noisy difference', () => {
    const r = rows({
      norm: { expertSim: [0.05, 0.2, 0.08] },
      adaptive: { dropRate: [0.1, 0.2, 0.05] },
      evo: { testLoss: [0.5, 0.7, 0.6] },
    });
    expect(verdicts(r)).toEqual(['inconclusive', 'inconclusive', 'inconclusive']);
  });

  it('one seed: only the per-item tests decide, seed-only parts stay inconclusive', () => {
    const one = (s: Seeds): Seeds =>
      Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.slice(0, 1)])) as unknown as Seeds;
    const items = (acc: number[][], ent: number): Record<string, number[][]> => ({
      accuracy: acc,
      entropy: [Array.from({ length: 100 }, (_, i) => ent + (i % 7) * 0.01)],
      testLoss: [Array.from({ length: 100 }, (_, i) => 0.6 + (i % 5) * 0.01)],
    });
    const r = [
      row('softmax-top2', one(BASE), items(outcomes(100, [80]), 1.5)),
      row('skywork-norm', one({ ...BASE, entropy: [0.9] }), items(outcomes(100, [80]), 0.9)),
      row('skywork-norm-adaptive', one(BASE), items(outcomes(100, [80]), 0.9)),
      row('evomoe-dts', one(BASE), items(outcomes(100, [80]), 1.5)),
    ];
    const claims = designsClaims(r);
    expect(claims[0].parts.map((p) => p.verdict)).toEqual(['holds', 'inconclusive', 'holds']);
    expect(claims[0].verdict).toBe('inconclusive');
  });
});
