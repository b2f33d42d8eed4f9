import {
  betaQuantile,
  binomialTwoSidedP,
  clopperPearson,
  decide,
  mcnemar,
  normalQuantile,
  pairedItems,
  pairedT,
  tCdf,
  tQuantile,
} from '../src/statistics';

describe('distributions against textbook values', () => {
  it("Student's t two-sided 95% quantiles match the t-table", () => {
    const table: [number, number][] = [
      [1, 12.706],
      [2, 4.303],
      [3, 3.182],
      [4, 2.776],
      [5, 2.571],
      [10, 2.228],
      [30, 2.042],
      [120, 1.98],
    ];
    for (const [df, q] of table) expect(tQuantile(0.975, df)).toBeCloseTo(q, 3);
    expect(tQuantile(0.025, 4)).toBeCloseTo(-2.776, 3);
  });

  it('t CDF in closed form for 1 and 2 degrees of freedom', () => {
    expect(tCdf(1, 1)).toBeCloseTo(0.75, 10); // Cauchy: 1/2 + atan(1)/pi
    expect(tCdf(2, 2)).toBeCloseTo(0.5 + 2 / (2 * Math.sqrt(6)), 10);
    expect(tCdf(-2, 2)).toBeCloseTo(0.5 - 2 / (2 * Math.sqrt(6)), 10);
  });

  it('normal quantile', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.5)).toBe(0);
  });

  it('exact binomial test at 1/2', () => {
    expect(binomialTwoSidedP(10, 12)).toBeCloseTo((2 * (1 + 12 + 66)) / 4096, 10);
    expect(binomialTwoSidedP(5, 10)).toBe(1);
    expect(binomialTwoSidedP(0, 0)).toBe(1);
  });
});

describe('exact binomial interval', () => {
  it('Clopper-Pearson matches closed forms and R binom.test', () => {
    expect(clopperPearson(3, 3, 0.95)[0]).toBeCloseTo(0.025 ** (1 / 3), 6);
    expect(clopperPearson(0, 10, 0.95)[1]).toBeCloseTo(1 - 0.025 ** (1 / 10), 6);
    const [lo, hi] = clopperPearson(5, 10, 0.95);
    expect(lo).toBeCloseTo(0.187086, 5);
    expect(hi).toBeCloseTo(0.812914, 5);
    expect(betaQuantile(0.5, 1, 1)).toBeCloseTo(0.5, 10);
  });

  it('McNemar with 3 discordant pairs to 0 is not decisive (exact p = 0.25)', () => {
    const d = mcnemar([[true, true, true, false]], [[false, false, false, false]]);
    expect(d.pValue).toBeCloseTo(0.25, 12);
    expect(d.lo).toBeLessThan(0);
    expect(d.hi).toBeCloseTo(0.75, 12);
  });
});

describe('paired tests', () => {
  it("paired t reproduces Student's sleep data (R: t.test(paired = TRUE))", () => {
    const drug2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];
    const drug1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
    const d = pairedT(drug2, drug1);
    expect(d.estimate).toBeCloseTo(1.58, 10);
    expect(d.lo).toBeCloseTo(0.7001142, 6);
    expect(d.hi).toBeCloseTo(2.4598858, 6);
    expect(d.pValue).toBeCloseTo(0.002833, 5);
    expect(d).toMatchObject({ test: 'paired-t', seeds: 10, items: 0, level: 0.95 });
  });

  it('one seed gives an infinite interval: never decisive', () => {
    const d = pairedT([0.9], [0.1]);
    expect(d.lo).toBe(-Infinity);
    expect(decide({ kind: 'superiority' }, d)).toBe('inconclusive');
  });

  it('McNemar counts only discordant pairs, pooled over seeds', () => {
    // Seed 0: A right on 8 items B misses, B right on 1 item A misses, 11 agree.
    // Seed 1: 2 and 1 discordant, 17 agree.
    const seed = (n10: number, n01: number, agree: number) => ({
      a: [...Array(n10).fill(true), ...Array(n01).fill(false), ...Array(agree).fill(true)],
      b: [...Array(n10).fill(false), ...Array(n01).fill(true), ...Array(agree).fill(true)],
    });
    const s0 = seed(8, 1, 11);
    const s1 = seed(2, 1, 17);
    const d = mcnemar([s0.a, s1.a], [s0.b, s1.b]);
    // n10 = 10, n01 = 2, N = 40; Clopper-Pearson of 10/12 is [0.515862, 0.979137] (R binom.test).
    expect(d.estimate).toBeCloseTo(8 / 40, 12);
    expect(d.lo).toBeCloseTo(((2 * 0.515862 - 1) * 12) / 40, 5);
    expect(d.hi).toBeCloseTo(((2 * 0.979137 - 1) * 12) / 40, 5);
    expect(d.pValue).toBeCloseTo(0.038574, 5);
    expect(d).toMatchObject({ test: 'mcnemar', seeds: 2, items: 20 });
  });

  it('per-item differences are averaged over seeds, then a t interval over items', () => {
    const a = [
      [1, 2, 3, 4],
      [3, 2, 5, 4],
    ];
    const b = [
      [0, 2, 2, 3],
      [2, 1, 3, 3],
    ];
    // Per-item mean differences: [1, 0.5, 1.5, 1].
    const d = pairedItems(a, b);
    const ref = pairedT([1, 0.5, 1.5, 1], [0, 0, 0, 0]);
    expect(d.estimate).toBeCloseTo(1, 12);
    expect(d.lo).toBeCloseTo(ref.lo, 12);
    expect(d.hi).toBeCloseTo(ref.hi, 12);
    expect(d).toMatchObject({ test: 'paired-items', seeds: 2, items: 4 });
  });

  it('rejects mismatched pairs', () => {
    expect(() => pairedT([1, 2], [1])).toThrow(/2 values of A, 1 of B/);
    expect(() => mcnemar([[true]], [[true, false]])).toThrow(/seed 0/);
  });
});

describe('verdicts: a tie is never a hold', () => {
  it('superiority holds, fails and stays inconclusive', () => {
    const sup = { kind: 'superiority' } as const;
    expect(decide(sup, { lo: 0.01, hi: 0.05 })).toBe('holds');
    expect(decide(sup, { lo: -0.05, hi: -0.01 })).toBe('fails');
    expect(decide(sup, { lo: -0.02, hi: 0 })).toBe('fails');
    expect(decide(sup, { lo: -0.01, hi: 0.01 })).toBe('inconclusive');
  });

  it('parity uses the declared margin', () => {
    const par = { kind: 'parity', margin: 0.01 } as const;
    expect(decide(par, { lo: -0.005, hi: 0.02 })).toBe('holds');
    expect(decide(par, { lo: -0.05, hi: -0.02 })).toBe('fails');
    expect(decide(par, { lo: -0.02, hi: 0.01 })).toBe('inconclusive');
    expect(() => decide({ kind: 'parity', margin: -1 }, { lo: 0, hi: 1 })).toThrow(/margin/);
  });
});
