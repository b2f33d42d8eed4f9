import type { FfnSlotConfigInput } from '@moe-zoo/core';

/** One configuration of the core suite's token classifier: its FFN slot. */
export interface Arm {
  variant: string;
  ffn: FfnSlotConfigInput;
}

const MOE_BASE = { hidden: 48, numExperts: 16, topK: 2 };

/** (a) Balancing: 16 experts top-2 with no balancing, aux loss, or the loss-free bias. */
export const BALANCING: Arm[] = [
  { variant: 'none', ffn: { kind: 'moe', moe: { ...MOE_BASE, losses: { aux: 0 } } } },
  { variant: 'aux-1e-3', ffn: { kind: 'moe', moe: { ...MOE_BASE, losses: { aux: 1e-3 } } } },
  { variant: 'aux-1e-2', ffn: { kind: 'moe', moe: { ...MOE_BASE, losses: { aux: 1e-2 } } } },
  {
    variant: 'loss-free-1e-3',
    ffn: {
      kind: 'moe',
      moe: { ...MOE_BASE, losses: { aux: 0 }, router: { type: 'sigmoid-loss-free', biasUpdateRate: 1e-3 } },
    },
  },
  {
    variant: 'loss-free-1e-2',
    ffn: {
      kind: 'moe',
      moe: { ...MOE_BASE, losses: { aux: 0 }, router: { type: 'sigmoid-loss-free', biasUpdateRate: 1e-2 } },
    },
  },
];

/** (b) DeepSeekMoE at equal total and active parameters (hidden h = 64 per coarse expert). */
export const DEEPSEEK: Arm[] = [
  { variant: 'gshard-8x64-top2', ffn: { kind: 'moe', moe: { hidden: 64, numExperts: 8, topK: 2 } } },
  { variant: 'fine-32x16-top8', ffn: { kind: 'moe', moe: { hidden: 16, numExperts: 32, topK: 8 } } },
  {
    variant: 'shared1-fine-31x16-top7',
    ffn: { kind: 'moe', moe: { hidden: 16, numExperts: 31, topK: 7, sharedExperts: 1, sharedHidden: 16 } },
  },
];
