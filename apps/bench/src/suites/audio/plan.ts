/** Sizes of the audio suite per mode (the model and the data are fixed by @moe-zoo/audio's defaults). */

/** `latencyMsPerBatch` is the median ms of one forward pass of this many test clips. */
export const LATENCY_BATCH = 32;

/** Label shuffles behind each specialisation statistic's null distribution. */
export const SHUFFLES = 50;

export interface AudioPlan {
  epochs: number;
  batchSize: number;
}

/** Quick: 3 epochs; full: 8 epochs; batch 32. */
export function audioPlan(quick: boolean): AudioPlan {
  return { epochs: quick ? 3 : 8, batchSize: 32 };
}
