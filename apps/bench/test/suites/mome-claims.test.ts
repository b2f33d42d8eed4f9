import { AvBackboneConfigSchema, momeOverlap, type AvRateEvaluation } from '@moe-zoo/multimodal';
import { momeClaims } from '../../src/suites/mome/claims';
import { perSampleOverlap } from '../../src/suites/mome/run-overlap';
import type { BenchRow } from '../../src/types';
import { mean, outcomes, seedRow } from '../fixtures/rows';

/** A MoME row from per-seed values and optional per-item outcomes. */
const row = (
  variant: string,
  perSeed: Record<string, number[]>,
  items?: Record<string, number[][]>,
): BenchRow => seedRow({ model: 'mome', variant, task: 'av-digits' }, perSeed, items);

/** Per-item values (3 seeds x n items) around `level`, with a deterministic wiggle of +-`wiggle`. */
function values(n: number, level: number, wiggle: number): number[][] {
  return Array.from({ length: 3 }, (_, s) =>
    Array.from({ length: n }, (_, i) => level + wiggle * Math.sin(1.7 * i + 0.9 * s)),
  );
}

/** Accuracy per seed at both high-compression pairs (same values for a8v1 and a8v2). */
const acc = (perSeed: number[], right?: number) => ({
  perSeed: { acc_a8v1: perSeed, acc_a8v2: perSeed, accuracy: perSeed },
  items:
    right === undefined
      ? undefined
      : { acc_a8v1: outcomes(200, [right, right, right]), acc_a8v2: outcomes(200, [right, right, right]) },
});

interface Setup {
  /** MoME's accuracy per seed (and how many of 200 test items it gets right, for McNemar). */
  mome?: { perSeed: number[]; right?: number };
  /** MoME's Jaccard per seed (both modalities) and its per-sample level, vs another sample's. */
  jaccard?: { aligned: number[]; other: number[]; items?: [number, number] };
  /** The per-rate-routers ablation's Jaccard per seed (absent: quick mode, no ablation row). */
  routers?: number[];
}

function rows(s: Setup = {}): BenchRow[] {
  const m = acc(s.mome?.perSeed ?? [0.66, 0.67, 0.65], s.mome?.right);
  const j = s.jaccard ?? { aligned: [0.62, 0.64, 0.63], other: [0.35, 0.36, 0.34] };
  const jaccard = {
    jaccardAudio: j.aligned,
    jaccardAudioOtherSample: j.other,
    jaccardVideo: j.aligned,
    jaccardVideoOtherSample: j.other,
  };
  const jaccardItems = j.items && {
    jaccardAudio: values(100, j.items[0], 0.2),
    jaccardAudioOtherSample: values(100, j.items[1], 0.2),
    jaccardVideo: values(100, j.items[0], 0.2),
    jaccardVideoOtherSample: values(100, j.items[1], 0.2),
  };
  const base = acc([0.6, 0.62, 0.61], s.mome?.right === undefined ? undefined : 120);
  const out = [
    row('frozen-backbone', acc([0.42, 0.45, 0.43]).perSeed),
    row('mome-e8k2-shared-router', { ...m.perSeed, ...jaccard }, { ...m.items, ...jaccardItems }),
    row('adapter-all-rates', base.perSeed, base.items),
    row('adapter-per-rate', { acc_a8v1: base.perSeed.acc_a8v1, acc_a8v2: base.perSeed.acc_a8v2 }, base.items),
  ];
  if (s.routers)
    out.push(
      row('mome-e8k2-per-rate-routers', {
        ...acc([0.66, 0.66, 0.66]).perSeed,
        jaccardAudio: s.routers,
        jaccardAudioOtherSample: [0.18, 0.18, 0.18],
        jaccardVideo: s.routers,
        jaccardVideoOtherSample: [0.2, 0.2, 0.2],
      }),
    );
  return out;
}

const claim = (rs: BenchRow[], id: string) => {
  const c = momeClaims(rs).find((x) => x.id === id);
  if (!c) throw new Error(`no claim ${id}`);
  return c;
};

describe('mome suite claims', () => {
  it('high compression: holds when MoME beats both baselines at a8v1 and a8v2 over seeds and items', () => {
    const c = claim(rows({ mome: { perSeed: [0.66, 0.67, 0.65], right: 150 } }), 'mome-high-compression');
    expect(c.parts).toHaveLength(4);
    expect(c.parts[0].tests.map((t) => t.test)).toEqual(['paired-t', 'mcnemar']);
    expect(c.verdict).toBe('holds');
  });

  it('high compression: fails when MoME is worse, inconclusive when the seeds disagree', () => {
    expect(claim(rows({ mome: { perSeed: [0.55, 0.56, 0.57] } }), 'mome-high-compression').verdict).toBe(
      'fails',
    );
    expect(claim(rows({ mome: { perSeed: [0.64, 0.6, 0.63] } }), 'mome-high-compression').verdict).toBe(
      'inconclusive',
    );
  });

  it('expert overlap: paired over seeds and test samples, all three ways', () => {
    const holds = claim(
      rows({ jaccard: { aligned: [0.62, 0.64, 0.63], other: [0.35, 0.36, 0.34], items: [0.63, 0.35] } }),
      'mome-expert-overlap',
    );
    expect(holds.parts[0].tests.map((t) => t.test)).toEqual(['paired-t', 'paired-items']);
    expect(holds.verdict).toBe('holds');
    const fails = claim(
      rows({ jaccard: { aligned: [0.2, 0.21, 0.19], other: [0.35, 0.36, 0.34], items: [0.2, 0.35] } }),
      'mome-expert-overlap',
    );
    expect(fails.verdict).toBe('fails');
    // Seeds disagree (t inconclusive) although the items say "above": inconclusive.
    const mixed = claim(
      rows({ jaccard: { aligned: [0.4, 0.3, 0.45], other: [0.35, 0.36, 0.34], items: [0.38, 0.35] } }),
      'mome-expert-overlap',
    );
    expect(mixed.verdict).toBe('inconclusive');
  });

  it('shared-router overlap: only with the ablation row; holds, fails or is inconclusive', () => {
    expect(momeClaims(rows()).map((c) => c.id)).toEqual(['mome-high-compression', 'mome-expert-overlap']);
    expect(claim(rows({ routers: [0.18, 0.17, 0.19] }), 'mome-shared-router-overlap').verdict).toBe('holds');
    expect(claim(rows({ routers: [0.7, 0.72, 0.71] }), 'mome-shared-router-overlap').verdict).toBe('fails');
    expect(claim(rows({ routers: [0.5, 0.7, 0.6] }), 'mome-shared-router-overlap').verdict).toBe(
      'inconclusive',
    );
  });
});

describe('mome per-sample overlap', () => {
  it('averages over samples to momeOverlap', () => {
    const backbone = AvBackboneConfigSchema.parse({});
    const n = 7;
    const k = 2;
    let x = 12345;
    const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31) % 8;
    const evalAt = (audio: number, video: number): AvRateEvaluation => {
      const tokens = backbone.audioTokens / audio + backbone.videoTokens / video;
      const layer = () => {
        const indices = new Int32Array(n * tokens * k);
        for (let t = 0; t < n * tokens; t++) {
          const a = next();
          indices[t * k] = a;
          indices[t * k + 1] = (a + 1 + (next() % 7)) % 8;
        }
        return { n, tokens, k, indices };
      };
      return { accuracy: 0, predictions: new Int32Array(n), routes: [layer(), layer()] };
    };
    const evals = { a2v1: evalAt(2, 1), a4v1: evalAt(4, 1), a8v1: evalAt(8, 1), a2v2: evalAt(2, 2) };
    const total = momeOverlap(evals, backbone);
    for (const modality of ['audio', 'video'] as const) {
      const s = perSampleOverlap(evals, backbone, modality);
      expect(s.aligned).toHaveLength(n);
      expect(mean(s.aligned)).toBeCloseTo(total[modality].aligned, 10);
      expect(mean(s.shuffled)).toBeCloseTo(total[modality].shuffled, 10);
    }
  });
});
