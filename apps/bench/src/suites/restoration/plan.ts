/** Sizes of the restoration suite per mode: the data, the training and the latency timing. */

/**
 * Training loss of every arm: the negative mean per-patch PSNR. Measured on the full plan (dense
 * arm, seed 0, 576 steps): against the batch MSE it lifts rain from +1.01 to +2.43 dB and snow from
 * +0.57 to +2.15 dB over the input (haze 8.30 -> 7.78), the mean test PSNR from 24.06 to 24.81 dB.
 */
export const LOSS = 'psnr' as const;

/** Token width D of every arm's RestorationNet (2 blocks, 32x32 tiles, 4x4 patch tokens). */
export const DIM = 48;

/** Training batch, in patches. */
export const BATCH_SIZE = 32;

/** Peak AdamW learning rate (warmup + cosine); at 2e-3 the MoE arm made rain and snow worse than its input. */
export const LR = 1e-3;

/** `latencyMsPerBatch` is the median ms of one forward pass of this many test tiles. */
export const LATENCY_BATCH = 32;

/** Crop of every whole test photo shown in the picture grid (full-resolution pixels). */
export const PICTURE_CROP = { x: 380, y: 200, width: 128, height: 96 };

/** Label shuffles behind the routing-weather null distribution (per seed and arm). */
export const SHUFFLES = 50;

/** Balancing of every routed arm (MoE and MoFME alike): the Switch aux loss at this weight. */
export const AUX_LOSS = 0.01;

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
  /** Interleaved timing rounds after one warm-up round. */
  latencyReps: number;
  /** How many of the whole test photos are scored (each degraded by every weather type). */
  photos: number;
  /** Whether the vector-FM arm trains (its parameter claim is exact and needs no training). */
  vector: boolean;
  /** Whether the uncertainty-aware router arm runs. */
  uar: boolean;
  /** Box-downscaling factor of the whole photos (quick and tiny runs; full mode: full resolution). */
  photoScale?: number;
}

/**
 * Quick: 1536 train / 1000 test patches, 2 epochs (96 steps), one whole test photo downscaled 2x
 * (a quarter of the tiles: the quick suite took 2 min 12 s instead of 2 min 45 s, alone), neither the
 * vector-FM nor the UaR arm, 7 timing rounds. Full (3 seeds): 3072 train / 1000 test patches, 6
 * epochs (576 steps), both whole test photos at full resolution, every arm, 20 timing rounds.
 * Whole photos are degraded by each weather type. Tiny (`--tiny`, a smoke run): 256
 * train / 64 test patches, 1 epoch, one test photo downscaled 8x, 2 timing rounds (the
 * fewest a timing claim can test).
 */
export function restorationPlan(quick: boolean, tiny = false): RestorationPlan {
  if (tiny)
    return {
      trainPatches: 256,
      testPatches: 64,
      epochs: 1,
      latencyReps: 2,
      photos: 1,
      vector: false,
      uar: false,
      photoScale: 8,
    };
  return quick
    ? {
        trainPatches: 1536,
        testPatches: 1000,
        epochs: 2,
        latencyReps: 7,
        photos: 1,
        vector: false,
        uar: false,
        photoScale: 2,
      }
    : {
        trainPatches: 3072,
        testPatches: 1000,
        epochs: 6,
        latencyReps: 20,
        photos: 2,
        vector: true,
        uar: true,
      };
}
