import type { MOMA_ARMS } from '@moe-zoo/multimodal';

/** One FFN configuration of the interleaved LM (a key of `MOMA_ARMS`) and its row's variant name. */
export interface MomaArm {
  ffn: keyof typeof MOMA_ARMS;
  variant: string;
  /** SwiGLU hidden width of the FFN (default: the LM's 64, which FLOP-matches the experts). */
  hidden?: number;
}

/** Variant names the claims look up. */
export const DENSE = 'dense-swiglu64';
export const MIXED = 'ec-mixed-8x64';
export const MOMA = 'moma-4t4i-ec';

/**
 * The FLOP-matched dense SwiGLU FFN, 8 mixed experts with expert choice, and MoMa's 4 text + 4
 * image experts (expert choice in each group). The dense arm runs first: the MoE arms' FLOPs
 * savings are measured against its training curves.
 */
export const MOMA_ARM_LIST: readonly MomaArm[] = [
  { ffn: 'dense', variant: DENSE },
  { ffn: 'mixed8', variant: MIXED },
  { ffn: 'moma4t4i', variant: MOMA },
];

/** The dense width sweep beside the FLOP-matched dense arm: the wider dense models of `widths`. */
export function denseSweepArms(widths: readonly number[]): MomaArm[] {
  return widths.map((hidden) => ({ ffn: 'dense', variant: `dense-swiglu${hidden}`, hidden }));
}
