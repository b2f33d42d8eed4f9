import type { FfnSlotConfigInput } from '@moe-zoo/core';

/** One configuration of the audio transformer: its FFN slot. */
export interface Arm {
  variant: string;
  ffn: FfnSlotConfigInput;
}

/** The dense twin: a GELU FFN of width 96 = top-2 x 48. */
export const DENSE: Arm = { variant: 'dense-96', ffn: { kind: 'dense', hidden: 96 } };

/** The MoE audio transformer: 8 experts of width 48, top-2 (equal active parameters up to the router). */
export const MOE: Arm = {
  variant: 'moe-8x48-top2',
  ffn: { kind: 'moe', moe: { hidden: 48, numExperts: 8, topK: 2 } },
};

/** The arms, in run order. */
export const ARMS: readonly Arm[] = [DENSE, MOE];
