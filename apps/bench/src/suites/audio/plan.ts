/** Sizes of the audio suite per mode (the model and the data are fixed by @moe-zoo/audio's defaults). */

/** `latencyMsPerBatch` is the median ms of one forward pass of this many test clips. */
export const LATENCY_BATCH = 32;

/** Label shuffles behind each specialisation statistic's null distribution. */
export const SHUFFLES = 50;

export interface AudioPlan {
  epochs: number;
  batchSize: number;
  /** At most this many utterances per split (before SNR expansion; tiny runs only, else all). */
  maxTrain?: number;
  maxTest?: number;
}

/** Quick: 3 epochs; full: 8 epochs; batch 32; tiny (`--tiny`, a smoke run): 1 epoch on 48 / 24 utterances. */
export function audioPlan(quick: boolean, tiny = false): AudioPlan {
  if (tiny) return { epochs: 1, batchSize: 32, maxTrain: 48, maxTest: 24 };
  return { epochs: quick ? 3 : 8, batchSize: 32 };
}
