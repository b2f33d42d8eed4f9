import type { RestorationFfnConfigInput } from '@moe-zoo/restoration';
import { AUX_LOSS, DIM, type RestorationPlan } from './plan';

type FfnSlot = RestorationFfnConfigInput;
type MoEOptions = Extract<FfnSlot, { kind: 'moe' }>['moe'];
type MoFMEOptions = Extract<FfnSlot, { kind: 'mofme' }>['mofme'];

/** The `model` field of the suite's rows. */
export const MODEL = { dense: 'dense', moe: 'moe', mofme: 'mofme', uar: 'mofme-uar' } as const;

/** One configuration of the restoration net: its FFN slot. */
export interface Arm {
  model: string;
  variant: string;
  ffn: FfnSlot;
  /** The same weights on the other dispatch path, timed beside the own one. */
  twin?: FfnSlot;
}

/** Variant name of the parallel-FFN MoE at E experts, top-k. */
export function moeVariant(e: number, k: number): string {
  return `parallel-ffn-e${e}k${k}`;
}

/** Variant name of a MoFME arm (plain or UaR router) with the given modulation. */
export function fmVariant(modulation: 'linear' | 'vector', e: number, k: number): string {
  return `${modulation}-fm-e${e}k${k}`;
}

/** Where an `all` row keeps the timing samples (ms, in round order) of one dispatch path. */
export function latencySamplesKey(dispatch: string): string {
  return `latencySamplesMs_${dispatch}`;
}

/** The dense reference: a GELU FFN of width 4D. */
const DENSE_ARM: Arm = {
  model: MODEL.dense,
  variant: 'ffn-4d',
  ffn: { kind: 'dense', hidden: 4 * DIM },
};

/** The released MoFME router, used by every routed arm: `Linear(D, E)` with bias on the residual stream. */
const ROUTER = { type: 'softmax', bias: true } as const;

/**
 * MoFME's uncertainty-aware router: 5 MC-dropout samples at rate 0.1, with the same bias and input,
 * in training and at inference. The released code routes with the plain router at inference; in
 * the full run of 2026-12-05 that left four of the last layer's eight experts unused on the test
 * patches (loads 0.38 / 0.08 / 0.11 / 0.44 on the others, the first seed) while the sampled
 * routing it was trained with ended balanced (MaxVio 0.08).
 */
const UAR_ROUTER = {
  type: 'uncertainty',
  samples: 5,
  dropout: 0.1,
  bias: true,
  sampleAtInference: true,
} as const;

function moeArm(e: number, k: number): Arm {
  const moe: MoEOptions = {
    hidden: 4 * DIM,
    numExperts: e,
    topK: k,
    router: ROUTER,
    routerInput: 'residual',
    losses: { aux: AUX_LOSS },
  };
  return {
    model: MODEL.moe,
    variant: moeVariant(e, k),
    ffn: { kind: 'moe', moe: { ...moe, dispatch: 'sorted' } },
    twin: { kind: 'moe', moe: { ...moe, dispatch: 'dense' } },
  };
}

function mofmeArm(model: string, fm: MoFMEOptions): Arm {
  const mofme: MoFMEOptions = { router: ROUTER, routerInput: 'residual', auxLoss: AUX_LOSS, ...fm };
  return {
    model,
    variant: fmVariant(fm.modulation ?? 'linear', fm.numExperts, fm.topK),
    ffn: { kind: 'mofme', mofme: { ...mofme, dispatch: 'sorted' } },
    twin: { kind: 'mofme', mofme: { ...mofme, dispatch: 'dense' } },
  };
}

/**
 * The arms, E=8 k=2: dense FFN, parallel-FFN MoE, linear-FM MoFME, and where the plan says so
 * vector-FM MoFME and linear-FM MoFME with the uncertainty-aware router. Routed arms train on sorted dispatch (the k chosen
 * experts only: the same outputs as dense dispatch, fewer FLOPs) and are timed on both. Every routed arm has the released code's router (bias, on the residual stream) and the
 * same balancing ({@link AUX_LOSS}; MoFME itself trains without one, and its routers collapse).
 */
export function restorationArms(plan: RestorationPlan): Arm[] {
  return [
    DENSE_ARM,
    moeArm(8, 2),
    mofmeArm(MODEL.mofme, { numExperts: 8, topK: 2, modulation: 'linear' }),
    ...(plan.vector ? [mofmeArm(MODEL.mofme, { numExperts: 8, topK: 2, modulation: 'vector' })] : []),
    ...(plan.uar
      ? [mofmeArm(MODEL.uar, { numExperts: 8, topK: 2, modulation: 'linear', router: UAR_ROUTER })]
      : []),
  ];
}

/** The largest MaxVio of a token-choice top-k routing: every token's k choices on the same k experts. */
export function maxVioCeiling(ffn: FfnSlot): number | undefined {
  if (ffn.kind === 'dense') return undefined;
  const { numExperts, topK } = ffn.kind === 'moe' ? ffn.moe : ffn.mofme;
  return numExperts / topK - 1;
}
