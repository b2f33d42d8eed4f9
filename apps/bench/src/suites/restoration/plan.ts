/** Sizes of the restoration suite per mode: the data, the training and the latency timing. */

/** Token width D of every arm's RestorationNet (2 blocks, 32x32 tiles, 4x4 patch tokens). */
export const DIM = 48;

/** Training batch, in patches. */
export const BATCH_SIZE = 32;

/** Peak AdamW learning rate (warmup + cosine). */
export const LR = 2e-3;

/** `latencyMsPerBatch` is the median ms of one forward pass of this many test tiles. */
export const LATENCY_BATCH = 32;

/** Test patches per weather type in the picture grid. */
export const PICTURES_PER_TYPE = 2;

/** Every how many training steps the balance series keeps a MaxVio point (the last step is always kept). */
export const BALANCE_EVERY = 4;

/** Expert counts of the parameter table (constructed nets, not trained). */
export const PARAM_EXPERTS = [4, 8, 16] as const;

/** What one mode runs. */
export interface RestorationPlan {
  trainPatches: number;
  testPatches: number;
  /** Epochs of every arm. */
  epochs: number;
  /** (E, k) of the sweep beside the main E=8, k=2: a MoE and a linear-FM MoFME arm each. */
  sweep: [number, number][];
  /** Interleaved timing rounds after one warm-up round. */
  latencyReps: number;
}

/**
 * Quick: 1024 train / 200 test patches, every arm at E=8, k=2 for 3 epochs (96 steps), 7 timing
 * rounds. Full (3 seeds): 1536 train / 400 test patches, 4 epochs (192 steps), plus the E/k sweep
 * (MoE and linear FM at E 4 and 16, k 4), 20 timing rounds. The 3-seed full run took 2.2 h beside
 * two other full suites, at about 5x the per-step time of a run alone (1.46 vs 0.28 s per MoE
 * step), i.e. about 30 minutes alone.
 */
export function restorationPlan(quick: boolean): RestorationPlan {
  return quick
    ? { trainPatches: 1024, testPatches: 200, epochs: 3, sweep: [], latencyReps: 7 }
    : {
        trainPatches: 1536,
        testPatches: 400,
        epochs: 4,
        sweep: [
          [4, 2],
          [16, 2],
          [8, 4],
        ],
        latencyReps: 20,
      };
}
