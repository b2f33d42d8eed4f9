import type { Suite } from '../../types';
import { perfClaims } from './claims';
import { gpuTargetInput } from './gpu-targets';
import { perfNotes } from './notes';
import { GPU_TARGET_TOKENS, perfPlan } from './plan';
import { timeDeviceMatmul } from './run-device-matmul';
import { startProbe } from './probe-client';
import { timeLayers, type LayerTimings } from './run-layers';
import { timeMatmulThreads } from './run-matmul';

/**
 * The `perf` suite, on any backend: the matmul roofline (per wasm thread count on wasm, in-process
 * elsewhere) and MoE layer speed per dispatch path at 4,096 and 16,384 tokens beside a dense FFN
 * of equal active FLOPs, with the GPU targets ("not measured" unless a real GPU adapter ran).
 */
export const perfSuite: Suite = {
  name: 'perf',
  description:
    'matmul GFLOP/s (per wasm thread count on wasm); MoE layer (E=8,k=2,D=512,H=1024) at 4096 and 16384 tokens, fwd and fwd+bwd per dispatch path vs a dense FFN of equal active FLOPs; GPU targets',
  async run(ctx) {
    const plan = perfPlan(ctx.quick, ctx.tiny ?? false);
    // The wasm thread pool is fixed per process: its thread comparison runs in probe processes.
    const threadProbes = ctx.backend.name === 'wasm';
    const matmul = threadProbes ? await timeMatmulThreads(ctx, plan) : await timeDeviceMatmul(ctx, plan);
    const target = gpuTargetInput(ctx.backend, plan, false);
    // On a real GPU the wasm figure of the 20x target is timed in the same rounds, in a wasm child process.
    const probe = target.realGpu ? await startProbe(0, [], 0) : undefined;
    let layers: LayerTimings;
    try {
      layers = await timeLayers(ctx, plan, probe && { tokens: GPU_TARGET_TOKENS, probe });
    } finally {
      await probe?.close();
    }
    const rows = [...matmul.rows, ...layers.rows];
    const first = plan.stages[0].tokens;
    const gpu = { ...target, idle: layers.idle[GPU_TARGET_TOKENS] ?? false };
    return {
      rows,
      claims: perfClaims(
        rows,
        ctx.backend.threads,
        { threads: matmul.idle, layers: layers.idle[first] },
        gpu,
        {
          ...plan.layer,
          tokens: first,
        },
      ),
      notes: perfNotes(plan, ctx.backend, gpu, threadProbes),
    };
  },
};
