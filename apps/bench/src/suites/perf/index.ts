import type { Suite } from '../../types';
import { perfClaims } from './claims';
import { perfNotes } from './notes';
import { perfPlan } from './plan';
import { timeLayers } from './run-layers';
import { timeMatmulThreads } from './run-matmul';

/** The `perf` suite: the backend's matmul roofline per thread count and MoE layer speed per dispatch path. */
export const perfSuite: Suite = {
  name: 'perf',
  description:
    'matmul GFLOP/s per thread count; MoE layer (E=8,k=2,D=512,H=1024, 4096 tokens) fwd and fwd+bwd per dispatch path vs a dense FFN of equal active FLOPs',
  async run(ctx) {
    const plan = perfPlan(ctx.quick);
    const matmul = await timeMatmulThreads(ctx, plan);
    const layers = timeLayers(ctx, plan);
    const rows = [...matmul.rows, ...layers.rows];
    return {
      rows,
      claims: perfClaims(rows, ctx.backend.threads, { threads: matmul.idle, layers: layers.idle }),
      notes: perfNotes(plan),
    };
  },
};
