import { describeBackend, type BackendInfo } from '@moe-zoo/core';
import type { GpuTargetInput } from './claims';
import type { PerfPlan } from './plan';

/**
 * The perf suite's notes: what ran (backend and adapter), how each figure is timed, what the
 * claims pair, the state of the GPU targets, why perSeed has one value.
 */
export function perfNotes(
  plan: PerfPlan,
  backend: BackendInfo,
  gpu: GpuTargetInput,
  threadProbes: boolean,
): string[] {
  const { dim, hidden, experts, topK } = plan.layer;
  const stages = plan.stages
    .map(
      (s) => `${s.tokens} tokens: ${s.reps} rounds${s.omit?.length ? `, without ${s.omit.join(', ')}` : ''}`,
    )
    .join('; ');
  return [
    `Ran on ${describeBackend(backend)}${backend.adapter ? '' : ' (no GPU adapter)'}.${plan.tiny ? ` Tiny sizes (--tiny, a smoke run): layer D=${dim} H=${hidden} E=${experts} k=${topK}; figures are not comparable with quick or full runs.` : ''}`,
    threadProbes
      ? `Matmul rows: one long-lived child process per wasm thread count (the wasm thread pool is fixed per process); the parent interleaves single matmuls across the processes like timeArms (one warm-up pass, then ${plan.matmulReps} rounds in rotating order, every (threads, size) arm once per round; only one process computes at a time, the others wait on stdin), so the thread counts are paired round by round. ms and GFLOP/s from the fastest round (the roofline), latencyMsPerBatch the median.`
      : `Matmul rows: square matmuls of ${plan.deviceMatmulSizes.join(', ')} in this process on ${backend.name} (variant), one warm-up round, then ${plan.matmulReps} rounds in rotating order; each call ends when the device has finished it (one value read back). ms and GFLOP/s from the fastest round (the roofline), latencyMsPerBatch the median.`,
    `Layer rows: at each token count (${stages}) the (layer, pass) arms timed together, interleaved in rotating order, median after one warm-up round; tasks fwd / fwdbwd at ${plan.stages[0].tokens} tokens, fwd-T<n> / fwdbwd-T<n> at the others. GFLOP/s count active FLOPs (router + k experts); backward counts as twice the forward. Activation: ReLU. A call ends when its outputs are computed: read back with dataSync where the backend reads synchronously, else by awaiting the read of one value taken from every output (the device queue runs in order).`,
    ...(plan.stages.some((s) => s.omit?.length)
      ? [
          'Dense dispatch fwd+bwd is not timed at 16384 tokens: its [E, T, H] activations took more than 6 minutes per call on 2 wasm threads (10.8 s at 4096 tokens); its forward is.',
        ]
      : []),
    'Every row keeps its timed samples in round order (series.samplesMs). Each claim is a bar on a speed-up taken per round from arms timed in the same rounds (the geometric mean of the per-round ratios and its 95% t interval over rounds); the GFLOP/s claim scales the MoE samples by the exact FLOP ratio to the dense FFN. A claim is decided only when its timing ran on an otherwise idle machine, else inconclusive.',
    gpu.realGpu
      ? `GPU targets measured on ${gpu.ran}; the wasm figure (row sorted-wasm) is one sorted fwd+bwd per round in a wasm child process with the default thread count, timed by this process in the same interleaved rounds (the request's round trip included).`
      : `GPU targets (fwd+bwd >= 20x wasm, sorted >= 70% of the dense FFN, at 16384 tokens): not measured: ${gpu.why}.`,
    'perSeed holds one value per metric: perf does not depend on the seed, so the suite measures once whatever --seeds says.',
  ];
}
