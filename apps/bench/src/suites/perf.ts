import { execFileSync } from 'child_process';
import { tf } from '@moe-zoo/core';
import { denseFfn, forwardStep, perfMoe, trainStep } from '../perf/ffn-timing';
import { timeArms, TimingLog, type TimingInfo } from '../perf/timing';
import type { BenchRow, Claim, Suite, SuiteContext } from '../types';

const [T, D, H, E, K] = [4096, 512, 1024, 8, 2];
/** Timed rounds of the layer arms (after one warm-up round); one round of all 8 arms takes ~13 s on 2 threads. */
const LAYER_REPS = { quick: 3, full: 7 };

function row(
  model: string,
  variant: string,
  task: string,
  ms: number,
  flops: number,
  params: [number, number],
  perToken: number,
  latencyMs = ms,
): BenchRow {
  return {
    model,
    variant,
    task,
    paramsTotal: params[0],
    paramsActive: params[1],
    flopsPerSample: perToken,
    metrics: { ms, gflops: flops / ms / 1e6 },
    latencyMsPerBatch: latencyMs,
    trainSeconds: 0,
  };
}

interface ProbeResult {
  threads: number;
  /** Per size: the fastest run (`ms`, the roofline), the median and the GFLOP/s of the fastest. */
  results: { size: number; ms: number; medianMs: number; gflops: number }[];
  timing?: TimingInfo;
}

function probeMatmul(threads: number, reps: number): ProbeResult {
  const script = require.resolve('../perf/matmul-probe');
  const out = execFileSync(process.execPath, [script, String(threads), '512,1024', String(reps)], {
    encoding: 'utf8',
    env: { ...process.env, MOE_BACKEND: 'wasm' },
  });
  return JSON.parse(out.trim().split('\n').pop() as string) as ProbeResult;
}

function matmulRows(ctx: SuiteContext, timing: TimingLog): BenchRow[] {
  const counts = ctx.backend.name === 'wasm' ? [...new Set([1, ctx.backend.threads])] : [];
  const bar = ctx.progress('matmul roofline', counts.length);
  const rows: BenchRow[] = [];
  for (const threads of counts) {
    const probe = probeMatmul(threads, ctx.quick ? 15 : 30);
    if (probe.timing) timing.add(probe.timing);
    for (const r of probe.results) {
      rows.push(
        row('matmul', String(probe.threads), String(r.size), r.ms, 2 * r.size ** 3, [0, 0], 0, r.medianMs),
      );
    }
    bar.tick();
  }
  bar.done();
  return rows;
}

function layerRows(ctx: SuiteContext, timing: TimingLog): BenchRow[] {
  const x = tf.variable(tf.randomNormal([T, D])) as tf.Variable<tf.Rank.R2>;
  const dense = denseFfn(D, K * H);
  const layers = {
    sorted: perfMoe('sorted', D, H, E, K),
    capacity: perfMoe('capacity', D, H, E, K),
    dense: perfMoe('dense', D, H, E, K),
  };
  const moeLoss = (l: (typeof layers)['sorted']) => () => {
    const { y, aux } = l.forward(x);
    return tf.addN([tf.sum(y), ...Object.values(aux.losses)]) as tf.Scalar;
  };
  // Every arm of every claim in one interleaved timing (dense dispatch included, for its claim).
  const arms = [
    { name: 'dense-ffn/fwd', run: forwardStep(dense.forward, x) },
    { name: 'sorted/fwd', run: forwardStep((v) => layers.sorted.forward(v).y, x) },
    { name: 'capacity/fwd', run: forwardStep((v) => layers.capacity.forward(v).y, x) },
    {
      name: 'dense-ffn/fwdbwd',
      run: trainStep(() => tf.sum(dense.forward(x)) as tf.Scalar, [x, ...dense.params]),
    },
    { name: 'sorted/fwdbwd', run: trainStep(moeLoss(layers.sorted), [x, ...layers.sorted.parameters()]) },
    {
      name: 'capacity/fwdbwd',
      run: trainStep(moeLoss(layers.capacity), [x, ...layers.capacity.parameters()]),
    },
    { name: 'dense/fwd', run: forwardStep((v) => layers.dense.forward(v).y, x) },
    { name: 'dense/fwdbwd', run: trainStep(moeLoss(layers.dense), [x, ...layers.dense.parameters()]) },
  ];
  const reps = ctx.quick ? LAYER_REPS.quick : LAYER_REPS.full;
  const bar = ctx.progress('moe layers vs dense ffn', reps);
  const timed = timing.add(timeArms(arms, { reps, onRep: () => bar.tick() }));
  bar.done();
  const rows: BenchRow[] = [];
  for (const [key, { medianMs }] of Object.entries(timed.arms)) {
    const [variant, task] = key.split('/');
    const passes = task === 'fwd' ? 1 : 3; // backward counted as twice the forward
    if (variant === 'dense-ffn') {
      rows.push(
        row(
          'dense-ffn',
          'fused',
          task,
          medianMs,
          passes * T * dense.flopsPerToken,
          [dense.paramCount, dense.paramCount],
          dense.flopsPerToken,
        ),
      );
    } else {
      const l = layers[variant as keyof typeof layers];
      rows.push(
        row(
          'moe-layer',
          variant,
          task,
          medianMs,
          passes * T * l.flopsPerToken(),
          [l.countParams(), l.activeParams()],
          l.flopsPerToken(),
        ),
      );
    }
  }
  x.dispose();
  dense.dispose();
  Object.values(layers).forEach((l) => l.dispose());
  return rows;
}

function find(rows: BenchRow[], model: string, variant: string, task: string): BenchRow | undefined {
  return rows.find((r) => r.model === model && r.variant === variant && r.task === task);
}

function claims(rows: BenchRow[], threads: number): Claim[] {
  const out: Claim[] = [];
  const one = find(rows, 'matmul', '1', '1024');
  const many = find(rows, 'matmul', String(threads), '1024');
  if (one && many && threads > 1) {
    const ratio = many.metrics.gflops / one.metrics.gflops;
    out.push({
      id: 'wasm-threads-speedup',
      paper: 'moe-zoo target',
      statement: `${threads} wasm threads give at least 1.6x one thread on a 1024 matmul`,
      holds: ratio >= 1.6,
      evidence: `${many.metrics.gflops.toFixed(1)} vs ${one.metrics.gflops.toFixed(1)} GFLOP/s = ${ratio.toFixed(2)}x`,
    });
  }
  const sorted = find(rows, 'moe-layer', 'sorted', 'fwdbwd');
  const ffn = find(rows, 'dense-ffn', 'fused', 'fwdbwd');
  const dense = find(rows, 'moe-layer', 'dense', 'fwdbwd');
  if (sorted && ffn) {
    const ratio = sorted.metrics.gflops / ffn.metrics.gflops;
    out.push({
      id: 'sorted-vs-dense-ffn',
      paper: 'moe-zoo target',
      statement:
        'MoE E=8 k=2 D=512 H=1024, sorted dispatch, fwd+bwd over 4096 tokens reaches >= 70% of the GFLOP/s of a dense FFN of equal active FLOPs',
      holds: ratio >= 0.7,
      evidence: `${sorted.metrics.gflops.toFixed(1)} vs ${ffn.metrics.gflops.toFixed(1)} GFLOP/s = ${(100 * ratio).toFixed(0)}%`,
    });
  }
  if (sorted && dense) {
    const speedup = dense.metrics.ms / sorted.metrics.ms;
    out.push({
      id: 'sorted-vs-dense-dispatch',
      paper: 'moe-zoo target',
      statement: 'sorted dispatch is at least 3x faster than dense dispatch (fwd+bwd)',
      holds: speedup >= 3,
      evidence: `${sorted.metrics.ms.toFixed(0)} ms vs ${dense.metrics.ms.toFixed(0)} ms = ${speedup.toFixed(2)}x`,
    });
  }
  return out;
}

/** The `perf` suite: the backend's matmul roofline and MoE layer speed per dispatch path. */
export const perfSuite: Suite = {
  name: 'perf',
  description:
    'matmul GFLOP/s per thread count; MoE layer (E=8,k=2,D=512,H=1024, 4096 tokens) fwd and fwd+bwd per dispatch path vs a dense FFN of equal active FLOPs',
  async run(ctx) {
    const timing = new TimingLog();
    const rows = [...matmulRows(ctx, timing), ...layerRows(ctx, timing)];
    return {
      rows,
      claims: claims(rows, ctx.backend.threads),
      timing: timing.summary(),
      notes: [
        `Matmul rows: ms and GFLOP/s from the fastest of ${ctx.quick ? 15 : 30} runs (the roofline), latencyMsPerBatch the median; one child process per thread count (the wasm pool is fixed per process), so the thread counts are not interleaved. Layer rows: all 8 (layer, pass) arms timed together, interleaved in rotating order, median of ${ctx.quick ? LAYER_REPS.quick : LAYER_REPS.full} rounds after one warm-up round. GFLOP/s count active FLOPs (router + k experts); backward counts as twice the forward. Activation: ReLU.`,
      ],
    };
  },
};
