import { findRow, makeClaim, timingPart } from '../../claims';
import type { BenchRow, Claim } from '../../types';
import { CLAIM_MATMUL_SIZE, LAYER } from './plan';

/** Whether each timing ran on an otherwise idle machine: its claims are decided only then. */
export interface PerfIdle {
  /** The matmul thread rounds. */
  threads: boolean;
  /** The layer arms. */
  layers: boolean;
}

const TARGET = 'moe-zoo target';

/** A row's timed samples in round order (`series.samplesMs`, written by `timingRow`). */
function samples(row: BenchRow): number[] {
  const s = row.series?.samplesMs;
  if (!s)
    throw new Error(`row ${row.model}/${row.variant}/${row.task} has no timing samples (series.samplesMs)`);
  return s;
}

/** A row's quoted time, e.g. "1312 ms". */
function ms(row: BenchRow): string {
  return `${row.metrics.ms.toFixed(0)} ms`;
}

function threadsClaim(rows: readonly BenchRow[], threads: number, idle: boolean): Claim[] {
  const size = String(CLAIM_MATMUL_SIZE);
  const one = rows.find((r) => r.model === 'matmul' && r.variant === '1' && r.task === size);
  const many = rows.find((r) => r.model === 'matmul' && r.variant === String(threads) && r.task === size);
  if (!one || !many || threads <= 1) return [];
  return [
    makeClaim({
      id: 'wasm-threads-speedup',
      paper: TARGET,
      statement: `${threads} wasm threads give at least 1.6x one thread on a ${size} matmul (speed-up per round of interleaved single matmuls, geometric mean with its 95% interval over rounds)`,
      parts: [
        timingPart(
          `speed-up of ${threads} threads over 1 thread (${size} matmul)`,
          samples(many),
          samples(one),
          { kind: 'at-least', bar: 1.6 },
          idle,
        ),
      ],
      evidence:
        `fastest ${many.metrics.gflops.toFixed(1)} vs ${one.metrics.gflops.toFixed(1)} GFLOP/s = ${(many.metrics.gflops / one.metrics.gflops).toFixed(2)}x; ` +
        `median ${many.latencyMsPerBatch.toFixed(1)} vs ${one.latencyMsPerBatch.toFixed(1)} ms`,
    }),
  ];
}

/**
 * The perf suite's claims: the wasm thread speed-up (only with more than one thread on wasm), the
 * sorted-dispatch MoE layer's GFLOP/s against a dense FFN of equal active FLOPs, and sorted against
 * dense dispatch. Each is a bar on a speed-up from interleaved timing rounds (`timingPart`: the
 * geometric mean of per-round ratios and its t interval over rounds), inconclusive when the timing
 * behind it was not idle.
 */
export function perfClaims(rows: readonly BenchRow[], threads: number, idle: PerfIdle): Claim[] {
  const sorted = findRow(rows, 'sorted', 'fwdbwd');
  const ffn = findRow(rows, 'fused', 'fwdbwd');
  const dense = findRow(rows, 'dense', 'fwdbwd');
  // GFLOP/s ratio per round = (FLOPs(sorted) / ms(sorted)) / (FLOPs(ffn) / ms(ffn)): the speed-up
  // of sorted over the FFN once sorted's time is scaled to the FFN's FLOPs (an exact factor).
  const flopRatio = ffn.flopsPerSample / sorted.flopsPerSample;
  const { experts, topK, dim, hidden, tokens } = LAYER;
  return [
    ...threadsClaim(rows, threads, idle.threads),
    makeClaim({
      id: 'sorted-vs-dense-ffn',
      paper: TARGET,
      statement: `MoE E=${experts} k=${topK} D=${dim} H=${hidden}, sorted dispatch, fwd+bwd over ${tokens} tokens reaches >= 70% of the GFLOP/s of a dense FFN of equal active FLOPs (per interleaved round, geometric mean with its 95% interval)`,
      parts: [
        timingPart(
          'GFLOP/s(sorted MoE) / GFLOP/s(dense FFN), fwd+bwd',
          samples(sorted).map((t) => t * flopRatio),
          samples(ffn),
          { kind: 'at-least', bar: 0.7 },
          idle.layers,
        ),
      ],
      evidence: `median ${sorted.metrics.gflops.toFixed(1)} vs ${ffn.metrics.gflops.toFixed(1)} GFLOP/s = ${(100 * (sorted.metrics.gflops / ffn.metrics.gflops)).toFixed(0)}% (${ms(sorted)} vs ${ms(ffn)}; active FLOPs per token ${sorted.flopsPerSample} vs ${ffn.flopsPerSample})`,
    }),
    makeClaim({
      id: 'sorted-vs-dense-dispatch',
      paper: TARGET,
      statement:
        'sorted dispatch is at least 3x faster than dense dispatch (fwd+bwd; per interleaved round, geometric mean with its 95% interval)',
      parts: [
        timingPart(
          'speed-up of sorted over dense dispatch, fwd+bwd',
          samples(sorted),
          samples(dense),
          { kind: 'at-least', bar: 3 },
          idle.layers,
        ),
      ],
      evidence: `median ${ms(sorted)} vs ${ms(dense)} = ${(dense.metrics.ms / sorted.metrics.ms).toFixed(2)}x`,
    }),
  ];
}
