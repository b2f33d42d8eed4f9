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
 * Images per class (10 classes). Quick (kept out of the default `npm run bench`): 40 / 50 per
 * class, 5 epochs of 8 steps. Full: 250 / 200 per class, 10 epochs of 39 steps. EvoMoE spends the
 * first fifth of the steps on one shared expert and the next two fifths annealing. Tiny (`--tiny`,
 * a smoke run on slow backends such as software WebGPU): 10 / 5 per class, 3 epochs of 2 steps,
 * EvoMoE one epoch per phase (shared expert, dense anneal, sparse), so every phase runs.
 */
export function designsPlan(quick: boolean, tiny = false): DesignsPlan {
  if (tiny)
    return {
      trainPerClass: 10,
      testPerClass: 5,
      epochs: 3,
      batchSize: 50,
      lr: 3e-3,
      sharedEpochs: 1,
      annealEpochs: 1,
    };
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

/** Hidden width of the dense FFN of the trained model the LoRA arms fine-tune (frozen). */
export const LORA_BASE_HIDDEN = 64;

/** Sizes of the multi-task LoRA fine-tuning (MixLoRA, DynMoLE) per mode. */
export interface LoraPlan {
  /** Training images per class of each task (three tasks of 10 classes). */
  trainPerClass: number;
  /** Test images per class of each task. */
  testPerClass: number;
  epochs: number;
  batchSize: number;
  lr: number;
}

/**
 * Quick: 30 / 30 images per class and task (900 training images, 900 test items), 4 epochs of 18
 * steps. Full: 120 / 100 (3,600 training images, 3,000 test items), 6 epochs of 56 steps. Tiny:
 * 5 / 3 (150 training images, 90 test items), 1 epoch of 3 steps. Peak learning rate 1e-2 (LoRA
 * factors start at B = 0 and move slowly at the full model's 3e-3). The frozen model is the dense
 * twin of the suite's classifier trained on the suite's Fashion-MNIST plan first (per seed).
 */
export function loraPlan(quick: boolean, tiny = false): LoraPlan {
  if (tiny) return { trainPerClass: 5, testPerClass: 3, epochs: 1, batchSize: 50, lr: 1e-2 };
  return quick
    ? { trainPerClass: 30, testPerClass: 30, epochs: 4, batchSize: 50, lr: 1e-2 }
    : { trainPerClass: 120, testPerClass: 100, epochs: 6, batchSize: 64, lr: 1e-2 };
}

/**
 * Upcycling (sparse upcycling's FFN-only MoE against BAM): the trained dense model (MHA, dense FFN
 * of hidden {@link LORA_BASE_HIDDEN}, trained on the suite's plan) becomes MoE models of 4 FFN
 * experts of its width, top-2, dropless; BAM's attention has 4 experts with soft routing (every
 * expert, weighted by the router's softmax). Both are tuned for the plan's epochs (the same steps
 * and batches as the dense model's training) at a third of its peak learning rate.
 */
export const UPCYCLE = { numExperts: 4, topK: 2, lrScale: 1 / 3 } as const;
