import type { FfnSlotConfigInput, MoESlotOptionsInput } from '@moe-zoo/core';
import { MOE, stepsPerEpoch, type DesignsPlan } from './plan';

/** One configuration of the designs suite's token classifier. */
export interface Arm {
  variant: string;
  ffn: FfnSlotConfigInput;
  /** EvoMoE's start: epochs on one shared expert, then diversified with this mask ratio. */
  shared?: { epochs: number; maskRatio: number };
}

/** Skywork-MoE's λ in the bench: logits with per-token standard deviation 2 before the softmax. */
export const SKYWORK_SCALE = 2;

/** The adaptive coefficient's ξ and β: α's fixed point is the base 0.01 at a 10% drop rate. */
export const ADAPTIVE = { sensitivity: 0.1, smoothing: 0.9 } as const;

const moe = (extra: Partial<MoESlotOptionsInput>): FfnSlotConfigInput => ({
  kind: 'moe',
  moe: { ...MOE, losses: { aux: 0.01 }, ...extra },
});

/** The softmax top-2 baseline: also the "sparse gate from the start" EvoMoE is compared with. */
export const BASELINE: Arm = { variant: 'softmax-top2', ffn: moe({ router: { type: 'softmax' } }) };

/** (a) Skywork-MoE: gating logit normalisation, with fixed and with adaptive aux coefficients. */
export const SKYWORK: Arm[] = [
  { variant: 'skywork-norm', ffn: moe({ router: { type: 'normalized-softmax', scale: SKYWORK_SCALE } }) },
  {
    variant: 'skywork-norm-adaptive',
    ffn: moe({
      router: { type: 'normalized-softmax', scale: SKYWORK_SCALE },
      losses: { aux: 0.01, adaptiveAux: ADAPTIVE },
    }),
  },
];

/** (b) EvoMoE: one shared expert, diversified, then the dense-to-sparse gate (annealed over the plan's epochs). */
export function evoMoeArm(plan: DesignsPlan): Arm {
  return {
    variant: 'evomoe-dts',
    ffn: moe({
      router: {
        type: 'dense-to-sparse',
        temperatureStart: 2,
        temperatureEnd: 0.3,
        annealSteps: plan.annealEpochs * stepsPerEpoch(plan),
      },
    }),
    shared: { epochs: plan.sharedEpochs, maskRatio: 0.5 },
  };
}

/** EvoMoE's first phase: the same blocks with one shared expert (a dense FFN of one expert's width). */
export const SHARED_EXPERT: FfnSlotConfigInput = { kind: 'dense', hidden: MOE.hidden };
