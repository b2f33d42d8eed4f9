import { findRow, makeClaim, timingPart } from '../../claims';
import type { BenchRow, Claim, ClaimPart } from '../../types';
import { CLAIM_MATMUL_SIZE, GPU_TARGET_TOKENS, LAYER, passTask, type LayerShape } from './plan';

/** Whether each timing ran on an otherwise idle machine: its claims are decided only then. */
export interface PerfIdle {
  /** The matmul thread rounds. */
  threads: boolean;
  /** The layer arms. */
  layers: boolean;
}

const TARGET = 'moe-zoo target';
const GPU_TARGET = 'moe-zoo GPU target';

/** The layer the claims speak about: its shape and the token count of the rows named `fwd` / `fwdbwd`. */
export interface PerfLayer extends LayerShape {
  tokens: number;
}

/**
 * What the GPU targets need to know about the run: `realGpu` only on a hardware adapter (not a
 * software / fallback one such as lavapipe or SwiftShader) at the target sizes; otherwise the
 * targets are "not measured" and `why` says why (no GPU, a software adapter, tiny sizes).
 */
export interface GpuTargetInput {
  realGpu: boolean;
  /** The adapter or backend that ran, e.g. `mesa software (llvmpipe ...), software fallback` or `wasm, 2 threads`. */
  ran: string;
  /** Why the GPU targets are not measured (ignored when `realGpu`). */
  why: string;
  /** Whether the layer timing at {@link GPU_TARGET_TOKENS} tokens ran on an idle machine. */
  idle: boolean;
}

/** A part that was not measured: inconclusive, no tests, the reason in its quantity. */
function notMeasuredPart(quantity: string, rule: ClaimPart['rule'], why: string): ClaimPart {
  return { quantity: `${quantity} (not measured: ${why})`, rule, verdict: 'inconclusive', tests: [] };
}

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
export function perfClaims(
  rows: readonly BenchRow[],
  threads: number,
  idle: PerfIdle,
  gpu?: GpuTargetInput,
  layer: PerfLayer = LAYER,
): Claim[] {
  const sorted = findRow(rows, 'sorted', 'fwdbwd');
  const ffn = findRow(rows, 'fused', 'fwdbwd');
  const dense = findRow(rows, 'dense', 'fwdbwd');
  // GFLOP/s ratio per round = (FLOPs(sorted) / ms(sorted)) / (FLOPs(ffn) / ms(ffn)): the speed-up
  // of sorted over the FFN once sorted's time is scaled to the FFN's FLOPs (an exact factor).
  const flopRatio = ffn.flopsPerSample / sorted.flopsPerSample;
  const { experts, topK, dim, hidden, tokens } = layer;
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
    ...(gpu ? gpuTargetClaims(rows, gpu) : []),
  ];
}

/**
 * The GPU targets of the perf suite, at {@link GPU_TARGET_TOKENS} tokens and the {@link LAYER}
 * sizes: MoE fwd+bwd (sorted dispatch) on a data-centre GPU at least 20x the wasm figure, and
 * sorted dispatch at least 70% of the dense FFN's GFLOP/s on the GPU. Decided only from timings on
 * a real GPU adapter; otherwise (or when the rows are missing) each is inconclusive with
 * "not measured" and the reason, never an estimate. The wasm figure comes from the row
 * `moe-layer / sorted-wasm / fwdbwd-T16384`, timed in the same rounds in a wasm child process.
 */
export function gpuTargetClaims(rows: readonly BenchRow[], gpu: GpuTargetInput): Claim[] {
  const task = passTask('fwdbwd', GPU_TARGET_TOKENS, false);
  const find = (variant: string) =>
    rows.find((r) => r.model !== 'matmul' && r.variant === variant && r.task === task);
  const sorted = find('sorted');
  const ffn = find('fused');
  const wasm = find('sorted-wasm');
  const { experts, topK, dim, hidden } = LAYER;
  const sizes = `E=${experts} k=${topK} D=${dim} H=${hidden}, ${GPU_TARGET_TOKENS} tokens`;
  const vsWasm = 'speed-up of the GPU over wasm, sorted MoE fwd+bwd';
  const vsFfn = 'GFLOP/s(sorted MoE) / GFLOP/s(dense FFN) on the GPU, fwd+bwd';
  const atLeast = (bar: number) => ({ kind: 'at-least', bar }) as const;
  const missing = (what: string) => (gpu.realGpu ? `${what} not timed in this run` : gpu.why);
  const wasmPart =
    gpu.realGpu && sorted && wasm
      ? timingPart(vsWasm, samples(sorted), samples(wasm), atLeast(20), gpu.idle)
      : notMeasuredPart(vsWasm, atLeast(20), missing('the wasm reference'));
  const ffnPart =
    gpu.realGpu && sorted && ffn
      ? timingPart(
          vsFfn,
          samples(sorted).map((t) => (t * ffn.flopsPerSample) / sorted.flopsPerSample),
          samples(ffn),
          atLeast(0.7),
          gpu.idle,
        )
      : notMeasuredPart(vsFfn, atLeast(0.7), missing(`the ${GPU_TARGET_TOKENS}-token layer rows`));
  const evidence = (part: ClaimPart, measured: string) =>
    part.tests.length === 0 ? `not measured (ran on ${gpu.ran})` : `${measured} (ran on ${gpu.ran})`;
  return [
    makeClaim({
      id: 'gpu-fwdbwd-vs-wasm',
      paper: GPU_TARGET,
      statement: `MoE ${sizes}, sorted dispatch, fwd+bwd on a data-centre GPU is at least 20x faster than on wasm (per interleaved round, geometric mean with its 95% interval); measured only on a real GPU adapter`,
      parts: [wasmPart],
      evidence: evidence(wasmPart, sorted && wasm ? `median ${ms(sorted)} vs ${ms(wasm)} on wasm` : ''),
    }),
    makeClaim({
      id: 'gpu-sorted-vs-dense-ffn',
      paper: GPU_TARGET,
      statement: `MoE ${sizes}, sorted dispatch, fwd+bwd on a GPU reaches >= 70% of the GFLOP/s of a dense FFN of equal active FLOPs (per interleaved round, geometric mean with its 95% interval); measured only on a real GPU adapter`,
      parts: [ffnPart],
      evidence: evidence(
        ffnPart,
        sorted && ffn
          ? `median ${sorted.metrics.gflops.toFixed(1)} vs ${ffn.metrics.gflops.toFixed(1)} GFLOP/s (${ms(sorted)} vs ${ms(ffn)})`
          : '',
      ),
    }),
  ];
}
