import type { RestorationFfnConfigInput } from '@moe-zoo/restoration';
import { DIM, type RestorationPlan } from './plan';

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
  /** The same weights on the other dispatch path, timed beside the own one (E=8, k=2 arms only). */
  twin?: FfnSlot;
  /** An arm of the E/k sweep (full mode only; timed on its own dispatch path only). */
  sweep: boolean;
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
  sweep: false,
};

/** MoFME's uncertainty-aware router: 5 MC-dropout samples at rate 0.1. */
const UAR_ROUTER = { type: 'uncertainty', samples: 5, dropout: 0.1 } as const;

function moeArm(e: number, k: number, sweep: boolean): Arm {
  const moe: MoEOptions = { hidden: 4 * DIM, numExperts: e, topK: k, losses: { aux: 0 } };
  return {
    model: MODEL.moe,
    variant: moeVariant(e, k),
    ffn: { kind: 'moe', moe: { ...moe, dispatch: 'sorted' } },
    ...(sweep ? {} : { twin: { kind: 'moe', moe: { ...moe, dispatch: 'dense' } } }),
    sweep,
  };
}

function mofmeArm(model: string, fm: MoFMEOptions, sweep: boolean): Arm {
  return {
    model,
    variant: fmVariant(fm.modulation ?? 'linear', fm.numExperts, fm.topK),
    ffn: { kind: 'mofme', mofme: { ...fm, dispatch: 'dense' } },
    ...(sweep ? {} : { twin: { kind: 'mofme', mofme: { ...fm, dispatch: 'sorted' } } }),
    sweep,
  };
}

/**
 * The arms of a mode, E=8 k=2 first: dense FFN, parallel-FFN MoE (sorted dispatch), linear-FM
 * MoFME (dense FM dispatch, as the released code), vector-FM MoFME, linear-FM MoFME with the
 * uncertainty-aware router; then the sweep's MoE and linear-FM arms. No balancing loss anywhere
 * (as in MoFME).
 */
export function restorationArms(plan: RestorationPlan): Arm[] {
  const main: Arm[] = [
    DENSE_ARM,
    moeArm(8, 2, false),
    mofmeArm(MODEL.mofme, { numExperts: 8, topK: 2, modulation: 'linear' }, false),
    mofmeArm(MODEL.mofme, { numExperts: 8, topK: 2, modulation: 'vector' }, false),
    mofmeArm(MODEL.uar, { numExperts: 8, topK: 2, modulation: 'linear', router: UAR_ROUTER }, false),
  ];
  const sweep = plan.sweep.flatMap(([e, k]) => [
    moeArm(e, k, true),
    mofmeArm(MODEL.mofme, { numExperts: e, topK: k, modulation: 'linear' }, true),
  ]);
  return [...main, ...sweep];
}
