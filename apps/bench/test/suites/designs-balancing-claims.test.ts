import { balancingClaims } from '../../src/suites/designs/balancing-claims';
import type { BenchRow } from '../../src/types';
import { outcomes, seedRow } from '../fixtures/rows';

type Seeds = Record<string, number[]>;

/** The baseline's per-seed metrics; every other arm starts from them. */
const TOP2: Seeds = {
  accuracy: [0.8, 0.81, 0.8],
  testLoss: [0.6, 0.62, 0.61],
  trainMaxVio: [0.4, 0.42, 0.41],
  trainDropRate: [0.2, 0.21, 0.2],
  dropRate: [0.2, 0.22, 0.21],
  entropy: [1.9, 1.9, 1.9],
  routerParams: [512, 512, 512],
};

interface Overrides {
  base?: Seeds;
  hash?: Seeds;
  noisy?: Seeds;
}

/** By default every claim's A side on par or better on every seed. */
function rows(o: Overrides = {}): BenchRow[] {
  const arm = (variant: string, s: Seeds): BenchRow =>
    seedRow({ model: 'token-classifier', variant, task: 'balancing' }, { ...TOP2, ...s });
  return [
    seedRow({ model: 'token-classifier', variant: 'softmax-top2', task: 'routing' }, TOP2),
    arm('base-layers', { accuracy: [0.805, 0.815, 0.805], trainMaxVio: [0, 0, 0], ...o.base }),
    arm('hash-position', { accuracy: [0.81, 0.82, 0.81], routerParams: [0, 0, 0], ...o.hash }),
    arm('noisy-top2', { accuracy: [0.8, 0.815, 0.805], trainMaxVio: [0.38, 0.41, 0.4], ...o.noisy }),
  ];
}

const verdicts = (r: BenchRow[]): string[] => balancingClaims(r).map((c) => c.verdict);
const partVerdicts = (r: BenchRow[], id: string): string[] =>
  balancingClaims(r)
    .find((c) => c.id === id)
    ?.parts.map((p) => p.verdict) ?? [];

describe('designs suite balancing claims', () => {
  it('hold when every part holds', () => {
    const claims = balancingClaims(rows());
    expect(claims.map((c) => c.id)).toEqual([
      'base-layers-balanced-assignment',
      'hash-layers-competitive',
      'noisy-topk-balance',
    ]);
    expect(verdicts(rows())).toEqual(['holds', 'holds', 'holds']);
  });

  it('fail when the paired difference goes the other way', () => {
    const r = rows({
      base: { accuracy: [0.7, 0.71, 0.7] },
      hash: { accuracy: [0.7, 0.71, 0.7] },
      noisy: { trainMaxVio: [0.9, 0.95, 0.92] },
    });
    expect(verdicts(r)).toEqual(['fails', 'fails', 'fails']);
  });

  it('BASE fails on balance alone when it balances worse; a tie in balance is not a hold', () => {
    expect(
      partVerdicts(rows({ base: { trainMaxVio: [0.5, 0.52, 0.51] } }), 'base-layers-balanced-assignment'),
    ).toEqual(['holds', 'fails']);
    expect(
      partVerdicts(rows({ base: { trainMaxVio: TOP2.trainMaxVio } }), 'base-layers-balanced-assignment'),
    ).toEqual(['holds', 'fails']);
  });

  it('hash: routing parameters fail the claim on their own', () => {
    expect(
      partVerdicts(rows({ hash: { routerParams: [256, 256, 256] } }), 'hash-layers-competitive'),
    ).toEqual(['holds', 'holds', 'fails']);
  });

  it('are inconclusive on a noisy difference', () => {
    const r = rows({
      base: { accuracy: [0.7, 0.9, 0.75] },
      hash: { accuracy: [0.72, 0.9, 0.76] },
      noisy: { trainMaxVio: [0.3, 0.7, 0.35] },
    });
    expect(verdicts(r)).toEqual(['inconclusive', 'inconclusive', 'inconclusive']);
  });

  it('BASE left out (no synchronous reads): its parts are not run, the others decided as before', () => {
    const why = 'its router assigns tokens in training on the host, which the webgpu backend cannot';
    const all = rows({ hash: { accuracy: [0.7, 0.71, 0.7] } });
    const withoutBase = all.filter((r) => r.variant !== 'base-layers');
    const claims = balancingClaims(withoutBase, [{ variant: 'base-layers', why }]);
    expect(claims.map((c) => c.id)).toEqual([
      'base-layers-balanced-assignment',
      'hash-layers-competitive',
      'noisy-topk-balance',
    ]);
    const [base, hash, noisy] = claims;
    expect(base.verdict).toBe('inconclusive');
    for (const p of base.parts) {
      expect(p.verdict).toBe('inconclusive');
      expect(p.tests).toEqual([]);
      expect(p.quantity).toMatch(new RegExp(`\\(not run: ${why}\\)$`));
    }
    expect(base.evidence).toBe(`not run: base-layers was left out, ${why}`);
    // The hash claim keeps its parts against top-2 (here failing) and leaves the one against BASE out.
    const full = balancingClaims(all).find((c) => c.id === 'hash-layers-competitive');
    expect(hash.parts.map((p) => p.verdict)).toEqual(['fails', 'inconclusive', 'holds']);
    expect(hash.parts[0]).toEqual(full?.parts[0]);
    expect(hash.parts[1].quantity).toMatch(/^accuracy: hash-position - base-layers \(not run: /);
    expect(hash.parts[1].tests).toEqual([]);
    expect(hash.verdict).toBe('fails');
    expect(noisy).toEqual(balancingClaims(all)[2]);
    // Without the reason, a missing BASE row is still an error, never a silent gap.
    expect(() => balancingClaims(withoutBase)).toThrow(/no row for variant "base-layers"/);
  });

  it('one seed: accuracy is decided over the test images, training balance stays inconclusive', () => {
    const one = (s: Seeds): Seeds =>
      Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.slice(0, 1)]));
    const image = (variant: string, task: string, s: Seeds, right: number): BenchRow =>
      seedRow({ model: 'token-classifier', variant, task }, one({ ...TOP2, ...s }), {
        accuracy: outcomes(2000, [right]),
      });
    const r = [
      image('softmax-top2', 'routing', {}, 1600),
      image('base-layers', 'balancing', { trainMaxVio: [0] }, 1650),
      image('hash-position', 'balancing', { routerParams: [0] }, 1200),
      image('noisy-top2', 'balancing', {}, 1610),
    ];
    expect(partVerdicts(r, 'base-layers-balanced-assignment')).toEqual(['holds', 'inconclusive']);
    expect(partVerdicts(r, 'hash-layers-competitive')).toEqual(['fails', 'fails', 'holds']);
    expect(partVerdicts(r, 'noisy-topk-balance')).toEqual(['holds', 'inconclusive']);
    expect(verdicts(r)).toEqual(['inconclusive', 'fails', 'inconclusive']);
  });
});
