import {
  FFN_PARAM_SHARE_BAR,
  NMI_EXCESS_MARGIN,
  restorationClaims,
  type ClaimInputs,
  type ParamCounts,
} from '../../src/suites/restoration/claims';
import type { BenchRow, Claim } from '../../src/types';
import { mean, seedRow } from '../fixtures/rows';

const ITEMS = 100;

/** Deterministic noise in [-1, 1) for (arm, seed, patch), independent across all three. */
function noiseAt(arm: number, seed: number, patch: number): number {
  const x = Math.sin(patch * 12.9898 + seed * 78.233 + arm * 37.719) * 43758.5453;
  return 2 * (x - Math.floor(x)) - 1;
}

/**
 * Per-patch PSNR of `seeds` seeds: a shared per-patch difficulty, plus `delta` (one value, or one
 * per seed), plus per-arm noise of amplitude `noise` (`arm` tells arms apart).
 */
function patches(seeds: number, delta: number | readonly number[], noise: number, arm: number): number[][] {
  const shift = (s: number) => (typeof delta === 'number' ? delta : delta[s]);
  return Array.from({ length: seeds }, (_, s) =>
    Array.from(
      { length: ITEMS },
      (_, i) => 22 + 2 * Math.sin(0.37 * i) + shift(s) + noise * noiseAt(arm, s, i),
    ),
  );
}

/** Routing-weather NMI of one arm per seed: observed, shuffled mean, permutation p. */
interface Routing {
  nmi: number[];
  shuffled: number[];
  p: number[];
}

const ROUTES_BY_WEATHER = (seeds: number, level = 0.15): Routing => ({
  nmi: [level, level + 0.01, level - 0.01].slice(0, seeds),
  shuffled: [0.004, 0.005, 0.004].slice(0, seeds),
  p: [1 / 51, 1 / 51, 1 / 51].slice(0, seeds),
});

/** A row whose per-seed PSNR is the mean of its per-patch PSNR; input patches ~1 dB below the clean level. */
function row(
  model: string,
  variant: string,
  psnrItems: number[][],
  extra: {
    task?: string;
    routing?: Routing;
    series?: Record<string, number[]>;
    latency?: Record<string, number>;
  } = {},
): BenchRow {
  const psnr = psnrItems.map(mean);
  const inputItems = psnrItems.map((seed) => seed.map((_, i) => 21 + 2 * Math.sin(0.37 * i)));
  const r = extra.routing;
  const perSeed: Record<string, number[]> = {
    psnr,
    inputPsnr: inputItems.map(mean),
    photoPsnr: psnr,
    photoInputPsnr: psnr.map(() => 20),
    ...(r ? { routeWeatherNmi: r.nmi, routeWeatherNmiShuffled: r.shuffled, routeWeatherNmiP: r.p } : {}),
  };
  const built = seedRow(
    { model, variant, task: extra.task ?? 'all' },
    perSeed,
    { psnr: psnrItems, inputPsnr: inputItems },
    extra.series && { series: extra.series },
  );
  return { ...built, metrics: { ...built.metrics, ...extra.latency } };
}

const slot = (ffnLayer: number) => ({ ffnLayer, wholeNet: 10 * ffnLayer });

/** Parameter counts at E = 4, 8, 16 with the linear / vector FFN layer at the given shares of the MoE's. */
function params(linear: number, vector = 0.16): ParamCounts[] {
  return [4, 8, 16].map((e) => ({
    numExperts: e,
    moe: slot(1000 * e),
    linear: slot(1000 * e * linear * (8 / e) ** 0.5),
    vector: slot(1000 * e * vector * (8 / e)),
  }));
}

const MOE_MS = [100, 102, 98, 101, 99, 100, 103];

interface Setup {
  /** PSNR of linear-FM MoFME minus the MoE's, and the per-patch noise. */
  fm?: { delta: number; noise: number };
  /** PSNR of UaR minus plain linear-FM, and the per-patch noise. */
  uar?: { delta: number; noise: number };
  /** Routing of UaR and of the other routed arms. */
  routing?: { uar?: Routing; others?: Routing };
  /** Timing samples of MoFME on both dispatch paths (the MoE's are {@link MOE_MS}); none = no timing. */
  fmMs?: number[];
  /** PSNR of every arm's `rain` row relative to the clean level (the input is 1 dB below it), or one per seed. */
  rain?: number | number[];
  seeds?: number;
}

function rows(o: Setup = {}): BenchRow[] {
  const seeds = o.seeds ?? 3;
  const fm = o.fm ?? { delta: 0.05, noise: 0.05 };
  const uar = o.uar ?? { delta: 0.3, noise: 0.1 };
  const others = o.routing?.others ?? ROUTES_BY_WEATHER(seeds);
  const timed = (ms: number[] | undefined) =>
    ms
      ? {
          series: { latencySamplesMs_dense: ms, latencySamplesMs_sorted: ms },
          latency: { latencyMs_dense: mean(ms), latencyMs_sorted: mean(ms) },
        }
      : {};
  const all = [
    row('dense', 'ffn-4d', patches(seeds, 0, fm.noise, 3)),
    row('moe', 'parallel-ffn-e8k2', patches(seeds, 0, fm.noise, 0), {
      routing: others,
      ...timed(o.fmMs && MOE_MS),
    }),
    row('mofme', 'linear-fm-e8k2', patches(seeds, fm.delta, fm.noise, 1), {
      routing: others,
      ...timed(o.fmMs),
    }),
    row('mofme', 'vector-fm-e8k2', patches(seeds, fm.delta, fm.noise, 4), { routing: others }),
    row('mofme-uar', 'linear-fm-e8k2', patches(seeds, fm.delta + uar.delta, uar.noise, 2), {
      routing: o.routing?.uar ?? ROUTES_BY_WEATHER(seeds, 0.2),
    }),
  ];
  const rain = all.map((r, i) =>
    row(r.model, r.variant, patches(seeds, o.rain ?? 0, 0.05, 10 + i), { task: 'rain' }),
  );
  return [...all, ...rain];
}

const IDLE: ClaimInputs = { params: params(0.41), latencyIdle: true };

function claim(claims: Claim[], id: string): Claim {
  const c = claims.find((x) => x.id === id);
  if (!c) throw new Error(`no claim ${id} among ${claims.map((x) => x.id).join(', ')}`);
  return c;
}

describe('restoration suite claims', () => {
  it('parameters per FFN layer at E=8, per modulation: exact share at most 0.28 holds, above it fails; the evidence names the E that reach it', () => {
    const claims = restorationClaims(rows(), IDLE);
    const linear = claim(claims, 'mofme-fewer-params-linear');
    expect(linear.verdict).toBe('fails');
    expect(linear.parts[0].rule).toEqual({ kind: 'at-most', bar: FFN_PARAM_SHARE_BAR });
    expect(linear.parts[0].tests[0]).toMatchObject({ test: 'exact', estimate: 0.41 });
    expect(linear.evidence).toContain('at most 0.28 at none of E = 4, 8, 16');
    const vector = claim(claims, 'mofme-fewer-params-vector');
    expect(vector.verdict).toBe('holds');
    expect(vector.evidence).toContain('at most 0.28 at E = 8, 16');
  });

  it('latency per dispatch path: ratio MoFME / MoE from the timing rounds holds, fails, or is inconclusive', () => {
    const fast = [25, 26, 24, 25, 25, 26, 24];
    const claims = restorationClaims(rows({ fmMs: fast }), IDLE);
    for (const d of ['dense', 'sorted']) {
      const holds = claim(claims, `mofme-faster-${d}`);
      expect(holds.verdict).toBe('holds');
      expect(holds.parts[0].quantity).toBe(`latency ratio MoFME / MoE (E=8, k=2, ${d} dispatch)`);
      expect(holds.parts[0].tests[0].test).toBe('timing-rounds');
      expect(holds.parts[0].tests[0].estimate).toBeCloseTo(0.25, 1);
    }
    const verdict = (ms: number[], inputs = IDLE) =>
      claim(restorationClaims(rows({ fmMs: ms }), inputs), 'mofme-faster-dense').verdict;
    expect(verdict([90, 92, 88, 91, 89, 90, 93])).toBe('fails');
    expect(verdict([30, 90, 40, 80, 35, 95, 60])).toBe('inconclusive');
    // A clear speed-up timed on a busy machine is not decided.
    expect(verdict(fast, { ...IDLE, latencyIdle: false })).toBe('inconclusive');
    // Without timing samples (the timing failed) the claims are left out.
    expect(restorationClaims(rows(), IDLE).some((c) => c.id.startsWith('mofme-faster'))).toBe(false);
  });

  it('PSNR parity with a 0.1 dB margin: holds, fails or is inconclusive, paired over seeds and patches', () => {
    const verdict = (delta: number, noise: number, seeds = 3) =>
      claim(restorationClaims(rows({ fm: { delta, noise }, seeds }), IDLE), 'mofme-quality');
    const holds = verdict(0.05, 0.05);
    expect(holds.verdict).toBe('holds');
    expect(holds.parts[0].rule).toEqual({ kind: 'parity', margin: 0.1 });
    expect(holds.parts[0].tests.map((t) => t.test)).toEqual(['paired-t', 'paired-items']);
    expect(holds.statement).toContain('0.1 dB');
    expect(verdict(-0.5, 0.05).verdict).toBe('fails');
    expect(verdict(-0.08, 1).verdict).toBe('inconclusive');
    // One seed: the per-patch test alone.
    expect(verdict(-0.5, 0.05, 1).parts[0].tests.map((t) => t.test)).toEqual(['paired-items']);
  });

  it('UaR PSNR: superiority over the plain router holds, fails or is inconclusive', () => {
    const verdict = (delta: number, noise: number) =>
      claim(restorationClaims(rows({ uar: { delta, noise } }), IDLE), 'uar-psnr').verdict;
    expect(verdict(0.3, 0.1)).toBe('holds');
    expect(verdict(-0.3, 0.1)).toBe('fails');
    expect(verdict(0, 1)).toBe('inconclusive');
  });

  it('UaR routing tracks weather: per-seed NMI superiority holds, fails or is inconclusive', () => {
    const verdict = (uar: Routing, seeds = 3) =>
      claim(
        restorationClaims(rows({ routing: { uar, others: ROUTES_BY_WEATHER(seeds) }, seeds }), IDLE),
        'uar-routing-tracks-weather',
      ).verdict;
    expect(verdict(ROUTES_BY_WEATHER(3, 0.3))).toBe('holds');
    expect(verdict(ROUTES_BY_WEATHER(3, 0.05))).toBe('fails');
    expect(verdict({ ...ROUTES_BY_WEATHER(3), nmi: [0.1, 0.2, 0.15] })).toBe('inconclusive');
    // One seed carries no per-seed evidence.
    expect(verdict(ROUTES_BY_WEATHER(1, 0.3), 1)).toBe('inconclusive');
  });

  it('routing follows the weather: permutation tests and an NMI excess margin, decisive both ways', () => {
    const verdict = (others: Routing, seeds = 3) =>
      claim(restorationClaims(rows({ routing: { others }, seeds }), IDLE), 'routing-follows-weather');
    const holds = verdict(ROUTES_BY_WEATHER(3));
    expect(holds.verdict).toBe('holds');
    expect(holds.parts).toHaveLength(8); // 4 routed arms x (permutation, excess)
    expect(holds.parts[1].rule).toEqual({ kind: 'at-least', bar: NMI_EXCESS_MARGIN });
    // Routing that ignores the weather: excess ~0 on every seed, permutation p large.
    const ignores = verdict({
      nmi: [0.006, 0.005, 0.006],
      shuffled: [0.005, 0.005, 0.005],
      p: [0.4, 0.6, 0.3],
    });
    expect(ignores.verdict).toBe('fails');
    expect(ignores.parts[0].verdict).toBe('inconclusive'); // a permutation test can only reject
    // Routing that beats its shuffles but by less than the margin cannot hold.
    expect(
      verdict({ nmi: [0.03, 0.01, 0.02], shuffled: [0.005, 0.005, 0.005], p: [1 / 51, 1 / 51, 1 / 51] })
        .verdict,
    ).toBe('inconclusive');
    // One seed: the permutation test decides alone (it can hold, never fail).
    const one = verdict(ROUTES_BY_WEATHER(1), 1);
    expect(one.parts).toHaveLength(4);
    expect(one.verdict).toBe('holds');
  });

  it('every trained model restores every weather type: decided per seed on the patches, not on the mean over seeds', () => {
    const holds = claim(restorationClaims(rows({ rain: 0.5 }), IDLE), 'restores-every-weather');
    expect(holds.verdict).toBe('holds');
    expect(holds.parts).toHaveLength(5);
    expect(holds.parts[0].quantity).toBe('psnr(dense ffn-4d rain) - inputPsnr(degraded), each seed');
    expect(holds.parts[0].tests.map((t) => [t.test, t.seeds, t.items])).toEqual([
      ['paired-items', 1, ITEMS],
      ['paired-items', 1, ITEMS],
      ['paired-items', 1, ITEMS],
    ]);
    // Gains of 0.05, 1 and 3 dB over the input: a t over three seeds spans 0, every model improves.
    const spread = claim(restorationClaims(rows({ rain: [-0.95, 0, 2] }), IDLE), 'restores-every-weather');
    expect(spread.verdict).toBe('holds');
    expect(spread.evidence).toContain('per seed 0.05 / 1.00 / 3.00 dB');
    // One model worse than its input on rain fails the claim, whatever the other seeds show.
    const oneWorse = claim(restorationClaims(rows({ rain: [-2, 1, 1] }), IDLE), 'restores-every-weather');
    expect(oneWorse.verdict).toBe('fails');
    expect(oneWorse.parts[0].verdict).toBe('fails');
    // One model level with its input (interval around 0) leaves it open.
    const level = claim(restorationClaims(rows({ rain: [-1, 1, 1] }), IDLE), 'restores-every-weather');
    expect(level.verdict).toBe('inconclusive');
  });

  it('leaves out the claims of arms that did not run', () => {
    const [, moe, , , uar] = rows();
    const ids = restorationClaims([moe, uar], IDLE).map((c) => c.id);
    expect(ids).toEqual([
      'mofme-fewer-params-linear',
      'mofme-fewer-params-vector',
      'routing-follows-weather',
    ]);
  });
});
