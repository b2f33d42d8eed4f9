/** The routed-attention arms of the designs suite: MoH against multi-head attention, JetMoE against a dense block. */
import { BASELINE, type Arm } from './arms';

/** MoH's arms: 8 heads of width 4 (D = 32); 2 shared heads and the top 4 of the 6 routed ones per token. */
export const MOH = { heads: 8, sharedHeads: 2, topK: 4 } as const;

/** Heads a token uses in the MoH arm: (2 shared + 4 routed) / 8 = 0.75. */
export const MOH_ACTIVE_HEADS = (MOH.sharedHeads + MOH.topK) / MOH.heads;

/**
 * (MoH, Jin et al. 2024, arXiv 2410.11842) multi-head attention with 8 heads against MoH over the
 * same 8 heads; both with the suite's MoE FFN slot (softmax top-2, the baseline's), so only the
 * attention differs.
 */
export function mohArms(): Arm[] {
  const model = { heads: MOH.heads };
  return [
    { variant: 'mha-8-heads', ffn: BASELINE.ffn, model },
    {
      variant: 'moh-8-heads',
      ffn: BASELINE.ffn,
      model,
      attention: { kind: 'moh', sharedHeads: MOH.sharedHeads, topK: MOH.topK },
    },
  ];
}

/**
 * JetMoE's block in the bench (Shen et al. 2024, arXiv 2404.07413; 8 experts top-2 in both layers,
 * as JetMoE-8B): 8 attention experts of 2 heads of width 8 (their own query and output projections,
 * shared keys and values), and 8 FFN experts of hidden 36, both top-2, dropless. Sized so that its
 * active parameters per token are within 1% of the dense model it is compared with (MHA + a dense
 * FFN of hidden 64, the BAM seed model): 19,674 vs 19,594, and equal forward FLOPs.
 */
export const JETMOE = {
  attention: { numExperts: 8, topK: 2, heads: 2, headDim: 8 },
  ffn: { hidden: 36, numExperts: 8, topK: 2 },
} as const;

/** The JetMoE arm: attention experts and FFN experts in every block (Switch aux 0.01, router z-loss 0.001). */
export function jetMoeArm(): Arm {
  return {
    variant: 'jetmoe-moa-moe',
    ffn: {
      kind: 'moe',
      moe: {
        ...JETMOE.ffn,
        router: { type: 'softmax' },
        dispatch: 'sorted',
        losses: { aux: 0.01, z: 0.001 },
      },
    },
    attention: { kind: 'jetmoe', ...JETMOE.attention },
  };
}

/**
 * The upcycling rows' variants, in order: the dense seed model (also the dense side of JetMoE's
 * claim), sparse upcycling's FFN-only MoE, BAM (FFN and attention experts).
 */
export const UPCYCLING_VARIANTS = ['dense-ffn64', 'ffn-upcycled', 'bam-upcycled'] as const;
