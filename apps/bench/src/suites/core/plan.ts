/** Sizes of the core suite per mode: the model, the data and the training. */
export const PATCH = 7;
export const TOKENS = (28 / PATCH) ** 2;

/** The token classifier every arm shares (only its FFN slot differs). */
export const MODEL = { inputDim: PATCH * PATCH, tokens: TOKENS, dim: 48, heads: 4, depth: 2, numClasses: 10 };

/** Every how many training steps the balance series keeps a MaxVio point (the last step is always kept). */
export const BALANCE_EVERY = 5;

export interface CorePlan {
  trainPerClass: number;
  testPerClass: number;
  epochs: number;
  batchSize: number;
  lr: number;
}

/**
 * Images per class (10 classes). Quick: 300 / 100 per class, 2 epochs (the quick bench budget);
 * full: 1000 / 200 per class, 8 epochs; tiny (`--tiny`, a smoke run): 32 / 10 per class, 1 epoch.
 */
export function corePlan(quick: boolean, tiny = false): CorePlan {
  if (tiny) return { trainPerClass: 32, testPerClass: 10, epochs: 1, batchSize: 64, lr: 3e-3 };
  return quick
    ? { trainPerClass: 300, testPerClass: 100, epochs: 2, batchSize: 64, lr: 3e-3 }
    : { trainPerClass: 1000, testPerClass: 200, epochs: 8, batchSize: 64, lr: 3e-3 };
}
