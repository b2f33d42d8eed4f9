import {
  gpuTargetClaims,
  perfClaims,
  type GpuTargetInput,
  type PerfIdle,
} from '../../src/suites/perf/claims';
import type { BenchRow } from '../../src/types';
import { seedRow } from '../fixtures/rows';

/** A perf row with its timed samples (ms, round order) and the median as its quoted ms. */
function row(
  model: string,
  variant: string,
  task: string,
  samplesMs: number[],
  flopsPerSample = 0,
): BenchRow {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const ms = sorted[Math.floor(sorted.length / 2)];
  const gflops = flopsPerSample > 0 ? flopsPerSample / ms : (2 * Number(task) ** 3) / ms / 1e6;
  return seedRow({ model, variant, task }, { ms: [ms], gflops: [gflops] }, undefined, {
    paramsTotal: 0,
    paramsActive: 0,
    flopsPerSample,
    latencyMsPerBatch: ms,
    trainSeconds: 0,
    series: { samplesMs },
  });
}

/** `base` scaled by `factor` in every round, with a per-round wobble of `jitter` (relative). */
function rounds(base: number[], factor: number, jitter = 0): number[] {
  return base.map((ms, r) => ms * factor * (1 + (r % 2 === 0 ? jitter : -jitter)));
}

const ONE_THREAD = [80, 82, 79, 85, 81];
const SORTED = [1300, 1320, 1290, 1310, 1305, 1315, 1300];
const FLOPS = { sorted: 2_105_344, ffn: 2_097_152 };
const IDLE: PerfIdle = { threads: true, layers: true };

/** Rows of a 2-thread wasm run: the 2-thread matmul `speedup` x faster, the FFN and dense dispatch as given. */
function rows(o: { speedup?: number[]; ffn?: number[]; dense?: number[] } = {}): BenchRow[] {
  const twoThreads = (o.speedup ?? ONE_THREAD.map(() => 1.8)).map((s, r) => ONE_THREAD[r] / s);
  return [
    row('matmul', '1', '1024', ONE_THREAD),
    row('matmul', '2', '1024', twoThreads),
    row('dense-ffn', 'fused', 'fwdbwd', o.ffn ?? rounds(SORTED, 1), FLOPS.ffn),
    row('moe-layer', 'sorted', 'fwdbwd', SORTED, FLOPS.sorted),
    row('moe-layer', 'dense', 'fwdbwd', o.dense ?? rounds(SORTED, 5.5, 0.02)),
  ];
}

function verdicts(rs: BenchRow[], idle: PerfIdle = IDLE, threads = 2): Record<string, string> {
  return Object.fromEntries(perfClaims(rs, threads, idle).map((c) => [c.id, c.verdict]));
}

describe('perf suite claims', () => {
  it('decides every bar from the paired timing rounds when the machine was idle', () => {
    const claims = perfClaims(rows(), 2, IDLE);
    expect(claims.map((c) => [c.id, c.verdict])).toEqual([
      ['wasm-threads-speedup', 'holds'],
      ['sorted-vs-dense-ffn', 'holds'],
      ['sorted-vs-dense-dispatch', 'holds'],
    ]);
    for (const c of claims) expect(c.parts[0].tests.map((t) => t.test)).toEqual(['timing-rounds']);
    expect(claims[0].parts[0].tests[0].estimate).toBeCloseTo(1.8, 10);
    expect(claims[0].parts[0].rule).toEqual({ kind: 'at-least', bar: 1.6 });
  });

  it('threads: fails below 1.6x, is inconclusive when rounds straddle the bar or the timing was busy', () => {
    expect(verdicts(rows({ speedup: [1.2, 1.25, 1.22, 1.21, 1.24] }))['wasm-threads-speedup']).toBe('fails');
    expect(verdicts(rows({ speedup: [1.3, 2.0, 1.4, 1.9, 1.6] }))['wasm-threads-speedup']).toBe(
      'inconclusive',
    );
    const busy = perfClaims(rows(), 2, { threads: false, layers: true })[0];
    expect(busy.verdict).toBe('inconclusive');
    expect(busy.parts[0].quantity).toMatch(/busy machine/);
  });

  it('threads: no claim with one thread or without matmul rows (not wasm)', () => {
    expect(perfClaims(rows(), 1, IDLE).map((c) => c.id)).not.toContain('wasm-threads-speedup');
    const noMatmul = rows().filter((r) => r.model !== 'matmul');
    expect(perfClaims(noMatmul, 2, IDLE).map((c) => c.id)).toEqual([
      'sorted-vs-dense-ffn',
      'sorted-vs-dense-dispatch',
    ]);
  });

  it('sorted vs dense FFN: the GFLOP/s ratio per round, scaled by the exact FLOP ratio', () => {
    // The FFN takes 0.8 of sorted's time every round: GFLOP/s ratio = (2105344 / 2097152) x 0.8.
    const part = perfClaims(rows({ ffn: rounds(SORTED, 0.8) }), 2, IDLE)[1].parts[0];
    expect(part.tests[0].estimate).toBeCloseTo((FLOPS.sorted / FLOPS.ffn) * 0.8, 10);
    expect(part.verdict).toBe('holds');
    expect(verdicts(rows({ ffn: rounds(SORTED, 0.5, 0.01) }))['sorted-vs-dense-ffn']).toBe('fails');
    expect(verdicts(rows({ ffn: rounds(SORTED, 0.7, 0.15) }))['sorted-vs-dense-ffn']).toBe('inconclusive');
  });

  it('sorted vs dense dispatch: holds, fails, or is inconclusive (straddling 3x, or busy)', () => {
    expect(verdicts(rows({ dense: rounds(SORTED, 2.5, 0.01) }))['sorted-vs-dense-dispatch']).toBe('fails');
    expect(verdicts(rows({ dense: rounds(SORTED, 3, 0.2) }))['sorted-vs-dense-dispatch']).toBe(
      'inconclusive',
    );
    expect(verdicts(rows(), { threads: true, layers: false })).toEqual({
      'wasm-threads-speedup': 'holds',
      'sorted-vs-dense-ffn': 'inconclusive',
      'sorted-vs-dense-dispatch': 'inconclusive',
    });
  });

  it('GPU targets: "not measured" with the reason unless a real GPU ran, never an estimate', () => {
    const lavapipe: GpuTargetInput = {
      realGpu: false,
      ran: 'webgpu on mesa software (llvmpipe), software fallback',
      why: 'mesa software (llvmpipe) is a software adapter, not a GPU',
      idle: true,
    };
    const claims = perfClaims(rows(), 2, IDLE, lavapipe);
    expect(claims.map((c) => [c.id, c.verdict]).slice(3)).toEqual([
      ['gpu-fwdbwd-vs-wasm', 'inconclusive'],
      ['gpu-sorted-vs-dense-ffn', 'inconclusive'],
    ]);
    for (const c of claims.slice(3)) {
      expect(c.parts[0].tests).toEqual([]);
      expect(c.parts[0].quantity).toMatch(/not measured: .*software adapter/);
      expect(c.evidence).toMatch(/^not measured \(ran on webgpu on mesa software/);
    }
    // Without the GPU input (older callers) there are no GPU target claims.
    expect(perfClaims(rows(), 2, IDLE).map((c) => c.id)).not.toContain('gpu-fwdbwd-vs-wasm');
  });

  it('GPU targets: decided from the 16384-token rounds on a real GPU', () => {
    const gpu: GpuTargetInput = { realGpu: true, ran: 'webgpu on nvidia hopper (H100)', why: '', idle: true };
    const big = (variant: string, model: string, samplesMs: number[], flops: number) =>
      row(model, variant, 'fwdbwd-T16384', samplesMs, flops);
    const gpuSorted = [50, 52, 49, 51, 50];
    const decided = gpuTargetClaims(
      [
        big('sorted', 'moe-layer', gpuSorted, FLOPS.sorted),
        big('fused', 'dense-ffn', rounds(gpuSorted, 0.8), FLOPS.ffn),
        big('sorted-wasm', 'moe-layer', rounds(gpuSorted, 25, 0.01), FLOPS.sorted),
      ],
      gpu,
    );
    expect(decided.map((c) => [c.id, c.verdict])).toEqual([
      ['gpu-fwdbwd-vs-wasm', 'holds'],
      ['gpu-sorted-vs-dense-ffn', 'holds'],
    ]);
    expect(decided[0].parts[0].tests[0].estimate).toBeCloseTo(25, 0);
    const slow = gpuTargetClaims(
      [
        big('sorted', 'moe-layer', gpuSorted, FLOPS.sorted),
        big('fused', 'dense-ffn', rounds(gpuSorted, 0.5, 0.01), FLOPS.ffn),
        big('sorted-wasm', 'moe-layer', rounds(gpuSorted, 10, 0.01), FLOPS.sorted),
      ],
      gpu,
    );
    expect(slow.map((c) => c.verdict)).toEqual(['fails', 'fails']);
    // A real GPU without the wasm reference row: that target is not measured, and says so.
    const noWasm = gpuTargetClaims([big('sorted', 'moe-layer', gpuSorted, FLOPS.sorted)], gpu);
    expect(noWasm[0].parts[0].quantity).toMatch(/not measured: the wasm reference not timed/);
    expect(noWasm[1].parts[0].quantity).toMatch(/not measured/);
  });

  it('refuses rows without timing samples', () => {
    const rs = rows().map((r) => (r.variant === 'sorted' ? { ...r, series: undefined } : r));
    expect(() => perfClaims(rs, 2, IDLE)).toThrow(/no timing samples/);
  });
});
