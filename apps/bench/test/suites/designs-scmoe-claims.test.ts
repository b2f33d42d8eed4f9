import { scmoeClaim } from '../../src/suites/designs/scmoe-claims';
import type { BenchRow } from '../../src/types';
import { outcomes, seedRow } from '../fixtures/rows';

const ITEMS = 1000;

/** Accuracy per number of steps (placeholders: the claim reports them, it does not test them). */
const bySteps = { 'acc:steps-1': [0.9], 'acc:steps-2': [0.5], 'acc:steps-3': [0.3] };

/** The three decodings of one seed's model, each right on the first `right` test items. */
function rows(top2: number, rank2: number, scmoe: number): BenchRow[] {
  const row = (variant: string, right: number): BenchRow =>
    seedRow(
      { model: 'token-classifier', variant, task: 'arithmetic' },
      { accuracy: [right / ITEMS], ...bySteps },
      { accuracy: outcomes(ITEMS, [right]) },
    );
  return [row('top2-greedy', top2), row('rank2-greedy', rank2), row('scmoe-top2-rank2', scmoe)];
}

describe('designs suite SCMoE claim', () => {
  it('holds when the contrast is right on more test items than greedy top-2 (McNemar)', () => {
    const claim = scmoeClaim(rows(450, 300, 520));
    expect(claim.id).toBe('scmoe-self-contrast');
    expect(claim.verdict).toBe('holds');
    expect(claim.parts[0].tests.map((t) => t.test)).toEqual(['mcnemar']);
    expect(claim.evidence).toContain('per number of steps');
  });

  it('fails when the contrast is right on fewer items', () => {
    expect(scmoeClaim(rows(450, 300, 380)).verdict).toBe('fails');
  });

  it('is inconclusive on a small difference, and a tie is never a hold', () => {
    expect(scmoeClaim(rows(450, 300, 455)).verdict).toBe('inconclusive');
    expect(scmoeClaim(rows(450, 300, 450)).verdict).not.toBe('holds');
  });

  it('over seeds: the paired t joins McNemar', () => {
    const seeds = (variant: string, acc: number[], right: number[]): BenchRow =>
      seedRow(
        { model: 'token-classifier', variant, task: 'arithmetic' },
        {
          accuracy: acc,
          ...Object.fromEntries(Object.entries(bySteps).map(([k, v]) => [k, [v[0], v[0], v[0]]])),
        },
        { accuracy: outcomes(ITEMS, right) },
      );
    const claim = scmoeClaim([
      seeds('top2-greedy', [0.45, 0.46, 0.44], [450, 460, 440]),
      seeds('rank2-greedy', [0.3, 0.3, 0.3], [300, 300, 300]),
      seeds('scmoe-top2-rank2', [0.52, 0.53, 0.515], [520, 530, 515]),
    ]);
    expect(claim.parts[0].tests.map((t) => t.test)).toEqual(['paired-t', 'mcnemar']);
    expect(claim.verdict).toBe('holds');
  });
});
