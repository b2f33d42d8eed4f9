import type { MoiieArm } from '@moe-zoo/multimodal';
import { moiieVariant, type MoteRowKey } from '../../src/suites/multimodal-vqa/arms';
import {
  EQUAL_COUNT_MARGIN,
  multimodalVqaClaims,
  type VqaRows,
} from '../../src/suites/multimodal-vqa/claims';
import { SHARED_EXPERTS, SIGNALS, signalsOf } from '../../src/suites/multimodal-vqa/run-signals';
import type { BenchRow, Claim } from '../../src/types';
import { outcomes, seedRow } from '../fixtures/rows';

const SMALL = 200;
const BIG = 800;

/** A digit-VQA row with per-seed accuracy (and expert bytes) and, optionally, 0/1 outcomes per question. */
const row = (variant: string, accuracy: number[], correct?: number[][]): BenchRow =>
  seedRow(
    { model: 'vqa', variant, task: 'digit-vqa' },
    { accuracy, expertBytes: accuracy.map(() => 1000) },
    correct && { accuracy: correct },
  );

/** Per-seed accuracies (three seeds) of the grid arms at one size; absent arms get the defaults. */
type SizeAccuracies = Partial<Record<MoiieArm, number[]>>;

const BASELINES: Record<Exclude<MoiieArm, 'moiie'>, number[]> = {
  dense: [0.7, 0.72, 0.71],
  vanilla: [0.71, 0.72, 0.7],
  modality: [0.72, 0.71, 0.72],
};

function grid(small: SizeAccuracies, big: SizeAccuracies): BenchRow[] {
  const arms = (size: number, acc: SizeAccuracies) =>
    (['dense', 'vanilla', 'modality', 'moiie'] as const).map((arm) =>
      row(moiieVariant(arm, size), acc[arm] ?? (arm === 'moiie' ? BASELINES.modality : BASELINES[arm])),
    );
  return [...arms(SMALL, small), ...arms(BIG, big)];
}

const MOTE_DEFAULTS: Record<MoteRowKey, number[]> = {
  source: [0.8, 0.81, 0.8],
  mote: [0.82, 0.83, 0.82],
  binary: [0.82, 0.83, 0.82],
  random: [0.82, 0.83, 0.82],
  'fp-count': [0.82, 0.83, 0.82],
  'fp-memory': [0.82, 0.83, 0.82],
  'dense-cont': [0.82, 0.83, 0.82],
};

function mote(acc: Partial<Record<MoteRowKey, number[]>>): Record<MoteRowKey, BenchRow> {
  const keys = Object.keys(MOTE_DEFAULTS) as MoteRowKey[];
  return Object.fromEntries(keys.map((k) => [k, row(k, acc[k] ?? MOTE_DEFAULTS[k])])) as Record<
    MoteRowKey,
    BenchRow
  >;
}

function claims(rows: Partial<VqaRows>): Claim[] {
  return multimodalVqaClaims({
    moiie: rows.moiie ?? grid({}, {}),
    sizes: rows.sizes ?? [SMALL, BIG],
    mote: rows.mote ?? mote({}),
  });
}

function claim(all: Claim[], id: string): Claim {
  const c = all.find((x) => x.id === id);
  if (!c) throw new Error(`no claim ${id}`);
  return c;
}

describe('multimodal-vqa claims', () => {
  it('has the eight claim ids, in the papers’ direction', () => {
    const all = claims({});
    expect(all.map((c) => c.id)).toEqual([
      'moiie-ordering',
      'moiie-data-scaling',
      'mote-float-gain',
      'mote-float-capacity',
      'mote-equal-memory',
      'mote-equal-count',
      'mote-ternary-vs-binary',
      'mote-ffn-init',
    ]);
    expect(claim(all, 'moiie-ordering').parts.map((p) => p.rule.kind)).toEqual([
      'superiority',
      'superiority',
    ]);
    expect(claim(all, 'mote-equal-count').parts[0].rule).toEqual({
      kind: 'parity',
      margin: EQUAL_COUNT_MARGIN,
    });
    expect(claim(all, 'mote-equal-count').statement).toContain(String(EQUAL_COUNT_MARGIN));
  });

  it('moiie-ordering: holds, fails or is inconclusive with MoIIE against modality and vanilla at the largest size', () => {
    const verdict = (moiie: number[]) =>
      claim(claims({ moiie: grid({}, { moiie }) }), 'moiie-ordering').verdict;
    expect(verdict([0.8, 0.81, 0.8])).toBe('holds');
    expect(verdict([0.6, 0.61, 0.6])).toBe('fails');
    expect(verdict([0.75, 0.68, 0.72])).toBe('inconclusive');
  });

  it('moiie-ordering: beating modality but not vanilla is not a hold', () => {
    const rows = grid({}, { moiie: [0.75, 0.74, 0.75], vanilla: [0.8, 0.81, 0.8] });
    expect(claim(claims({ moiie: rows }), 'moiie-ordering').verdict).toBe('fails');
  });

  it('moiie-data-scaling: the lead over the best baseline must grow from the smallest to the largest size', () => {
    const verdict = (small: number[], big: number[]) =>
      claim(claims({ moiie: grid({ moiie: small }, { moiie: big }) }), 'moiie-data-scaling').verdict;
    // best baseline is modality at both sizes: leads (small, big) per seed.
    expect(verdict([0.72, 0.71, 0.72], [0.8, 0.81, 0.8])).toBe('holds');
    expect(verdict([0.8, 0.81, 0.8], [0.72, 0.71, 0.72])).toBe('fails');
    expect(verdict([0.74, 0.7, 0.72], [0.72, 0.74, 0.73])).toBe('inconclusive');
  });

  it('moiie-data-scaling: left out with a single training-set size', () => {
    const one = grid({}, {}).filter((r) => r.variant.endsWith(`n=${BIG}`));
    const ids = claims({ moiie: one, sizes: [BIG] }).map((c) => c.id);
    expect(ids).not.toContain('moiie-data-scaling');
    expect(ids).toContain('moiie-ordering');
  });

  it('one seed with per-question outcomes: McNemar decides the comparisons and the 0/1 leads', () => {
    const n = 800;
    const one = (arm: MoiieArm, size: number, right: number) =>
      row(moiieVariant(arm, size), [right / n], outcomes(n, [right]));
    const rows = [
      one('dense', SMALL, 560),
      one('vanilla', SMALL, 570),
      one('modality', SMALL, 580),
      one('moiie', SMALL, 590),
      one('dense', BIG, 600),
      one('vanilla', BIG, 610),
      one('modality', BIG, 620),
      one('moiie', BIG, 700),
    ];
    const moteRows = Object.fromEntries(
      (Object.keys(MOTE_DEFAULTS) as MoteRowKey[]).map((k) => [k, row(k, [0.8], outcomes(n, [640]))]),
    ) as Record<MoteRowKey, BenchRow>;
    const all = claims({ moiie: rows, mote: moteRows });
    const ordering = claim(all, 'moiie-ordering');
    expect(ordering.parts.map((p) => p.tests.map((t) => t.test))).toEqual([['mcnemar'], ['mcnemar']]);
    expect(ordering.verdict).toBe('holds');
    // Leads: +10 questions at n=200 (vs modality), +80 at n=800; per-question leads are 0/1 here.
    const scaling = claim(all, 'moiie-data-scaling');
    expect(scaling.parts[0].tests).toHaveLength(1);
    expect(scaling.parts[0].tests[0].estimate).toBeCloseTo(70 / n, 12);
    expect(scaling.verdict).toBe('holds');
    // Identical outcomes: MoTE is exactly as accurate as the FP MoE, so not superior but within the margin.
    expect(claim(all, 'mote-equal-memory').verdict).toBe('fails');
    expect(claim(all, 'mote-equal-count').verdict).toBe('holds');
  });

  it('moiie-data-scaling: per-question leads of -1 / 0 / +1 go through paired item differences', () => {
    const n = 800;
    const base = (arm: MoiieArm, size: number, right: number) =>
      row(moiieVariant(arm, size), [right / n], outcomes(n, [right]));
    // At n=200 MoIIE misses questions 0-9 that modality gets right, and gets 580-599 right: lead -1 / +1.
    const moiieSmall = [Array.from({ length: n }, (_, i) => (i >= 10 && i < 600 ? 1 : 0))];
    const rows = [
      base('dense', SMALL, 560),
      base('vanilla', SMALL, 570),
      base('modality', SMALL, 580),
      row(moiieVariant('moiie', SMALL), [590 / n], moiieSmall),
      base('dense', BIG, 600),
      base('vanilla', BIG, 610),
      base('modality', BIG, 620),
      base('moiie', BIG, 700),
    ];
    const part = claim(claims({ moiie: rows }), 'moiie-data-scaling').parts[0];
    expect(part.tests.map((t) => t.test)).toEqual(['paired-items']);
    expect(part.tests[0].estimate).toBeCloseTo(70 / n, 12);
    expect(part.verdict).toBe('holds');
  });

  it('mote-float-gain: the equal-count FP MoE must beat its dense source; evidence lists every arm minus the source', () => {
    const gain = (fp: number[]) => claim(claims({ mote: mote({ 'fp-count': fp }) }), 'mote-float-gain');
    // The source is at 0.8 / 0.81 / 0.8.
    expect(gain([0.85, 0.86, 0.85]).verdict).toBe('holds');
    expect(gain([0.75, 0.76, 0.75]).verdict).toBe('fails');
    expect(gain([0.83, 0.78, 0.81]).verdict).toBe('inconclusive');
    const c = gain([0.85, 0.86, 0.85]);
    expect(c.parts[0].tests[0].estimate).toBeCloseTo(0.05, 12);
    // Mean accuracy minus the source's mean (0.80333): mote 0.82333 -> +0.020, fp-count 0.85333 -> +0.050.
    expect(c.evidence).toContain('mote +0.020');
    expect(c.evidence).toContain('fp-count +0.050');
  });

  it('mote-float-capacity: the equal-count FP MoE must beat the dense source continued on the same data', () => {
    const verdict = (cont: number[]) =>
      claim(
        claims({ mote: mote({ 'fp-count': [0.85, 0.86, 0.85], 'dense-cont': cont }) }),
        'mote-float-capacity',
      ).verdict;
    expect(verdict([0.8, 0.81, 0.8])).toBe('holds');
    expect(verdict([0.9, 0.91, 0.9])).toBe('fails');
    expect(verdict([0.88, 0.83, 0.85])).toBe('inconclusive');
  });

  it('mote-equal-memory: superiority of MoTE over the equal-memory FP MoE', () => {
    const verdict = (mt: number[]) =>
      claim(claims({ mote: mote({ mote: mt, 'fp-memory': [0.8, 0.8, 0.81] }) }), 'mote-equal-memory').verdict;
    expect(verdict([0.85, 0.86, 0.85])).toBe('holds');
    expect(verdict([0.75, 0.74, 0.76])).toBe('fails');
    expect(verdict([0.83, 0.78, 0.81])).toBe('inconclusive');
  });

  it(`mote-equal-count: parity within ${EQUAL_COUNT_MARGIN} of the equal-count FP MoE`, () => {
    const verdict = (mt: number[]) =>
      claim(claims({ mote: mote({ mote: mt, 'fp-count': [0.805, 0.812, 0.803] }) }), 'mote-equal-count')
        .verdict;
    // slightly below the FP MoE in every seed, but well inside the margin
    expect(verdict([0.8, 0.81, 0.8])).toBe('holds');
    expect(verdict([0.75, 0.76, 0.75])).toBe('fails');
    expect(verdict([0.765, 0.812, 0.783])).toBe('inconclusive');
  });

  it('mote-ternary-vs-binary and mote-ffn-init: superiority of the paper’s choice', () => {
    const verdicts = (mt: number[]) => {
      const all = claims({ mote: mote({ mote: mt, binary: [0.8, 0.8, 0.81], random: [0.8, 0.8, 0.81] }) });
      return [claim(all, 'mote-ternary-vs-binary').verdict, claim(all, 'mote-ffn-init').verdict];
    };
    expect(verdicts([0.85, 0.86, 0.85])).toEqual(['holds', 'holds']);
    expect(verdicts([0.75, 0.74, 0.76])).toEqual(['fails', 'fails']);
    expect(verdicts([0.83, 0.78, 0.81])).toEqual(['inconclusive', 'inconclusive']);
  });
});

describe('multimodal-vqa routing signals', () => {
  it("MoIIE's shared experts are those both routers choose from", () => {
    expect(SHARED_EXPERTS).toEqual([1, 2]);
  });

  it('turns an evaluation into entropy and shared-share metrics; none for a dense model', () => {
    const ev = {
      usage: { image: [0.5, 0.3, 0.2, 0], text: [0, 0.1, 0.3, 0.6] },
      entropy: { image: 0.9, text: 0.4 },
    };
    const s = signalsOf(ev, 0.97);
    expect(Object.keys(s)).toEqual([...SIGNALS]);
    expect(s.entropyVis).toBe(0.9);
    expect(s.entropyTxt).toBe(0.4);
    expect(s.visShared).toBeCloseTo(0.5, 12);
    expect(s.txtShared).toBeCloseTo(0.4, 12);
    expect(s.expertCos).toBe(0.97);
    // Non-finite values (no text tokens, a single expert) are left out rather than written as null.
    expect(Object.keys(signalsOf({ ...ev, entropy: { image: 0.9, text: NaN } }, NaN))).toEqual([
      'entropyVis',
      'visShared',
      'txtShared',
    ]);
    expect(signalsOf({}, 1)).toEqual({});
  });
});
