import type { AttentionSlotConfigInput, FfnSlotConfigInput, MoESlotOptionsInput } from '@moe-zoo/core';
import { MODEL, MOE, stepsPerEpoch, type DesignsPlan } from './plan';

/** One configuration of the designs suite's token classifier. */
export interface Arm {
  variant: string;
  ffn: FfnSlotConfigInput;
  /** EvoMoE's start: epochs on one shared expert, then diversified with this mask ratio. */
  shared?: { epochs: number; maskRatio: number };
  /** Model fields that differ from the suite's `MODEL` (RMoE's arms are deeper, MoH's have 8 heads). */
  model?: { depth?: number; heads?: number };
  /** The blocks' attention (default multi-head attention): MoH's routed heads, JetMoE's attention experts. */
  attention?: AttentionSlotConfigInput;
  /** Hash routing: the MoE layers get each token's patch position as its token id (`routeByPosition`). */
  tokenIdsFromPosition?: boolean;
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

/** MPOE's layout in the bench: each expert weight an MPO of 3 cores, bond dimension 16, the central core shared. */
export const MPO_LAYOUT = { cores: 3, bondDim: 16 } as const;

/** (d) MPOE: the baseline's experts as MPOs sharing their central tensor (Gao et al. 2022). */
export const MPO_EXPERTS: Arm = {
  variant: 'mpo-experts',
  ffn: moe({ router: { type: 'softmax' }, expert: 'mpo', mpo: MPO_LAYOUT }),
};

/** EvoMoE's first phase: the same blocks with one shared expert (a dense FFN of one expert's width). */
export const SHARED_EXPERT: FfnSlotConfigInput = { kind: 'dense', hidden: MOE.hidden };

/** RMoE's arms: a deeper stack, so the state is carried over three layer boundaries. */
export const RMOE_DEPTH = 4;
/** RMoE's GRU state width S (the projected router input has the same width). */
export const RMOE_STATE = 8;

/**
 * Router parameters of the RMoE model: per layer the projection P [D, S] and the read-out
 * O [S, E]; once, the shared GRU cell (`wi`, `wh` [S, 3S], `bi`, `bh` [3S]).
 */
export function rmoeRouterParams(): number {
  const { dim: d } = MODEL;
  const { numExperts: e } = MOE;
  const s = RMOE_STATE;
  return RMOE_DEPTH * (d * s + s * e) + 6 * s * s + 6 * s;
}

/**
 * The independent routers' MLP width: the smallest hidden width m whose routers,
 * `depth · m · (D + 1 + E)` parameters, are at least RMoE's router parameters (GRU included), so
 * the baseline never has fewer router parameters than RMoE.
 */
export function matchingMlpHidden(): number {
  return Math.ceil(rmoeRouterParams() / (RMOE_DEPTH * (MODEL.dim + 1 + MOE.numExperts)));
}

/** (c) RMoE: the layerwise recurrent router against independent MLP routers with at least its router parameters. */
export function rmoeArms(): Arm[] {
  const model = { depth: RMOE_DEPTH };
  return [
    { variant: 'rmoe-gru', ffn: moe({ router: { type: 'recurrent', stateDim: RMOE_STATE } }), model },
    { variant: 'independent-mlp', ffn: moe({ router: { type: 'mlp', hidden: matchingMlpHidden() } }), model },
  ];
}
