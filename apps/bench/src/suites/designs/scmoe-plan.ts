/** The SCMoE task of the designs suite: its sizes per mode, its model and SCMoE's constants. */
import type { TokenClassifierOptions } from '@moe-zoo/core';
import { expressionLength, VOCABULARY } from './arithmetic-data';

/** Operations per expression: 1 to 3, in equal shares. */
export const ARITHMETIC_STEPS = { minSteps: 1, maxSteps: 3 } as const;

/** Seeds of the generated sets: fixed, so every seed and every decoding sees the same items. */
export const ARITHMETIC_SEEDS = { train: 101, test: 202 } as const;

/**
 * SCMoE's decoding, fixed before the run: the weak activation is rank-2 routing (the second
 * choice of the top-2 router alone, `rankOverride` 1 as it counts from 0), the paper's choice for
 * Mixtral; plausibility α = 0.1 and contrast strength β = 0.5.
 */
export const SCMOE = { alpha: 0.1, beta: 0.5, weakRank: 1 } as const;

/** The task's rows: greedy top-2 (strong), greedy rank-2 (weak) and SCMoE's contrast of the two. */
export const SCMOE_VARIANTS = ['top2-greedy', 'rank2-greedy', 'scmoe-top2-rank2'] as const;
export const SCMOE_TASK = 'arithmetic';

/** The task's MoE FFN: 8 experts of hidden 32, top-2. */
export const ARITHMETIC_MOE = { hidden: 32, numExperts: 8, topK: 2 } as const;

/**
 * The token classifier of the task: one-hot tokens in, 10 classes (the value mod 10) out, an MoE
 * FFN of 8 experts top-2 in every block (softmax router, aux 0.01, dropless so that no token is
 * dropped in either decoding).
 */
export const ARITHMETIC_MODEL: TokenClassifierOptions = {
  inputDim: VOCABULARY,
  tokens: expressionLength(ARITHMETIC_STEPS.maxSteps),
  dim: 32,
  heads: 4,
  depth: 2,
  numClasses: 10,
  ffn: {
    kind: 'moe',
    moe: {
      ...ARITHMETIC_MOE,
      router: { type: 'softmax' },
      dispatch: 'sorted',
      losses: { aux: 0.01 },
    },
  },
};

export interface ScmoePlan {
  train: number;
  test: number;
  epochs: number;
  batchSize: number;
  lr: number;
}

/**
 * Quick: 4,000 training expressions, 1,000 test items, 4 epochs of 40 steps (a partly trained
 * model: indicative only). Full: 20,000 / 3,000, 8 epochs of 200 steps. Tiny: 300 / 150, 1 epoch
 * of 3 steps.
 */
export function scmoePlan(quick: boolean, tiny = false): ScmoePlan {
  if (tiny) return { train: 300, test: 150, epochs: 1, batchSize: 100, lr: 1e-2 };
  return quick
    ? { train: 4000, test: 1000, epochs: 4, batchSize: 100, lr: 1e-2 }
    : { train: 20000, test: 3000, epochs: 8, batchSize: 100, lr: 1e-2 };
}

/** Optimizer steps of a plan. */
export function scmoeSteps(plan: ScmoePlan): number {
  return plan.epochs * Math.floor(plan.train / plan.batchSize);
}
