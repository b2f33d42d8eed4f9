import { coreClaims } from '../../src/suites/core/claims';
import type { BenchRow } from '../../src/types';
import { outcomes, seedRow } from '../fixtures/rows';

/** A row with per-seed accuracy and MaxVio and, optionally, 0/1 outcomes on shared test images. */
const row = (variant: string, accuracy: number[], maxVio: number[], correct?: number[][]): BenchRow =>
  seedRow(
    { model: 'token-classifier', variant, task: 'x' },
    { accuracy, maxVio },
    correct && { accuracy: correct },
  );

function balancing(lf: { acc: number[]; vio: number[] }): BenchRow[] {
  return [
    row('none', [0.7, 0.7, 0.7], [2, 2, 2]),
    row('aux-1e-3', [0.8, 0.81, 0.8], [1.0, 1.1, 1.2]),
    row('aux-1e-2', [0.8, 0.8, 0.81], [0.8, 0.9, 0.85]),
    row('loss-free-1e-3', lf.acc, lf.vio),
  ];
}

function deepseek(fine: number[], fineItems?: number[][], gItems?: number[][]): BenchRow[] {
  return [
    row('gshard-8x64-top2', [0.8, 0.81, 0.82], [0, 0, 0], gItems),
    row('shared1-fine-31x16-top7', fine, [0, 0, 0], fineItems),
  ];
}

describe('core suite claims', () => {
  it('loss-free: holds only when MaxVio and accuracy both beat each aux arm', () => {
    const claims = coreClaims(
      balancing({ acc: [0.85, 0.86, 0.855], vio: [0.2, 0.25, 0.22] }),
      deepseek([0.8, 0.81, 0.82]),
    );
    expect(claims[0].id).toBe('loss-free-balancing');
    expect(claims[0].parts).toHaveLength(4);
    expect(claims[0].verdict).toBe('holds');
  });

  it('loss-free: better balance at a tied accuracy is inconclusive, worse balance fails', () => {
    const tied = coreClaims(
      balancing({ acc: [0.79, 0.82, 0.8], vio: [0.2, 0.25, 0.22] }),
      deepseek([0.8, 0.81, 0.82]),
    );
    expect(tied[0].verdict).toBe('inconclusive');
    const worse = coreClaims(
      balancing({ acc: [0.85, 0.86, 0.855], vio: [1.5, 1.6, 1.7] }),
      deepseek([0.8, 0.81, 0.82]),
    );
    expect(worse[0].verdict).toBe('fails');
  });

  it('DeepSeekMoE: holds, fails or is inconclusive with the paired accuracy difference', () => {
    const b = balancing({ acc: [0.85, 0.86, 0.855], vio: [0.2, 0.25, 0.22] });
    expect(coreClaims(b, deepseek([0.83, 0.84, 0.85]))[1].verdict).toBe('holds');
    expect(coreClaims(b, deepseek([0.78, 0.79, 0.8]))[1].verdict).toBe('fails');
    expect(coreClaims(b, deepseek([0.82, 0.8, 0.83]))[1].verdict).toBe('inconclusive');
  });

  it('DeepSeekMoE: McNemar over shared test images joins the per-seed t', () => {
    const b = balancing({ acc: [0.85, 0.86, 0.855], vio: [0.2, 0.25, 0.22] });
    // The per-seed t holds (+0.03 every seed). Fine right on [0, 83), GShard on [5, 85): 15 vs 6
    // discordant images over 3 seeds (exact p = 0.078) is not decisive; [0, 83) vs [0, 80) is 9 vs 0.
    const claim = coreClaims(
      b,
      deepseek([0.83, 0.84, 0.85], outcomes(100, [83, 83, 83]), outcomes(100, [80, 80, 80], 5)),
    )[1];
    expect(claim.parts[0].tests.map((t) => t.test)).toEqual(['paired-t', 'mcnemar']);
    expect(claim.parts[0].tests[1].pValue).toBeCloseTo(0.0784, 3);
    expect(claim.verdict).toBe('inconclusive');
    const clear = coreClaims(
      b,
      deepseek([0.83, 0.84, 0.85], outcomes(100, [83, 83, 83]), outcomes(100, [80, 80, 80])),
    )[1];
    expect(clear.verdict).toBe('holds');
  });
});
