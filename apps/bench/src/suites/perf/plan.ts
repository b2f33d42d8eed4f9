/** Sizes of the perf suite: the MoE layer and its dense twin, the matmuls, and timed rounds per mode. */

/** The MoE layer of the perf targets: 4096 tokens, D=512, H=1024 per expert, E=8, top-2. */
export const LAYER = { tokens: 4096, dim: 512, hidden: 1024, experts: 8, topK: 2 } as const;

/** Square matmul sizes of the thread comparison. */
export const MATMUL_SIZES = [512, 1024] as const;

/** The matmul size the threads claim is about. */
export const CLAIM_MATMUL_SIZE = 1024;

export interface PerfPlan {
  /** Timed rounds of the eight layer arms (after one warm-up round); one round takes ~13 s on 2 threads. */
  layerReps: number;
  /** Timed rounds of the matmul arms (every thread count x size once per round, after one warm-up round). */
  matmulReps: number;
}

/** Quick: 3 layer rounds, 15 matmul rounds; full: 7 and 30. */
export function perfPlan(quick: boolean): PerfPlan {
  return quick ? { layerReps: 3, matmulReps: 15 } : { layerReps: 7, matmulReps: 30 };
}
