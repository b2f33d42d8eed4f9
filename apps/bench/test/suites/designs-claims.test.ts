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

/** Overrides of the later arms' per-seed metrics (and MoH's active head share, JetMoE's active parameters). */
interface Later {
  rmoe?: Record<string, number[]>;
  mpo?: Record<string, number[]>;
  mpoParams?: number;
  moh?: Record<string, number[]>;
  jet?: Record<string, number[]>;
  jetActive?: number;
  bam?: Record<string, number[]>;
  mix?: Record<string, number[]>;
  dyn?: Record<string, number[]>;
}

/** The routed-attention and upcycling rows: by default each claim's A side better (or on par) on every seed. */
function attentionRows(o: Later): BenchRow[] {
  const attention = (variant: string, s: Record<string, number[]>, extra = {}): BenchRow =>
    seedRow(
      { model: 'token-classifier', variant, task: 'routed-attention' },
      { testLoss: [0.6, 0.61, 0.6], activeHeadFraction: [1, 1, 1], ...s },
      undefined,
      extra,
    );
  const upcycled = (variant: string, s: Record<string, number[]>): BenchRow =>
    seedRow(
      { model: 'token-classifier', variant, task: 'upcycling' },
      { activeHeadFraction: [1, 1, 1], ...s },
      undefined,
      {
        paramsActive: 19594,
      },
    );
  return [
    attention('mha-8-heads', { accuracy: [0.8, 0.81, 0.8] }),
    attention('moh-8-heads', {
      accuracy: [0.8, 0.805, 0.8],
      activeHeadFraction: [0.75, 0.75, 0.75],
      ...o.moh,
    }),
    attention(
      'jetmoe-moa-moe',
      { accuracy: [0.84, 0.85, 0.84], ...o.jet },
      { paramsActive: o.jetActive ?? 19674 },
    ),
    upcycled('dense-ffn64', { accuracy: [0.8, 0.81, 0.8], testLoss: [0.6, 0.62, 0.61] }),
    upcycled('ffn-upcycled', { accuracy: [0.81, 0.82, 0.81], testLoss: [0.58, 0.6, 0.59] }),
    upcycled('bam-upcycled', { accuracy: [0.83, 0.84, 0.83], testLoss: [0.5, 0.52, 0.51], ...o.bam }),
  ];
}

/** RMoE's and the LoRA arms' rows: by default each claim's A side better on every seed. */
function laterRows(o: Later): BenchRow[] {
  const recurrent = (variant: string, s: Record<string, number[]>): BenchRow =>
    seedRow({ model: 'token-classifier', variant, task: 'recurrent-routing' }, s);
  const lora = (variant: string, s: Record<string, number[]>): BenchRow =>
    seedRow(
      { model: 'lora-classifier', variant, task: 'multitask-lora' },
      {
        testLoss: [1, 1, 1],
        'acc:digits': [0.5, 0.5, 0.5],
        'acc:digits-inverted': [0.5, 0.5, 0.5],
        'acc:fashion-transposed': [0.5, 0.5, 0.5],
        trainableParams: [6730, 6730, 6730],
        baseAccuracy: [0.7, 0.7, 0.7],
        zeroShotAccuracy: [0.1, 0.1, 0.1],
        ...s,
      },
    );
  const routing = { routingMI: [0.5, 0.5, 0.5], routerParams: [1712, 1712, 1712] };
  return [
    recurrent('rmoe-gru', {
      ...routing,
      accuracy: [0.82, 0.83, 0.82],
      testLoss: [0.5, 0.51, 0.5],
      ...o.rmoe,
    }),
    recurrent('independent-mlp', { ...routing, accuracy: [0.8, 0.81, 0.8], testLoss: [0.6, 0.62, 0.61] }),
    seedRow(
      { model: 'token-classifier', variant: 'mpo-experts', task: 'routing' },
      { ...BASE, ...o.mpo },
      undefined,
      { paramsTotal: o.mpoParams ?? 55 },
    ),
    ...attentionRows(o),
    lora('lora-single', { accuracy: [0.6, 0.61, 0.6] }),
    lora('mixlora', { accuracy: [0.65, 0.66, 0.65], ...o.mix }),
    lora('dynmole', { accuracy: [0.7, 0.71, 0.7], ...o.dyn }),
  ];
}

function rows(
  o: Later & {
    norm?: Partial<Seeds>;
    adaptive?: Partial<Seeds>;
    evo?: Partial<Seeds>;
  },
): BenchRow[] {
  const norm = { ...BASE, entropy: [0.9, 1.0, 0.95], expertSim: [0.05, 0.06, 0.055], ...o.norm };
  return [
    ...laterRows(o),
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
      'rmoe-recurrent-router',
      'mpo-experts',
      'moh-heads',
      'jetmoe-attention-ffn-experts',
      'bam-vs-ffn-upcycling',
      'mixlora-vs-lora',
      'dynmole-vs-mixlora',
    ]);
    expect(verdicts(rows({}))).toEqual(Array(10).fill('holds'));
  });

  it('fail when the paired difference goes the other way', () => {
    const r = rows({
      norm: { entropy: [1.9, 2.0, 1.95] },
      adaptive: { accuracy: [0.7, 0.71, 0.7] },
      evo: { earlyLoss: [1.4, 1.45, 1.42] },
      rmoe: { testLoss: [0.7, 0.72, 0.71] },
      mpo: { accuracy: [0.7, 0.71, 0.7] },
      moh: { accuracy: [0.7, 0.71, 0.7] },
      jet: { accuracy: [0.7, 0.71, 0.7] },
      bam: { testLoss: [0.7, 0.72, 0.71] },
      mix: { accuracy: [0.5, 0.51, 0.5] },
      dyn: { accuracy: [0.4, 0.41, 0.4] },
    });
    expect(verdicts(r)).toEqual(Array(10).fill('fails'));
  });

  it('are inconclusive on a noisy difference', () => {
    const r = rows({
      norm: { expertSim: [0.05, 0.2, 0.08] },
      adaptive: { dropRate: [0.1, 0.2, 0.05] },
      evo: { testLoss: [0.5, 0.7, 0.6] },
      rmoe: { accuracy: [0.7, 0.9, 0.8] },
      mpo: { accuracy: [0.7, 0.9, 0.75] },
      moh: { accuracy: [0.7, 0.9, 0.75] },
      jet: { accuracy: [0.75, 0.95, 0.8] },
      bam: { accuracy: [0.75, 0.95, 0.8] },
      mix: { accuracy: [0.55, 0.75, 0.62] },
      dyn: { accuracy: [0.6, 0.72, 0.6] },
    });
    expect(verdicts(r)).toEqual(Array(10).fill('inconclusive'));
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
      ...laterRows({}).filter((r) => r.variant !== 'mpo-experts'),
      seedRow(
        { model: 'token-classifier', variant: 'mpo-experts', task: 'routing' },
        { ...one(BASE) },
        undefined,
        {
          paramsTotal: 55,
        },
      ),
    ];
    const claims = designsClaims(r);
    expect(claims[0].parts.map((p) => p.verdict)).toEqual(['holds', 'inconclusive', 'holds']);
    expect(claims[0].verdict).toBe('inconclusive');
  });

  it('MPO experts: the parameter ratio decides alone when it is above 0.6x', () => {
    const claim = designsClaims(rows({ mpoParams: 70 })).find((c) => c.id === 'mpo-experts');
    expect(claim?.parts.map((p) => p.verdict)).toEqual(['holds', 'fails']);
    expect(claim?.verdict).toBe('fails');
  });

  it('counted parts decide alone: more than 90% of the heads or 5% more active parameters fail', () => {
    const claims = designsClaims(rows({ moh: { activeHeadFraction: [1, 1, 1] }, jetActive: 21000 }));
    const byId = Object.fromEntries(claims.map((c) => [c.id, c]));
    expect(byId['moh-heads'].parts.map((p) => p.verdict)).toEqual(['holds', 'fails']);
    expect(byId['jetmoe-attention-ffn-experts'].parts.map((p) => p.verdict)).toEqual(['holds', 'fails']);
    expect([byId['moh-heads'].verdict, byId['jetmoe-attention-ffn-experts'].verdict]).toEqual([
      'fails',
      'fails',
    ]);
  });

  it('one seed: BAM is decided by the per-item tests over the test images', () => {
    const one = (v: number[]): number[] => v.slice(0, 1);
    const loss = (base: number): number[][] => [Array.from({ length: 200 }, (_, i) => base + (i % 9) * 0.02)];
    const all = rows({}).map((r): BenchRow => {
      const perSeed = Object.fromEntries(Object.entries(r.perSeed ?? {}).map(([k, v]) => [k, one(v)]));
      if (r.task !== 'upcycling') return { ...r, perSeed };
      const better = r.variant === 'bam-upcycled';
      return {
        ...r,
        perSeed,
        items: { accuracy: outcomes(200, [better ? 170 : 150]), testLoss: loss(better ? 0.5 : 0.6) },
      };
    });
    const bam = designsClaims(all).find((c) => c.id === 'bam-vs-ffn-upcycling');
    expect(bam?.parts.map((p) => p.verdict)).toEqual(['holds', 'holds']);
    expect(bam?.parts[0].tests.map((t) => t.test)).not.toContain('paired-t');
  });
});
