/** Sizes of the perf suite: the MoE layer and its dense twin, the matmuls, and timed rounds per mode. */

/** The shape of the perf suite's MoE layer (its dense twin has hidden `topK` x `hidden`). */
export interface LayerShape {
  dim: number;
  hidden: number;
  experts: number;
  topK: number;
}

/** The MoE layer of the perf targets: D=512, H=1024 per expert, E=8, top-2; first timed at 4096 tokens. */
export const LAYER = { tokens: 4096, dim: 512, hidden: 1024, experts: 8, topK: 2 } as const;

/** Token counts the layer arms are timed at (issue targets: 4,096 and 16,384). */
export const LAYER_TOKENS = [4096, 16384] as const;

/** The token count of the GPU targets (fwd+bwd vs wasm, sorted vs the dense FFN on the GPU). */
export const GPU_TARGET_TOKENS = 16384;

/** Square matmul sizes of the thread comparison (wasm). */
export const MATMUL_SIZES = [512, 1024] as const;

/** Square matmul sizes timed in-process on other backends (a GPU needs larger ones to fill). */
export const DEVICE_MATMUL_SIZES = [1024, 4096] as const;

/** The matmul size the threads claim is about. */
export const CLAIM_MATMUL_SIZE = 1024;

/** The layer of `--tiny` runs: small enough for software WebGPU (lavapipe) in about a minute. */
export const TINY_LAYER: LayerShape = { dim: 128, hidden: 256, experts: 8, topK: 2 };

/** The timed pass: forward, or forward + backward. */
export type Pass = 'fwd' | 'fwdbwd';

/**
 * The row task of a pass at a token count: `fwd` / `fwdbwd` at the first token count of the plan
 * (the names of earlier reports), `fwd-T16384` / `fwdbwd-T16384` at the others.
 */
export function passTask(pass: Pass, tokens: number, first: boolean): string {
  return first ? pass : `${pass}-T${tokens}`;
}

/** One token count of the layer timing and its timed rounds. */
export interface LayerStage {
  tokens: number;
  /** Timed rounds of the eight layer arms at this token count (after one warm-up round). */
  reps: number;
  /** Arms left out at this token count (`<dispatch>/<pass>`, e.g. `dense/fwdbwd`), said in the notes. */
  omit?: readonly string[];
}

/**
 * Dense dispatch fwd+bwd at 16384 tokens is left out: its [E, T, H] activations (512 MB at E=8,
 * H=1024) took more than 6 minutes per call on 2 wasm threads (10.8 s at 4096 tokens), longer
 * than the whole quick bench allows. Its forward, and every other arm, is timed.
 */
export const OMIT_AT_LARGE = ['dense/fwdbwd'] as const;

export interface PerfPlan {
  /** `--tiny`: small sizes, for smoke runs (claims are not decided on them). */
  tiny: boolean;
  /** The MoE layer's shape. */
  layer: LayerShape;
  /** Token counts, each timed on its own (one round of 8 arms takes ~13 s at 4096 tokens on 2 wasm threads). */
  stages: LayerStage[];
  /** Timed rounds of the matmul arms (every thread count x size once per round, after one warm-up round). */
  matmulReps: number;
  /** Square matmul sizes of the wasm thread comparison. */
  matmulSizes: readonly number[];
  /** Square matmul sizes on other backends (one process). */
  deviceMatmulSizes: readonly number[];
}

/**
 * Quick: 3 rounds at 4096 tokens and 15 matmul rounds (16384 tokens would more than double the
 * quick suite's time, past the bench's 15-minute budget); full: 7 rounds at 4096, 5 at 16384 and
 * 30 matmul rounds. Tiny: the
 * {@link TINY_LAYER} at 256 and 1024 tokens, 2 rounds each, 3 matmul rounds of small sizes.
 */
export function perfPlan(quick: boolean, tiny = false): PerfPlan {
  const shape = { dim: LAYER.dim, hidden: LAYER.hidden, experts: LAYER.experts, topK: LAYER.topK };
  if (tiny) {
    return {
      tiny,
      layer: TINY_LAYER,
      stages: [
        { tokens: 256, reps: 2 },
        { tokens: 1024, reps: 2 },
      ],
      matmulReps: 3,
      matmulSizes: [256, 512],
      deviceMatmulSizes: [256, 512],
    };
  }
  const [small, large] = LAYER_TOKENS;
  return {
    tiny,
    layer: shape,
    stages: quick
      ? [{ tokens: small, reps: 3 }]
      : [
          { tokens: small, reps: 7 },
          { tokens: large, reps: 5, omit: OMIT_AT_LARGE },
        ],
    matmulReps: quick ? 15 : 30,
    matmulSizes: MATMUL_SIZES,
    deviceMatmulSizes: DEVICE_MATMUL_SIZES,
  };
}
