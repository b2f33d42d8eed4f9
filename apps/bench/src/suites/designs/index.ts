import type { Suite } from '../../types';
import { loadFashionMnist } from '../../data/fashion-mnist';
import { BASELINE, evoMoeArm, SKYWORK } from './arms';
import { designsClaims } from './claims';
import { designsNotes } from './notes';
import { designsPlan } from './plan';
import { runArms } from './run';

/**
 * The `designs` suite: routing designs of the MoE literature on a Fashion-MNIST patch transformer
 * (Skywork-MoE's gating logit normalisation and adaptive aux coefficients, EvoMoE's
 * dense-to-sparse gate). Opt-in: not part of the default run of every suite.
 */
export const designsSuite: Suite = {
  name: 'designs',
  description:
    "Fashion-MNIST patch transformer: Skywork-MoE's normalised gating (with fixed / adaptive aux) and EvoMoE's dense-to-sparse gate against softmax top-2 (opt-in: moe-bench run designs)",
  defaultRun: false,
  async run(ctx) {
    const plan = designsPlan(ctx.quick);
    const data = loadFashionMnist(plan.trainPerClass, plan.testPerClass);
    const rows = await runArms(ctx, plan, 'routing', [BASELINE, ...SKYWORK, evoMoeArm(plan)], data);
    return {
      rows,
      claims: designsClaims(rows),
      notes: designsNotes(plan, ctx.quick),
      mainMetrics: ['accuracy', 'entropy', 'expertSim', 'dropRate', 'earlyLoss', 'testLoss'],
    };
  },
};
