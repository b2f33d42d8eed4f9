import { compressionClaims, PRUNE_MARGIN, SUB_BIT_MARGIN } from '../../src/suites/compression/claims';
import type { BenchRow } from '../../src/types';
import { outcomes, seedRow } from '../fixtures/rows';

const N = 1000;

/** A compression row of one model: accuracy from `right` correct items per seed (items [0, right)). */
function row(
  variant: string,
  right: number[],
  moe: { moeParams: number; moeActive: number },
  extra: Record<string, number> = {},
): BenchRow {
  const perSeed = (v: number) => right.map(() => v);
  return seedRow(
    { model: 'zoo-model', variant, task: 'audio' },
    {
      accuracy: right.map((r) => r / N),
      moeParams: perSeed(moe.moeParams),
      moeActive: perSeed(moe.moeActive),
      ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, perSeed(v)])),
    },
    { accuracy: outcomes(N, right) },
  );
}

const FLOAT_MOE = { moeParams: 1000, moeActive: 300 };

function rows(o: {
  compressed?: number[];
  compressedActive?: number;
  pruned?: number[];
  merged?: number[];
  mixed?: number[];
  ternary?: number[];
  codeBits?: number;
  dense?: { right: number[]; storedKB: number };
}): BenchRow[] {
  const float = [800, 800];
  const dense = o.dense
    ? [row('dense-40-equal-bytes', o.dense.right, FLOAT_MOE, { storedKB: o.dense.storedKB })]
    : [];
  return [
    row('float', float, FLOAT_MOE),
    row('compressed-experts-r8', o.compressed ?? float, {
      moeParams: 1200,
      moeActive: o.compressedActive ?? 200,
    }),
    row('prune-saliency-keep6', o.pruned ?? float, { moeParams: 750, moeActive: 300 }),
    row('subspace-merge-4groups-r24', o.merged ?? float, { moeParams: 760, moeActive: 300 }),
    row('mixed-precision-2.5bit', o.mixed ?? float, FLOAT_MOE, { moeBitsPerParam: 4, storedKB: 100 }),
    row('qmoe-ternary-huffman', o.ternary ?? float, FLOAT_MOE, {
      moeBitsPerParam: 3,
      codeBitsPerWeight: o.codeBits ?? 0.9,
    }),
    ...dense,
  ];
}

const byId = (claims: ReturnType<typeof compressionClaims>, id: string) => {
  const c = claims.find((x) => x.id === id);
  if (!c) throw new Error(`no claim ${id}`);
  return c;
};

describe('compression suite claims', () => {
  it('compressed experts: holds with 90% of the quality kept and active MoE parameters at most 0.7x', () => {
    expect(
      byId(compressionClaims(rows({ compressed: [790, 795] })), 'compressed-experts-audio').verdict,
    ).toBe('holds');
    // 70% of the float accuracy: the kept-quality part fails.
    expect(
      byId(compressionClaims(rows({ compressed: [560, 560] })), 'compressed-experts-audio').verdict,
    ).toBe('fails');
    // Too many active parameters (0.8x): the exact part fails even when the quality is kept.
    expect(
      byId(
        compressionClaims(rows({ compressed: [800, 800], compressedActive: 240 })),
        'compressed-experts-audio',
      ).verdict,
    ).toBe('fails');
  });

  it(`pruning: parity within ${PRUNE_MARGIN} of the float accuracy, paired per item`, () => {
    expect(byId(compressionClaims(rows({ pruned: [800, 800] })), 'expert-pruning-audio').verdict).toBe(
      'holds',
    );
    expect(byId(compressionClaims(rows({ pruned: [700, 700] })), 'expert-pruning-audio').verdict).toBe(
      'fails',
    );
    // 1.5 points lower on average, 0.5 to 2.5 per seed: neither within the margin nor beyond it.
    expect(byId(compressionClaims(rows({ pruned: [775, 795] })), 'expert-pruning-audio').verdict).toBe(
      'inconclusive',
    );
  });

  it('subspace merging: 96% of the quality with at most 80% of the MoE parameters', () => {
    const claim = byId(compressionClaims(rows({ merged: [800, 799] })), 'subspace-merge-audio');
    expect(claim.verdict).toBe('holds');
    expect(claim.parts.map((p) => p.verdict)).toEqual(['holds', 'holds']);
    expect(byId(compressionClaims(rows({ merged: [600, 600] })), 'subspace-merge-audio').verdict).toBe(
      'fails',
    );
  });

  it('mixed precision: 96% of the quality at the 2.5-bit budget', () => {
    expect(byId(compressionClaims(rows({ mixed: [790, 792] })), 'mixed-precision-audio').verdict).toBe(
      'holds',
    );
    expect(byId(compressionClaims(rows({ mixed: [700, 700] })), 'mixed-precision-audio').verdict).toBe(
      'fails',
    );
  });

  it(`QMoE: below 1 code bit per weight and within ${SUB_BIT_MARGIN} of the float accuracy`, () => {
    expect(byId(compressionClaims(rows({ ternary: [800, 800] })), 'qmoe-sub-1-bit-audio').verdict).toBe(
      'holds',
    );
    // 1.6 bits per weight (dense ternary codes): the exact part fails whatever the accuracy.
    expect(
      byId(compressionClaims(rows({ ternary: [800, 800], codeBits: 1.6 })), 'qmoe-sub-1-bit-audio').verdict,
    ).toBe('fails');
    expect(byId(compressionClaims(rows({ ternary: [700, 700] })), 'qmoe-sub-1-bit-audio').verdict).toBe(
      'fails',
    );
  });

  it('compressed vs dense of equal bytes: superiority per item, and the dense model no larger', () => {
    expect(compressionClaims(rows({})).some((c) => c.id === 'compressed-beats-dense-audio')).toBe(false);
    const claim = (dense: { right: number[]; storedKB: number }, mixed?: number[]) =>
      byId(compressionClaims(rows({ dense, mixed })), 'compressed-beats-dense-audio');
    expect(claim({ right: [700, 700], storedKB: 99 }).verdict).toBe('holds');
    expect(claim({ right: [800, 800], storedKB: 99 }, [700, 700]).verdict).toBe('fails');
    expect(claim({ right: [795, 795], storedKB: 99 }, [800, 790]).verdict).toBe('inconclusive');
    // A dense model larger than the compressed one is no reference: the bytes part fails.
    expect(claim({ right: [700, 700], storedKB: 101 }).parts.map((p) => p.verdict)).toEqual([
      'holds',
      'fails',
    ]);
  });
});
