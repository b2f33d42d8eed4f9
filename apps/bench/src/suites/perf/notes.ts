import type { PerfPlan } from './plan';

/** The perf suite's notes: how each figure is timed, what the claims pair, why perSeed has one value. */
export function perfNotes(plan: PerfPlan): string[] {
  return [
    `Matmul rows: one long-lived child process per wasm thread count (the wasm thread pool is fixed per process); the parent interleaves single matmuls across the processes like timeArms (one warm-up pass, then ${plan.matmulReps} rounds in rotating order, every (threads, size) arm once per round; only one process computes at a time, the others wait on stdin), so the thread counts are paired round by round. ms and GFLOP/s from the fastest round (the roofline), latencyMsPerBatch the median.`,
    `Layer rows: all 8 (layer, pass) arms timed together, interleaved in rotating order, median of ${plan.layerReps} rounds after one warm-up round. GFLOP/s count active FLOPs (router + k experts); backward counts as twice the forward. Activation: ReLU.`,
    'Every row keeps its timed samples in round order (series.samplesMs). Each claim is a bar on a speed-up taken per round from arms timed in the same rounds (the geometric mean of the per-round ratios and its 95% t interval over rounds); the GFLOP/s claim scales the MoE samples by the exact FLOP ratio to the dense FFN. A claim is decided only when its timing ran on an otherwise idle machine, else inconclusive.',
    'perSeed holds one value per metric: perf does not depend on the seed, so the suite measures once whatever --seeds says.',
  ];
}
