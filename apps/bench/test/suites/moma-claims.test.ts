import { momaClaims } from '../../src/suites/moma/claims';
import type { BenchRow } from '../../src/types';
import { mean, seedRow } from '../fixtures/rows';

/** Per-sequence losses (3 seeds x 64 sequences) around `level`, with a deterministic wiggle shared by every arm. */
function perSequence(level: number): number[][] {
  return Array.from({ length: 3 }, (_, s) =>
    Array.from({ length: 64 }, (_, i) => level + 0.3 * Math.sin(1.3 * i + 0.7 * s)),
  );
}

/** Losses of one arm per seed; items are per-sequence losses at the arm's mean level. */
interface Losses {
  loss: number[];
  lossText: number[];
  lossImage: number[];
  lossCausal?: number[];
}

const EXTRA = [
  'lossTextCausal',
  'lossImageCausal',
  'expertsPerTokenCausal',
  'auxRouterAccuracy',
  'auxRouterRecall',
  'flopsSavingsText',
  'flopsSavingsImage',
  'flopsSavings',
];

function row(variant: string, l: Losses, withItems: boolean): BenchRow {
  const perSeed: Record<string, number[]> = { loss: l.loss, lossText: l.lossText, lossImage: l.lossImage };
  if (l.lossCausal) {
    perSeed.lossCausal = l.lossCausal;
    for (const k of EXTRA) perSeed[k] = [1, 1, 1];
  }
  const items = Object.fromEntries(Object.entries(perSeed).map(([k, v]) => [k, perSequence(mean(v))]));
  return seedRow({ model: 'moma', variant, task: 'interleaved-lm' }, perSeed, withItems ? items : undefined);
}

const DENSE: Losses = {
  loss: [1.42, 1.41, 1.43],
  lossText: [0.74, 0.75, 0.73],
  lossImage: [1.57, 1.56, 1.58],
};
const MIXED: Losses = {
  loss: [1.41, 1.4, 1.42],
  lossText: [0.68, 0.67, 0.69],
  lossImage: [1.57, 1.57, 1.57],
  lossCausal: [1.42, 1.42, 1.43],
};
/** Better than dense and mixed by a steady margin on every seed. */
const GOOD: Losses = {
  loss: [1.38, 1.37, 1.39],
  lossText: [0.67, 0.66, 0.68],
  lossImage: [1.54, 1.53, 1.55],
  lossCausal: [1.385, 1.375, 1.395],
};
/** Worse than dense and mixed on every seed. */
const BAD: Losses = {
  loss: [1.46, 1.45, 1.47],
  lossText: [0.78, 0.79, 0.77],
  lossImage: [1.6, 1.59, 1.61],
  lossCausal: [1.47, 1.46, 1.48],
};
/** Seeds disagree with dense and mixed: better on two seeds, worse on one. */
const NOISY: Losses = {
  loss: [1.36, 1.45, 1.4],
  lossText: [0.7, 0.78, 0.69],
  lossImage: [1.52, 1.62, 1.54],
  lossCausal: [1.36, 1.46, 1.39],
};

const verdicts = (moma: Losses, withItems = true) =>
  Object.fromEntries(
    momaClaims([
      row('dense-swiglu64', DENSE, withItems),
      row('ec-mixed-8x64', MIXED, withItems),
      row('moma-4t4i-ec', moma, withItems),
    ]).map((c) => [c.id, c.verdict]),
  );

describe('moma suite claims', () => {
  it('every claim holds when MoMa has lower losses over seeds and sequences', () => {
    expect(verdicts(GOOD)).toEqual({
      'moma-per-modality-loss': 'holds',
      'moma-vs-mixed-experts': 'holds',
      'moma-causal-aux-routers': 'holds',
    });
  });

  it('every claim fails when MoMa has higher losses', () => {
    expect(verdicts(BAD)).toEqual({
      'moma-per-modality-loss': 'fails',
      'moma-vs-mixed-experts': 'fails',
      'moma-causal-aux-routers': 'fails',
    });
  });

  it('seeds that disagree leave every claim inconclusive (per-seed t only)', () => {
    expect(verdicts(NOISY, false)).toEqual({
      'moma-per-modality-loss': 'inconclusive',
      'moma-vs-mixed-experts': 'inconclusive',
      'moma-causal-aux-routers': 'inconclusive',
    });
  });

  it('compares per-sequence losses as paired items beside the per-seed t, lower is better', () => {
    const rows = [
      row('dense-swiglu64', DENSE, true),
      row('ec-mixed-8x64', MIXED, true),
      row('moma-4t4i-ec', GOOD, true),
    ];
    const [perModality, , causal] = momaClaims(rows);
    expect(perModality.parts.map((p) => p.quantity)).toEqual([
      'lossText: dense-swiglu64 - moma-4t4i-ec (lower is better)',
      'lossImage: dense-swiglu64 - moma-4t4i-ec (lower is better)',
    ]);
    expect(causal.parts[0].tests.map((t) => t.test)).toEqual(['paired-t', 'paired-items']);
    expect(causal.parts[0].tests[1].estimate).toBeCloseTo(mean(DENSE.loss) - mean(GOOD.lossCausal ?? []), 6);
  });
});
