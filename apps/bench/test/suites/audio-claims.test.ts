import { audioClaims } from '../../src/suites/audio/claims';
import type { BenchRow } from '../../src/types';
import { outcomes, seedRow } from '../fixtures/rows';

/** An audio row from per-seed values and, optionally, 1/0 outcomes per test clip and seed. */
const row = (variant: string, perSeed: Record<string, number[]>, correct?: number[][]): BenchRow =>
  seedRow(
    { model: 'audio-transformer', variant, task: 'spoken-digits' },
    perSeed,
    correct && { accuracy: correct },
  );

/** Specialisation metrics per seed: observed TV, its shuffled mean and largest, the permutation p. */
interface Spec {
  tv: number[];
  shuffled: number[];
  p: number[];
}

const SPECIALISED: Spec = {
  tv: [0.44, 0.42, 0.46],
  shuffled: [0.06, 0.062, 0.061],
  p: [1 / 51, 1 / 51, 1 / 51],
};

function rows(o: {
  moe: number[];
  dense: number[];
  spec?: Spec;
  moeItems?: number[][];
  denseItems?: number[][];
}): BenchRow[] {
  const spec = o.spec ?? SPECIALISED;
  const seeds = spec.tv.length;
  const snr = (acc: number[]) => ({ acc_clean: acc.map((a) => a + 0.05), acc_0dB: acc.map((a) => a - 0.1) });
  return [
    row('dense-96', { accuracy: o.dense, ...snr(o.dense) }, o.denseItems),
    row(
      'moe-8x48-top2',
      {
        accuracy: o.moe,
        ...snr(o.moe),
        tvDigit: spec.tv,
        tvDigitShuffled: spec.shuffled,
        tvDigitShuffledMax: spec.shuffled.map((s) => s + 0.02),
        tvDigitP: spec.p,
        tvSnr: Array.from({ length: seeds }, () => 0.07),
        tvSnrShuffled: Array.from({ length: seeds }, () => 0.04),
      },
      o.moeItems,
    ),
  ];
}

const DENSE = [0.8, 0.81, 0.79];

describe('audio suite claims', () => {
  it('MoE vs dense: superiority holds, fails or is inconclusive with the paired accuracy difference', () => {
    const verdict = (moe: number[]) => audioClaims(rows({ moe, dense: DENSE }))[0];
    expect(verdict([0.83, 0.84, 0.82]).id).toBe('audio-moe-vs-dense');
    expect(verdict([0.83, 0.84, 0.82]).verdict).toBe('holds');
    expect(verdict([0.77, 0.78, 0.76]).verdict).toBe('fails');
    expect(verdict([0.82, 0.8, 0.81]).verdict).toBe('inconclusive');
    expect(verdict([0.83, 0.84, 0.82]).parts[0].rule).toEqual({ kind: 'superiority' });
  });

  it('MoE vs dense: McNemar over the shared clips joins the per-seed t (and decides alone with one seed)', () => {
    // MoE right on clips [0, 90), dense on [0, 80): 10 discordant clips per seed, all for MoE.
    const both = audioClaims(
      rows({
        moe: [0.83, 0.84, 0.82],
        dense: DENSE,
        moeItems: outcomes(100, [90, 90, 90]),
        denseItems: outcomes(100, [80, 80, 80]),
      }),
    )[0];
    expect(both.parts[0].tests.map((t) => t.test)).toEqual(['paired-t', 'mcnemar']);
    expect(both.verdict).toBe('holds');
    const oneSeed = (moeTo: number, denseTo: number) =>
      audioClaims(
        rows({
          moe: [moeTo / 200],
          dense: [denseTo / 200],
          spec: { tv: [0.4], shuffled: [0.06], p: [1 / 51] },
          moeItems: outcomes(200, [moeTo]),
          denseItems: outcomes(200, [denseTo]),
        }),
      )[0];
    expect(oneSeed(170, 150).parts[0].tests.map((t) => t.test)).toEqual(['mcnemar']);
    expect(oneSeed(170, 150).verdict).toBe('holds');
    expect(oneSeed(150, 170).verdict).toBe('fails');
    expect(oneSeed(160, 158).verdict).toBe('inconclusive');
  });

  it('specialisation: holds when every seed rejects the shuffled null and the excess over its mean is > 0', () => {
    const claim = audioClaims(rows({ moe: DENSE, dense: DENSE }))[1];
    expect(claim.id).toBe('audio-expert-specialisation');
    expect(claim.parts.map((p) => p.verdict)).toEqual(['holds', 'holds']);
    expect(claim.verdict).toBe('holds');
    expect(claim.evidence).toMatch(/permutation p per seed 0\.020, 0\.020, 0\.020/);
  });

  it('specialisation: fails when the observed TV is not above its shuffled mean across seeds', () => {
    const spec = { tv: [0.055, 0.06, 0.058], shuffled: [0.06, 0.063, 0.061], p: [0.7, 0.6, 0.65] };
    const claim = audioClaims(rows({ moe: DENSE, dense: DENSE, spec }))[1];
    // The permutation part never fails (a test that does not reject proves nothing); the t part does.
    expect(claim.parts.map((p) => p.verdict)).toEqual(['inconclusive', 'fails']);
    expect(claim.verdict).toBe('fails');
  });

  it('specialisation: inconclusive when one seed does not reject, or with one seed that does not', () => {
    const oneSeedMisses = {
      tv: [0.44, 0.42, 0.46],
      shuffled: [0.06, 0.062, 0.061],
      p: [1 / 51, 3 / 51, 1 / 51],
    };
    expect(audioClaims(rows({ moe: DENSE, dense: DENSE, spec: oneSeedMisses }))[1].verdict).toBe(
      'inconclusive',
    );
    const single = (p: number) =>
      audioClaims(rows({ moe: [0.8], dense: [0.8], spec: { tv: [0.1], shuffled: [0.06], p: [p] } }))[1];
    // With one seed only the permutation test is informative: it holds or is inconclusive, never fails.
    expect(single(1 / 51).parts).toHaveLength(1);
    expect(single(1 / 51).verdict).toBe('holds');
    expect(single(0.5).verdict).toBe('inconclusive');
  });
});
