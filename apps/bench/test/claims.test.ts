import {
  combineVerdicts,
  comparePart,
  describeTest,
  exactPart,
  findRow,
  makeClaim,
  pairedPart,
  timingPart,
  verdictLabel,
} from '../src/claims';
import { decide, exact, timingRatio } from '../src/statistics';
import type { BenchRow } from '../src/types';

function row(
  variant: string,
  perSeed: Record<string, number[]>,
  items?: Record<string, number[][]>,
): BenchRow {
  const metrics = Object.fromEntries(
    Object.entries(perSeed).map(([k, v]) => [k, v.reduce((a, b) => a + b, 0) / v.length]),
  );
  return {
    model: 'm',
    variant,
    task: 't',
    paramsTotal: 1,
    paramsActive: 1,
    flopsPerSample: 1,
    metrics,
    perSeed,
    ...(items ? { items } : {}),
    latencyMsPerBatch: 1,
    trainSeconds: 1,
  };
}

describe('rules on a quantity itself', () => {
  it('at-least / at-most decide exact values, with the bar itself included', () => {
    expect(decide({ kind: 'at-least', bar: 1.6 }, exact(1.6))).toBe('holds');
    expect(decide({ kind: 'at-least', bar: 1.6 }, exact(1.59))).toBe('fails');
    expect(decide({ kind: 'at-most', bar: 0.28 }, exact(0.28))).toBe('holds');
    expect(decide({ kind: 'at-most', bar: 0.28 }, exact(0.3))).toBe('fails');
    expect(decide({ kind: 'at-least', bar: 1 }, { lo: 0.9, hi: 1.2 })).toBe('inconclusive');
    expect(decide({ kind: 'at-most', bar: 1 }, { lo: 0.9, hi: 1.2 })).toBe('inconclusive');
  });
});

describe('timingRatio', () => {
  it('is the geometric-mean per-round ratio with a t interval over rounds', () => {
    // log ratios ln 2, ln 2, ln 4, ln 1 -> mean ln 2; per-round ratios 2, 2, 4, 1.
    const r = timingRatio([1, 2, 1, 3], [2, 4, 4, 3]);
    expect(r.estimate).toBeCloseTo(2, 12);
    const d = [Math.log(2), Math.log(2), Math.log(4), 0];
    const m = Math.log(2);
    const sd = Math.sqrt(d.reduce((s, x) => s + (x - m) ** 2, 0) / 3);
    expect(Math.log(r.hi)).toBeCloseTo(m + (3.182446 * sd) / 2, 5);
    expect(Math.log(r.lo)).toBeCloseTo(m - (3.182446 * sd) / 2, 5);
    expect(r).toMatchObject({ test: 'timing-rounds', items: 4, seeds: 0 });
  });

  it('refuses unpaired or non-positive samples', () => {
    expect(() => timingRatio([1, 2], [1])).toThrow(/2 rounds of A, 1 of B/);
    expect(() => timingRatio([0], [1])).toThrow(/> 0/);
  });
});

describe('claim parts', () => {
  const a = row(
    'a',
    { accuracy: [0.8, 0.82, 0.81] },
    {
      accuracy: [
        [1, 1, 0],
        [1, 1, 1],
        [1, 0, 1],
      ],
    },
  );
  const b = row(
    'b',
    { accuracy: [0.7, 0.71, 0.72] },
    {
      accuracy: [
        [0, 1, 0],
        [0, 1, 1],
        [1, 0, 0],
      ],
    },
  );

  it('pairs per-seed values (t) and 0/1 items (McNemar); both must agree to hold', () => {
    const p = comparePart({ a, b, metric: 'accuracy', rule: { kind: 'superiority' } });
    expect(p.quantity).toBe('accuracy: a - b');
    expect(p.tests.map((t) => t.test)).toEqual(['paired-t', 'mcnemar']);
    expect(p.tests[0].estimate).toBeCloseTo(0.1, 12);
    expect(p.tests[0].lo).toBeGreaterThan(0);
    // 3 discordant pairs, all for A: the McNemar interval is too wide to hold alone.
    expect(p.tests[1]).toMatchObject({ seeds: 3, items: 3 });
    expect(decide({ kind: 'superiority' }, p.tests[1])).not.toBe('holds');
    expect(p.verdict).toBe('inconclusive');
  });

  it('orients lower-is-better metrics as B - A', () => {
    const lf = row('lf', { maxVio: [0.1, 0.12, 0.11] });
    const aux = row('aux', { maxVio: [0.5, 0.55, 0.6] });
    const p = comparePart({
      a: lf,
      b: aux,
      metric: 'maxVio',
      better: 'lower',
      rule: { kind: 'superiority' },
    });
    expect(p.quantity).toBe('maxVio: aux - lf (lower is better)');
    expect(p.tests[0].estimate).toBeCloseTo(0.44, 12);
    expect(p.verdict).toBe('holds');
    expect(
      comparePart({ a: aux, b: lf, metric: 'maxVio', better: 'lower', rule: { kind: 'superiority' } })
        .verdict,
    ).toBe('fails');
  });

  it('compares two metrics of one row, or of two rows, with the names in the quantity', () => {
    const r = row('mome', { own: [0.6, 0.62, 0.61], other: [0.3, 0.33, 0.31] });
    const own = comparePart({ a: r, b: r, metric: 'own', metricB: 'other', rule: { kind: 'superiority' } });
    expect(own.quantity).toBe('own(mome) - other(mome)');
    expect(own.tests[0].estimate).toBeCloseTo(0.2967, 4);
    const moma = row('moma', { lossCausal: [1.0, 1.1, 1.05] });
    const dense = row('dense', { loss: [1.2, 1.3, 1.25] });
    const p = comparePart({
      a: moma,
      b: dense,
      metric: 'lossCausal',
      metricB: 'loss',
      better: 'lower',
      rule: { kind: 'superiority' },
    });
    expect(p.quantity).toBe('loss(dense) - lossCausal(moma) (lower is better)');
    expect(p.tests[0].estimate).toBeCloseTo(0.2, 12);
    expect(p.verdict).toBe('holds');
  });

  it('continuous items use paired item differences', () => {
    const p = pairedPart(
      'psnr: x - y',
      { kind: 'parity', margin: 0.1 },
      {
        perSeed: [[20], [20]],
        items: [[[20, 21, 22, 23]], [[20.01, 21.02, 21.99, 23.01]]],
      },
    );
    expect(p.tests.map((t) => t.test)).toEqual(['paired-items']);
    expect(p.verdict).toBe('holds');
  });

  it('one seed and no items is uninformative: inconclusive, never a hold', () => {
    const p = pairedPart('accuracy: x - y', { kind: 'superiority' }, { perSeed: [[0.9], [0.1]] });
    expect(p.tests).toEqual([]);
    expect(p.verdict).toBe('inconclusive');
  });

  it('a missing metric names the row', () => {
    expect(() => comparePart({ a, b, metric: 'loss', rule: { kind: 'superiority' } })).toThrow(
      'row m/a/t has no per-seed values of "loss"',
    );
  });

  it('exact parts decide at once; timing parts only on an idle machine', () => {
    expect(exactPart('params: x / y', 0.25, { kind: 'at-most', bar: 0.28 }).verdict).toBe('holds');
    const fast = [1, 1.1, 0.9, 1, 1.05];
    const slow = [3, 3.2, 2.9, 3.1, 3.0];
    expect(timingPart('speed-up', fast, slow, { kind: 'at-least', bar: 2 }, true).verdict).toBe('holds');
    const busy = timingPart('speed-up', fast, slow, { kind: 'at-least', bar: 2 }, false);
    expect(busy.verdict).toBe('inconclusive');
    expect(busy.quantity).toContain('busy machine');
  });
});

describe('claims', () => {
  const part = (verdict: 'holds' | 'fails' | 'inconclusive') => ({ verdict });
  it('fail if any part fails, hold only if all hold', () => {
    expect(combineVerdicts([part('holds'), part('holds')])).toBe('holds');
    expect(combineVerdicts([part('holds'), part('inconclusive')])).toBe('inconclusive');
    expect(combineVerdicts([part('inconclusive'), part('fails')])).toBe('fails');
    expect(() => combineVerdicts([])).toThrow(/at least one part/);
  });

  it('makeClaim sets the verdict; legacy claims are labelled as the old rule', () => {
    const c = makeClaim({
      id: 'x',
      paper: 'p',
      statement: 's',
      parts: [exactPart('q', 1, { kind: 'at-least', bar: 2 })],
      evidence: '',
    });
    expect(c.verdict).toBe('fails');
    expect(verdictLabel(c)).toBe('fails');
    expect(verdictLabel({ id: 'x', paper: 'p', statement: 's', holds: true, evidence: '' })).toBe(
      'old rule: holds',
    );
  });

  it('findRow names what is missing', () => {
    expect(() => findRow([], 'moe', 'digits')).toThrow('no row for variant "moe" on task "digits"');
  });

  it('describes tests with interval, evidence size and p-value', () => {
    expect(
      describeTest({
        test: 'mcnemar',
        estimate: 0.012,
        lo: 0.002,
        hi: 0.022,
        level: 0.95,
        seeds: 3,
        items: 200,
        pValue: 0.021,
      }),
    ).toBe('McNemar over items +0.012 [+0.002, +0.022], 3 seeds x 200 items, p = 0.021');
    expect(describeTest(exact(0.25))).toBe('exact 0.25');
  });
});
