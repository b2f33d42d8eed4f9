/** Sizes of the mome suite per mode (the training of the backbone and of the adapters), and metric names. */
import type { RatePair } from '@moe-zoo/multimodal';

/** The high-compression rate pairs (audio pooled by 8) the accuracy claim is about. */
export const HIGH_RATES: readonly RatePair[] = [
  { audio: 8, video: 1 },
  { audio: 8, video: 2 },
];

/** Name of the accuracy metric at a rate pair: `acc_` and the pair's `rateKey`, e.g. `acc_a8v1`. */
export function accuracyMetric(r: RatePair): string {
  return `acc_a${r.audio}v${r.video}`;
}

/** The rate pair latency is timed at (the middle of the grid), on a batch of {@link LATENCY_BATCH}. */
export const LATENCY_RATE: RatePair = { audio: 4, video: 1 };
export const LATENCY_BATCH = 32;

/** Batch size of every training run (the default of `trainAvModel`). */
export const BATCH_SIZE = 32;

export interface MomePlan {
  /** Epochs of backbone pre-training on the uncompressed pair. */
  preEpochs: number;
  /** Epochs of adapter training on the frozen backbone. */
  epochs: number;
  /** Whether the one-adapter-per-rate baseline trains a model for all 6 rate pairs (else only {@link HIGH_RATES}). */
  perRateAllPairs: boolean;
  /** Whether the per-rate-routers ablation of MoME runs. */
  perRateRoutersAblation: boolean;
  /** At most this many utterances per split (before SNR expansion; tiny runs only, else all). */
  maxTrain?: number;
  maxTest?: number;
}

/**
 * Quick: backbone 3 epochs, adapters 2, per-rate adapters only at the high-compression pairs, no
 * ablation. Full: 6 and 5 epochs, per-rate adapters at all 6 pairs, plus MoME with one router per
 * rate (about 345 s of training per seed in reports/full/multimodal.json: ~20 min for 3 seeds).
 * Tiny (`--tiny`, a smoke run): 48 / 24 utterances per split, 1 epoch each.
 */
export function momePlan(quick: boolean, tiny = false): MomePlan {
  if (tiny)
    return {
      preEpochs: 1,
      epochs: 1,
      perRateAllPairs: false,
      perRateRoutersAblation: false,
      maxTrain: 48,
      maxTest: 24,
    };
  return quick
    ? { preEpochs: 3, epochs: 2, perRateAllPairs: false, perRateRoutersAblation: false }
    : { preEpochs: 6, epochs: 5, perRateAllPairs: true, perRateRoutersAblation: true };
}
