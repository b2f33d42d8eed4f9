import type { Suite } from '../../types';
import { loadFashionMnist } from '../../data/fashion-mnist';
import { BASELINE, evoMoeArm, MPO_EXPERTS, rmoeArms, SKYWORK } from './arms';
import { jetMoeArm, mohArms } from './attention-arms';
import { designsClaims } from './claims';
import { loraTaskSets } from './lora-data';
import { loraArms } from './lora-model';
import { runLoraArms } from './lora-run';
import { designsNotes } from './notes';
import { designsPlan, loraPlan } from './plan';
import { runArms } from './run';
import { runUpcyclingArms } from './upcycle-run';

/**
 * The `designs` suite: designs of the MoE literature on a Fashion-MNIST patch transformer
 * (Skywork-MoE's gating logit normalisation and adaptive aux coefficients, EvoMoE's
 * dense-to-sparse gate, RMoE's layerwise recurrent router), routed attention (MoH's routed heads,
 * JetMoE's attention and FFN experts against a dense block), upcycling of a trained dense model
 * (FFN-only against BAM's FFN and attention experts) and LoRA-expert fine-tuning of a frozen
 * trained model on three MNIST / Fashion-MNIST tasks (MixLoRA, DynMoLE). Opt-in: not part of the
 * default run of every suite.
 */
export const designsSuite: Suite = {
  name: 'designs',
  description:
    "Fashion-MNIST patch transformer: Skywork-MoE's normalised gating (fixed / adaptive aux), EvoMoE's dense-to-sparse gate, RMoE's recurrent router; MoH and JetMoE routed attention; BAM vs FFN-only upcycling of a trained dense model; multi-task LoRA fine-tuning of a frozen model: MixLoRA, DynMoLE (opt-in: moe-bench run designs)",
  defaultRun: false,
  async run(ctx) {
    const plan = designsPlan(ctx.quick);
    const data = loadFashionMnist(plan.trainPerClass, plan.testPerClass);
    const routing = await runArms(
      ctx,
      plan,
      'routing',
      [BASELINE, ...SKYWORK, evoMoeArm(plan), MPO_EXPERTS],
      data,
    );
    const rmoe = await runArms(ctx, plan, 'recurrent-routing', rmoeArms(), data);
    const attention = await runArms(ctx, plan, 'routed-attention', [...mohArms(), jetMoeArm()], data);
    const upcycling = await runUpcyclingArms(ctx, plan, data);
    const lora = loraPlan(ctx.quick);
    const tasks = loraTaskSets(lora, plan.trainPerClass);
    const finetune = await runLoraArms(ctx, plan, lora, loraArms(), data, tasks);
    const rows = [...routing, ...rmoe, ...attention, ...upcycling, ...finetune];
    return {
      rows,
      claims: designsClaims(rows),
      notes: designsNotes(plan, lora, ctx.quick),
      mainMetrics: ['accuracy', 'testLoss', 'entropy', 'expertSim', 'dropRate', 'earlyLoss', 'routingMI'],
    };
  },
};
