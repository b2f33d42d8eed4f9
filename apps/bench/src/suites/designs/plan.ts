/** Sizes of the designs suite per mode: the model, the data and the training. */
export const PATCH = 7;
export const TOKENS = (28 / PATCH) ** 2;

/** The token classifier every arm shares (only its FFN slot differs). */
export const MODEL = { inputDim: PATCH * PATCH, tokens: TOKENS, dim: 32, heads: 4, depth: 2, numClasses: 10 };

/**
 * The MoE slot every arm shares: 8 experts top-2 with capacity dispatch at factor 1, so that
 * tokens are dropped when routing is unbalanced (the drop rate the adaptive coefficient reads).
 */
export const MOE = {
  hidden: 32,
  numExperts: 8,
  topK: 2,
  dispatch: 'capacity',
  capacityFactor: 1,
} as const;

export interface DesignsPlan {
  trainPerClass: number;
  testPerClass: number;
  epochs: number;
  batchSize: number;
  lr: number;
  /** EvoMoE: epochs of training one shared expert before it is diversified into `MOE.numExperts`. */
  sharedEpochs: number;
  /** EvoMoE: epochs (after the shared phase) over which the gate anneals from dense to top-k. */
  annealEpochs: number;
}

/** Optimizer steps of one epoch. */
export function stepsPerEpoch(plan: DesignsPlan): number {
  return Math.floor((10 * plan.trainPerClass) / plan.batchSize);
}

/**
 * Images per class (10 classes). Quick (tiny, about 35 s for every arm together; kept out of the
 * default `npm run bench`): 40 / 50 per class, 5 epochs of 8 steps. Full: 250 / 200 per class,
 * 10 epochs of 39 steps. EvoMoE spends the first fifth of the steps on one shared expert and the
 * next two fifths annealing.
 */
export function designsPlan(quick: boolean): DesignsPlan {
  return quick
    ? {
        trainPerClass: 40,
        testPerClass: 50,
        epochs: 5,
        batchSize: 50,
        lr: 3e-3,
        sharedEpochs: 1,
        annealEpochs: 2,
      }
    : {
        trainPerClass: 250,
        testPerClass: 200,
        epochs: 10,
        batchSize: 64,
        lr: 3e-3,
        sharedEpochs: 2,
        annealEpochs: 4,
      };
}
