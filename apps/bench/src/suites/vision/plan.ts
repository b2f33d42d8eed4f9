/** Sizes of the vision suite per mode: data, schedules and the answer models' dimensions. */
import { CONTENT_TYPES, EXPERT_DESCRIPTIONS } from '@moe-zoo/vision';

/** Number of specialist experts (one per content type). */
export const EXPERTS = CONTENT_TYPES.length;
/** The experts' descriptions the coarse router reads, in {@link CONTENT_TYPES} order. */
export const DESCRIPTIONS = CONTENT_TYPES.map((t) => EXPERT_DESCRIPTIONS[t]);
/** Width of the answer models and the router. */
export const DIM = 32;
export const HEADS = 4;
/** Patch side of the V-MoE / dense ViT on 28x28 Fashion-MNIST (16 tokens). */
export const VIT_PATCH = 7;
/** Test questions of each arm's latency probe. */
export const LATENCY_BATCH = 64;

/** Sizes and schedules of a run. */
export interface VisionPlan {
  trainPerType: number;
  testPerType: number;
  baseEpochs: number;
  expertEpochs: number;
  labelEpochs: number;
  routerSamples: number;
  routerEpochs: number;
  /** Epochs of each answer-model arm (base, specialists, fusion and the MoVA arms). */
  armEpochs: number;
  batchSize: number;
  lr: number;
  vit: { trainPerClass: number; testPerClass: number; epochs: number; depth: number };
}

const QUICK: VisionPlan = {
  trainPerType: 1500,
  testPerType: 300,
  baseEpochs: 4,
  expertEpochs: 8,
  labelEpochs: 4,
  routerSamples: 2000,
  routerEpochs: 10,
  armEpochs: 7,
  batchSize: 128,
  lr: 1e-2,
  vit: { trainPerClass: 150, testPerClass: 100, epochs: 3, depth: 2 },
};

/**
 * Full mode: the 3-seed run took 4795 s beside two other full suites; scaled from the quick run
 * alone (167 s) by the extra work, it takes about 15 minutes alone.
 */
const FULL: VisionPlan = {
  trainPerType: 2000,
  testPerType: 500,
  baseEpochs: 5,
  expertEpochs: 10,
  labelEpochs: 5,
  routerSamples: 2000,
  routerEpochs: 12,
  armEpochs: 9,
  batchSize: 128,
  lr: 1e-2,
  vit: { trainPerClass: 300, testPerClass: 200, epochs: 4, depth: 2 },
};

/** The plan of a mode: quick (one seed, a few minutes) or full. */
export function visionPlan(quick: boolean): VisionPlan {
  return quick ? QUICK : FULL;
}
