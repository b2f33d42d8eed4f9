import { QUESTIONS, type VqaSet } from '@moe-zoo/vision';
import { visionClaims } from '../../src/suites/vision/claims';
import type { ArmResult } from '../../src/suites/vision/run-arm';
import { metricsOf } from '../../src/suites/vision/run-metrics';
import type { BenchRow, Claim } from '../../src/types';
import { mean, outcomes, seedRow } from '../fixtures/rows';

const TYPES = ['mnist', 'fashion-mnist', 'text', 'chart'] as const;
const TASKS = [...TYPES, 'all'];
const ITEMS = 200;

/** Correct answers per seed (out of {@link ITEMS}) and where the run of correct items starts. */
interface Outcome {
  correct: number[];
  offset?: number;
}

/** 1/0 per item and seed: items offset .. offset + correct - 1 are right. */
const items = (o: Outcome): number[][] => outcomes(ITEMS, o.correct, o.offset);

function row(variant: string, task: string, acc: Outcome, eps?: number[][]): BenchRow {
  const accuracy = acc.correct.map((k) => k / ITEMS);
  const perSeed: Record<string, number[]> = { accuracy };
  const rowItems: Record<string, number[][]> = { accuracy: items(acc) };
  if (eps) {
    perSeed.expertsPerSample = eps.map(mean);
    rowItems.expertsPerSample = eps;
  }
  return seedRow({ model: 'synthetic', variant, task }, perSeed, rowItems);
}

/** Experts computed per item in every seed. */
function experts(seeds: number, perItem: (i: number) => number): number[][] {
  return Array.from({ length: seeds }, () => Array.from({ length: ITEMS }, (_, i) => perItem(i)));
}

interface Scenario {
  /** Outcome of each variant on every task, unless `override` gives one for the variant and task. */
  accuracy: Record<string, Outcome>;
  override?: Record<string, Outcome>;
  movaExperts: number[][];
  concatExperts: number[][];
}

const MOVA_SIDE = [
  'base-only',
  ...TYPES.map((t) => `specialist-${t}`),
  'plain-concat',
  'adapter-no-routing',
  'random-routing',
  'mova',
];

function rowsOf(s: Scenario): BenchRow[] {
  const outcome = (variant: string, task: string) =>
    s.override?.[`${variant}/${task}`] ?? s.accuracy[variant];
  const rows = MOVA_SIDE.flatMap((variant) =>
    TASKS.map((task) => {
      const eps =
        variant === 'mova' ? s.movaExperts : variant === 'plain-concat' ? s.concatExperts : undefined;
      return row(variant, task, outcome(variant, task), eps);
    }),
  );
  return [
    ...rows,
    row('vmoe-8x48-top2', 'fashion-mnist', s.accuracy['vmoe-8x48-top2']),
    row('dense-96', 'fashion-mnist', s.accuracy['dense-96']),
  ];
}

const STRONG: Outcome = { correct: [160, 164, 158] };
const WEAK: Outcome = { correct: [120, 118, 123] };
// Equal on average, disagreeing on items both ways: neither direction is shown.
const TIE_A: Outcome = { correct: [140, 143, 139] };
const TIE_B: Outcome = { correct: [141, 140, 142], offset: 12 };

function uniform(outcome: Outcome, overrides: Record<string, Outcome>): Record<string, Outcome> {
  return Object.fromEntries(
    [...MOVA_SIDE, 'vmoe-8x48-top2', 'dense-96'].map((v) => [v, overrides[v] ?? outcome]),
  );
}

const ROUTED = experts(3, (i) => 1 + (i % 3)); // 1, 2 or 3 experts: mean 2
const ALL_FOUR = experts(3, () => 4);

function byId(claims: Claim[]): Record<string, Claim> {
  return Object.fromEntries(claims.map((c) => [c.id, c]));
}

const IDS = [
  'mova-vs-fusion-and-base',
  'mova-routing-ablations',
  'mova-vs-specialist',
  'mova-compute',
  'vmoe-vs-dense',
];

describe('vision claims on synthetic rows', () => {
  it('every claim holds when MoVA (and V-MoE) lead clearly and MoVA routes fewer experts', () => {
    const claims = visionClaims(
      rowsOf({
        accuracy: uniform(WEAK, { mova: STRONG, 'vmoe-8x48-top2': STRONG }),
        movaExperts: ROUTED,
        concatExperts: ALL_FOUR,
      }),
      TYPES,
    );
    expect(claims.map((c) => c.id)).toEqual(IDS);
    for (const c of claims) expect([c.id, c.verdict]).toEqual([c.id, 'holds']);
    const c = byId(claims);
    // 5 tasks x (concat, base); 2 tasks x (random, none); 4 specialists.
    expect(c['mova-vs-fusion-and-base'].parts).toHaveLength(10);
    expect(c['mova-routing-ablations'].parts).toHaveLength(4);
    expect(c['mova-vs-specialist'].parts).toHaveLength(4);
    expect(c['mova-vs-fusion-and-base'].parts[0].quantity).toBe(
      'accuracy: mova (mnist) - plain-concat (mnist)',
    );
    expect(c['mova-vs-specialist'].parts[2].quantity).toBe('accuracy: mova (text) - specialist-text (text)');
    expect(c['vmoe-vs-dense'].parts[0].tests.map((t) => t.test)).toEqual(['paired-t', 'mcnemar']);
    expect(c['mova-compute'].parts[0].quantity).toBe(
      'expertsPerSample: plain-concat - mova (lower is better)',
    );
    expect(c['mova-compute'].parts[0].tests.map((t) => t.test)).toEqual(['paired-t', 'paired-items']);
    expect(c['mova-compute'].parts[0].tests[1].estimate).toBeCloseTo(2);
  });

  it('every claim fails when the baselines lead and MoVA computes every expert too', () => {
    const claims = visionClaims(
      rowsOf({
        accuracy: uniform(STRONG, { mova: WEAK, 'vmoe-8x48-top2': WEAK }),
        movaExperts: ALL_FOUR,
        concatExperts: ALL_FOUR,
      }),
      TYPES,
    );
    for (const c of claims) expect([c.id, c.verdict]).toEqual([c.id, 'fails']);
  });

  it('every claim is inconclusive on ties with disagreement both ways', () => {
    const noisyExperts = experts(3, (i) => 3 + (i % 3)); // 3, 4 or 5: mean 4, like plain fusion
    noisyExperts[0][0] = 4; // per-seed means 4, 3.995, 3.995: no consistent sign
    const claims = visionClaims(
      rowsOf({
        accuracy: uniform(TIE_B, { mova: TIE_A, 'vmoe-8x48-top2': TIE_A }),
        movaExperts: noisyExperts,
        concatExperts: ALL_FOUR,
      }),
      TYPES,
    );
    for (const c of claims) expect([c.id, c.verdict]).toEqual([c.id, 'inconclusive']);
  });

  it('one failing part fails a claim, one undecided part leaves it inconclusive', () => {
    const claims = byId(
      visionClaims(
        rowsOf({
          accuracy: uniform(WEAK, { mova: STRONG, 'vmoe-8x48-top2': STRONG }),
          override: {
            // The base alone beats MoVA on charts; no routing ties MoVA on text.
            'base-only/chart': { correct: [190, 192, 189] },
            'adapter-no-routing/text': TIE_B,
            'mova/text': TIE_A,
            'specialist-text/text': WEAK,
            'random-routing/text': WEAK,
          },
          movaExperts: ROUTED,
          concatExperts: ALL_FOUR,
        }),
        TYPES,
      ),
    );
    const fusion = claims['mova-vs-fusion-and-base'];
    expect(fusion.verdict).toBe('fails');
    expect(fusion.parts.filter((p) => p.verdict === 'fails').map((p) => p.quantity)).toEqual([
      'accuracy: mova (chart) - base-only (chart)',
    ]);
    const ablation = claims['mova-routing-ablations'];
    expect(ablation.verdict).toBe('inconclusive');
    expect(ablation.parts.map((p) => p.verdict)).toEqual(['holds', 'inconclusive', 'holds', 'holds']);
    expect(claims['mova-vs-specialist'].verdict).toBe('holds');
  });

  it('with one seed (quick mode) the per-item tests alone decide', () => {
    const oneSeed = (o: Outcome): Outcome => ({ ...o, correct: o.correct.slice(0, 1) });
    const claims = visionClaims(
      rowsOf({
        accuracy: uniform(oneSeed(WEAK), { mova: oneSeed(STRONG), 'vmoe-8x48-top2': oneSeed(STRONG) }),
        movaExperts: ROUTED.slice(0, 1),
        concatExperts: ALL_FOUR.slice(0, 1),
      }),
      TYPES,
    );
    for (const c of claims) {
      expect([c.id, c.verdict]).toEqual([c.id, 'holds']);
      for (const p of c.parts) expect(p.tests.map((t) => t.test)).not.toContain('paired-t');
    }
  });

  it('names the missing row', () => {
    const rows = rowsOf({ accuracy: uniform(WEAK, {}), movaExperts: ROUTED, concatExperts: ALL_FOUR });
    expect(() =>
      visionClaims(
        rows.filter((r) => r.variant !== 'dense-96'),
        TYPES,
      ),
    ).toThrow(/dense-96/);
  });
});

describe('vision rows: label quality and the router on the own type', () => {
  // Two test questions per content type (mnist, fashion-mnist, text, chart), four experts.
  const types = Int32Array.from([0, 0, 1, 1, 2, 2, 3, 3]);
  const n = types.length;
  const test: VqaSet = {
    n,
    size: 1,
    images: new Float32Array(n),
    type: types,
    label: new Int32Array(n),
    text: new Array<string>(n).fill(''),
    bars: Array.from({ length: n }, () => []),
    caption: new Int32Array(n),
    question: new Int32Array(n),
    tokens: new Int32Array(n),
    answer: new Int32Array(n),
  };
  // prettier-ignore
  const labels = Uint8Array.from([
    1, 0, 0, 0,  0, 1, 0, 0, // mnist
    0, 1, 0, 0,  0, 1, 0, 0, // fashion-mnist
    0, 0, 1, 0,  0, 0, 0, 0, // text
    1, 0, 0, 1,  0, 0, 0, 0, // chart
  ]);
  // prettier-ignore
  const routed = Uint8Array.from([
    1, 0, 0, 0,  0, 0, 0, 0,
    0, 1, 0, 0,  1, 1, 0, 0,
    0, 0, 0, 0,  0, 0, 0, 0,
    0, 0, 0, 1,  0, 0, 1, 1,
  ]);
  const result: ArmResult = {
    eval: {
      accuracy: 1,
      perType: [1, 1, 1, 1],
      perQuestion: QUESTIONS.map(() => NaN),
      expertsPerSample: 1,
      crossPerSample: 1,
      predictions: new Int32Array(n),
      routed,
      emptyRouted: 3,
      warnings: [],
    },
    trainSeconds: 0,
    latencyMs: 0,
    paramsTotal: 0,
    active: () => 0,
    flops: () => 0,
    labels,
  };

  it('reports per type the labelled and routed shares of the own expert, and questions with none', () => {
    const m = metricsOf(result, test);
    const got = (task: string) => {
      const { labelOnType, labelOffType, routerOnTypeRecall, noExpertShare } = m[task].metrics;
      return [labelOnType, labelOffType, routerOnTypeRecall, noExpertShare];
    };
    const expected: Record<string, number[]> = {
      mnist: [0.5, 1 / 6, 0.5, 0.5],
      'fashion-mnist': [1, 0, 1, 0],
      text: [0.5, 0, 0, 1],
      chart: [0.5, 1 / 6, 1, 0],
      all: [0.625, 1 / 12, 0.625, 3 / 8],
    };
    for (const [task, want] of Object.entries(expected))
      got(task).forEach((v, k) => expect(v).toBeCloseTo(want[k], 10));
  });
});
