import type { Suite } from '../../types';
import { loadFashionMnist } from '../../data/fashion-mnist';
import { BASELINE, evoMoeArm, MPO_EXPERTS, rmoeArms, SKYWORK } from './arms';
import { jetMoeArm, mohArms } from './attention-arms';
import { BALANCING_ARMS, BALANCING_TASK } from './balancing-arms';
import { balancingClaims } from './balancing-claims';
import { designsClaims } from './claims';
import { duoClaims } from './duo-claims';
import { runDuoArms } from './duo-run';
import { loraTaskSets } from './lora-data';
import { loraArms } from './lora-model';
import { runLoraArms } from './lora-run';
import { designsNotes } from './notes';
import { designsPlan, loraPlan } from './plan';
import { armsForBackend, runArms } from './run';
import { scmoeClaim } from './scmoe-claims';
import { scmoePlan } from './scmoe-plan';
import { runScmoe } from './scmoe-run';
import { runUpcyclingArms } from './upcycle-run';

/**
 * The `designs` suite: designs of the MoE literature on a Fashion-MNIST patch transformer
 * (Skywork-MoE's gating logit normalisation and adaptive aux coefficients, EvoMoE's
 * dense-to-sparse gate, RMoE's layerwise recurrent router), a balancing comparison (BASE layers,
 * hash layers, noisy top-k against top-2 with the aux loss), SCMoE's self-contrast decoding on
 * multi-step arithmetic, routed attention (MoH's routed heads,
 * JetMoE's attention and FFN experts against a dense block), upcycling of a trained dense model
 * (FFN-only against BAM's FFN and attention experts) and LoRA-expert fine-tuning of a frozen
 * trained model on three MNIST / Fashion-MNIST tasks (MixLoRA, DynMoLE), and Duo-LLM's study of
 * small / big / skip FFN routing (an oracle over every routing pattern against trained routers).
 * Opt-in: not part of the default run of every suite.
 */
export const designsSuite: Suite = {
  name: 'designs',
  description:
    "Fashion-MNIST patch transformer: Skywork-MoE's normalised gating (fixed / adaptive aux), EvoMoE's dense-to-sparse gate, RMoE's recurrent router; BASE, hash and noisy top-k routing against top-2 + aux; SCMoE self-contrast on multi-step arithmetic; MoH and JetMoE routed attention; BAM vs FFN-only upcycling of a trained dense model; multi-task LoRA fine-tuning of a frozen model: MixLoRA, DynMoLE; Duo-LLM's small / big / skip FFN routing: an oracle over every pattern against trained routers (opt-in: moe-bench run designs)",
  defaultRun: false,
  async run(ctx) {
    const plan = designsPlan(ctx.quick, ctx.tiny);
    const data = loadFashionMnist(plan.trainPerClass, plan.testPerClass);
    // BASE layers train only where the backend reads back synchronously: left out elsewhere.
    const balancingArms = armsForBackend(BALANCING_ARMS, ctx.backend.name);
    const routing = await runArms(
      ctx,
      plan,
      'routing',
      [BASELINE, ...SKYWORK, evoMoeArm(plan), MPO_EXPERTS],
      data,
    );
    const balancing = await runArms(ctx, plan, BALANCING_TASK, balancingArms.arms, data);
    const arithmetic = await runScmoe(ctx, scmoePlan(ctx.quick, ctx.tiny));
    const rmoe = await runArms(ctx, plan, 'recurrent-routing', rmoeArms(), data);
    const attention = await runArms(ctx, plan, 'routed-attention', [...mohArms(), jetMoeArm()], data);
    const upcycling = await runUpcyclingArms(ctx, plan, data);
    const lora = loraPlan(ctx.quick, ctx.tiny);
    const tasks = loraTaskSets(lora, plan.trainPerClass);
    const finetune = await runLoraArms(ctx, plan, lora, loraArms(), data, tasks);
    const duo = await runDuoArms(ctx, plan, data);
    const rows = [
      ...routing,
      ...balancing,
      ...arithmetic,
      ...rmoe,
      ...attention,
      ...upcycling,
      ...finetune,
      ...duo,
    ];
    return {
      rows,
      claims: [
        ...designsClaims(rows),
        ...balancingClaims(rows, balancingArms.leftOut),
        scmoeClaim(rows),
        ...duoClaims(rows),
      ],
      notes: designsNotes(plan, lora, ctx.quick, ctx.tiny ?? false, balancingArms.leftOut),
      mainMetrics: [
        'accuracy',
        'testLoss',
        'entropy',
        'expertSim',
        'dropRate',
        'trainMaxVio',
        'earlyLoss',
        'routingMI',
        'compute',
      ],
    };
  },
};
