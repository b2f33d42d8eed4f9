/** Sizes and schedules of the multimodal-vqa suite per mode: the model, the data and the training stages. */
export interface VqaPlan {
  dim: number;
  /** FFN width of the base model and of every upcycled expert. */
  hidden: number;
  encoderEpochs: number;
  /** Stage 0: text-only language modelling on captions. */
  textSamples: number;
  textEpochs: number;
  /** Stage 1: connector-only alignment. */
  alignSamples: number;
  alignEpochs: number;
  /** Stage 2 training-set sizes (the MoIIE grid), ascending; MoTE trains on the largest. */
  sizes: number[];
  epochs: number;
  moteEpochs: number;
  testSamples: number;
  batchSize: number;
}

/** MNIST image ranges per class: the training pool and the disjoint test images. */
export const TRAIN_IMAGES = { from: 0, perClass: 800 };
export const TEST_IMAGES = { from: 800, perClass: 63 };

/** Test samples in the batch whose forward pass is timed. */
export const LATENCY_BATCH = 64;

const QUICK: VqaPlan = {
  dim: 48,
  hidden: 96,
  encoderEpochs: 3,
  textSamples: 4000,
  textEpochs: 3,
  alignSamples: 1500,
  alignEpochs: 3,
  sizes: [200, 400, 800],
  epochs: 3,
  moteEpochs: 2,
  testSamples: 800,
  batchSize: 32,
};

const FULL: VqaPlan = {
  ...QUICK,
  encoderEpochs: 5,
  textSamples: 8000,
  textEpochs: 4,
  alignSamples: 4000,
  alignEpochs: 3,
  sizes: [1000, 2000, 4000],
  epochs: 4,
  moteEpochs: 3,
  testSamples: 2000,
};

/** Quick: sizes 200 / 400 / 800, 800 test questions; full: sizes 1000 / 2000 / 4000, 2000 test questions. */
export function vqaPlan(quick: boolean): VqaPlan {
  return quick ? QUICK : FULL;
}
