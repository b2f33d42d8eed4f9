import {
  FFN_PARAM_SHARE_BAR,
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
 * Per-patch PSNR of `seeds` seeds: a shared per-patch difficulty, plus `delta`, plus per-arm
 * noise of amplitude `noise` (`arm` tells arms apart).
 */
function patches(seeds: number, delta: number, noise: number, arm: number): number[][] {
  return Array.from({ length: seeds }, (_, s) =>
    Array.from({ length: ITEMS }, (_, i) => 22 + 2 * Math.sin(0.37 * i) + delta + noise * noiseAt(arm, s, i)),
  );
}

/** An `all` row whose per-seed PSNR is the mean of its per-patch PSNR. */
function row(
  model: string,
  variant: string,
  psnrItems: number[][],
  extra: {
    routeTaskInfo?: number[];
    series?: Record<string, number[]>;
    latency?: Record<string, number>;
  } = {},
): BenchRow {
  const psnr = psnrItems.map(mean);
  const inputPsnr = psnr.map(() => 19.9);
  const perSeed: Record<string, number[]> = {
    psnr,
    inputPsnr,
    ...(extra.routeTaskInfo ? { routeTaskInfo: extra.routeTaskInfo } : {}),
  };
  const row = seedRow(
    { model, variant, task: 'all' },
    perSeed,
    { psnr: psnrItems },
    extra.series && { series: extra.series },
  );
  return { ...row, metrics: { ...row.metrics, ...extra.latency } };
}

const slot = (ffnLayer: number) => ({ ffnLayer, wholeNet: 10 * ffnLayer });

/** Parameter counts with MoFME-linear's FFN layer at `share` of the MoE's. */
function params(share: number): ParamCounts[] {
  return [{ numExperts: 8, moe: slot(1000), linear: slot(1000 * share), vector: slot(100) }];
}

const MOE_MS = [100, 102, 98, 101, 99, 100, 103];

interface Setup {
  /** PSNR of linear-FM MoFME (e8k2) minus the MoE's, and the per-patch noise. */
  fm?: { delta: number; noise: number };
  /** PSNR of UaR minus plain linear-FM, and the per-patch noise. */
  uar?: { delta: number; noise: number };
  /** routeTaskInfo per seed of UaR and plain. */
  nmi?: [number[], number[]];
  /** Dense-dispatch timing samples of MoFME (the MoE's are {@link MOE_MS}); none = no timing. */
  fmMs?: number[];
  seeds?: number;
}

function rows(o: Setup = {}): BenchRow[] {
  const seeds = o.seeds ?? 3;
  const fm = o.fm ?? { delta: 0.05, noise: 0.05 };
  const uar = o.uar ?? { delta: 0.3, noise: 0.1 };
  const [uarNmi, plainNmi] =
    o.nmi ??
    [
      [0.03, 0.035, 0.032],
      [0.01, 0.012, 0.011],
    ].map((v) => v.slice(0, seeds));
  const timed = (ms: number[] | undefined) =>
    ms ? { series: { latencySamplesMs_dense: ms }, latency: { latencyMs_dense: mean(ms) } } : {};
  return [
    row('moe', 'parallel-ffn-e8k2', patches(seeds, 0, fm.noise, 0), {
      routeTaskInfo: plainNmi,
      ...timed(o.fmMs && MOE_MS),
    }),
    row('mofme', 'linear-fm-e8k2', patches(seeds, fm.delta, fm.noise, 1), {
      routeTaskInfo: plainNmi,
      ...timed(o.fmMs),
    }),
    row('mofme-uar', 'linear-fm-e8k2', patches(seeds, fm.delta + uar.delta, uar.noise, 2), {
      routeTaskInfo: uarNmi,
    }),
  ];
}

const IDLE: ClaimInputs = { params: params(0.2), latencyIdle: true };

function claim(claims: Claim[], id: string): Claim {
  const c = claims.find((x) => x.id === id);
  if (!c) throw new Error(`no claim ${id} among ${claims.map((x) => x.id).join(', ')}`);
  return c;
}

describe('restoration suite claims', () => {
  it('parameters per FFN layer: exact share at most 0.28 holds, above it fails', () => {
    const holds = claim(restorationClaims(rows(), IDLE), 'mofme-fewer-params-e8');
    expect(holds.verdict).toBe('holds');
    expect(holds.parts[0].rule).toEqual({ kind: 'at-most', bar: FFN_PARAM_SHARE_BAR });
    expect(holds.parts[0].tests[0]).toMatchObject({ test: 'exact', estimate: 0.2 });
    // The linear-FM share this net really has at E=8 (61392 / 149760).
    const fails = claim(
      restorationClaims(rows(), { ...IDLE, params: params(0.41) }),
      'mofme-fewer-params-e8',
    );
    expect(fails.verdict).toBe('fails');
  });

  it('latency: ratio MoFME / MoE from the timing rounds holds, fails, or is inconclusive', () => {
    const fast = [25, 26, 24, 25, 25, 26, 24];
    const holds = claim(restorationClaims(rows({ fmMs: fast }), IDLE), 'mofme-faster');
    expect(holds.verdict).toBe('holds');
    expect(holds.parts[0].tests[0].test).toBe('timing-rounds');
    expect(holds.parts[0].tests[0].estimate).toBeCloseTo(0.25, 1);
    const slow = [90, 92, 88, 91, 89, 90, 93];
    expect(claim(restorationClaims(rows({ fmMs: slow }), IDLE), 'mofme-faster').verdict).toBe('fails');
    const noisy = [30, 90, 40, 80, 35, 95, 60];
    expect(claim(restorationClaims(rows({ fmMs: noisy }), IDLE), 'mofme-faster').verdict).toBe(
      'inconclusive',
    );
    // A clear speed-up timed on a busy machine is not decided.
    const busy = claim(
      restorationClaims(rows({ fmMs: fast }), { ...IDLE, latencyIdle: false }),
      'mofme-faster',
    );
    expect(busy.verdict).toBe('inconclusive');
    // Without timing samples (the timing failed) the claim is left out.
    expect(restorationClaims(rows(), IDLE).some((c) => c.id === 'mofme-faster')).toBe(false);
  });

  it('PSNR parity with a 0.1 dB margin: holds, fails or is inconclusive, paired over seeds and patches', () => {
    const holds = claim(
      restorationClaims(rows({ fm: { delta: 0.05, noise: 0.05 } }), IDLE),
      'mofme-quality-e8k2',
    );
    expect(holds.verdict).toBe('holds');
    expect(holds.parts[0].rule).toEqual({ kind: 'parity', margin: 0.1 });
    expect(holds.parts[0].tests.map((t) => t.test)).toEqual(['paired-t', 'paired-items']);
    expect(holds.statement).toContain('0.1 dB');
    const fails = claim(
      restorationClaims(rows({ fm: { delta: -0.5, noise: 0.05 } }), IDLE),
      'mofme-quality-e8k2',
    );
    expect(fails.verdict).toBe('fails');
    const unclear = claim(
      restorationClaims(rows({ fm: { delta: -0.08, noise: 1 } }), IDLE),
      'mofme-quality-e8k2',
    );
    expect(unclear.verdict).toBe('inconclusive');
  });

  it('PSNR parity of a one-seed sweep config rests on the per-patch test alone', () => {
    const sweep = [
      row('moe', 'parallel-ffn-e16k2', patches(1, 0, 0.05, 0)),
      row('mofme', 'linear-fm-e16k2', patches(1, -0.5, 0.05, 1)),
    ];
    const c = claim(restorationClaims([...rows(), ...sweep], IDLE), 'mofme-quality-e16k2');
    expect(c.parts[0].tests.map((t) => t.test)).toEqual(['paired-items']);
    expect(c.verdict).toBe('fails');
  });

  it('UaR PSNR: superiority over the plain router holds, fails or is inconclusive', () => {
    const verdict = (delta: number, noise: number) =>
      claim(restorationClaims(rows({ uar: { delta, noise } }), IDLE), 'uar-psnr').verdict;
    expect(verdict(0.3, 0.1)).toBe('holds');
    expect(verdict(-0.3, 0.1)).toBe('fails');
    expect(verdict(0, 1)).toBe('inconclusive');
  });

  it('UaR routing tracks weather: per-seed NMI superiority holds, fails or is inconclusive', () => {
    const verdict = (nmi: [number[], number[]], seeds = 3) =>
      claim(restorationClaims(rows({ nmi, seeds }), IDLE), 'uar-routing-tracks-weather').verdict;
    const high = [0.03, 0.035, 0.032];
    const low = [0.01, 0.012, 0.011];
    expect(verdict([high, low])).toBe('holds');
    expect(verdict([low, high])).toBe('fails');
    expect(
      verdict([
        [0.01, 0.03, 0.005],
        [0.02, 0.01, 0.015],
      ]),
    ).toBe('inconclusive');
    // One seed carries no per-seed evidence.
    expect(verdict([[0.03], [0.01]], 1)).toBe('inconclusive');
  });

  it('leaves out the claims of arms that did not run', () => {
    const [moe, , uar] = rows();
    const ids = restorationClaims([moe, uar], IDLE).map((c) => c.id);
    expect(ids).toEqual(['mofme-fewer-params-e8']);
  });
});
