/**
 * Upcycling a trained dense classifier (Komatsuzaki et al. 2023, sparse upcycling: FFN experts
 * copied from the dense FFN) and BAM (Zhang et al. 2024, "BAM! Just Like That: Simple and
 * Efficient Parameter Upcycling for Mixture of Attention Experts", arXiv 2408.08274: attention
 * experts copied from the dense attention as well).
 */
import {
  GeluFFN,
  JetMoeAttention,
  MoELayer,
  MultiHeadAttention,
  upcycle,
  upcycleAttention,
  type FfnSlotConfigInput,
  type TokenClassifier,
  type TokenClassifierOptions,
} from '@moe-zoo/core';
import { copyMatching } from './evomoe';
import { LORA_BASE_HIDDEN, MODEL, UPCYCLE } from './plan';

/** The dense seed model: the suite's classifier with a dense FFN of hidden {@link LORA_BASE_HIDDEN}. */
export const DENSE_SEED: TokenClassifierOptions = {
  ...MODEL,
  ffn: { kind: 'dense', hidden: LORA_BASE_HIDDEN },
};

/** The upcycled FFN slot: 4 experts of the dense FFN's width, softmax top-2, Switch aux 0.01, dropless. */
const UPCYCLED_FFN: FfnSlotConfigInput = {
  kind: 'moe',
  moe: {
    hidden: LORA_BASE_HIDDEN,
    numExperts: UPCYCLE.numExperts,
    topK: UPCYCLE.topK,
    router: { type: 'softmax' },
    dispatch: 'sorted',
    losses: { aux: 0.01 },
  },
};

/** Sparse upcycling's model: the dense seed with MoE FFNs. */
export const FFN_UPCYCLED: TokenClassifierOptions = { ...MODEL, ffn: UPCYCLED_FFN };

/**
 * BAM's model: the MoE FFNs plus attention experts of the dense attention's shape (its heads, keys
 * and values shared: BAM's KV-sharing variant), soft routing (top-k = every expert) and no balance
 * loss (every expert runs every token).
 */
export const BAM: TokenClassifierOptions = {
  ...FFN_UPCYCLED,
  attention: { kind: 'jetmoe', numExperts: UPCYCLE.numExperts, topK: UPCYCLE.numExperts, auxLoss: 0 },
};

/**
 * Sparse upcycling: `moe` takes every tensor of the trained `dense` model with the same name and
 * shape (embedding, positions, attention, norms, head), and every expert of each MoE layer becomes
 * a copy of the block's dense FFN (core's `upcycle`, no noise). Routers keep their initialisation.
 */
export function upcycleFfns(dense: TokenClassifier, moe: TokenClassifier): void {
  copyMatching(dense, moe);
  moe.blocks.forEach((block, l) => {
    const ffn = dense.blocks[l].ffn;
    if (!(block.ffn instanceof MoELayer) || !(ffn instanceof GeluFFN)) {
      throw new Error(`block ${l}: upcycling needs a dense FFN and an MoE layer`);
    }
    const { fc1, fc2 } = ffn;
    upcycle(block.ffn.experts, { w1: fc1.weight, b1: fc1.bias, w2: fc2.weight, b2: fc2.bias });
  });
}

/**
 * BAM's attention upcycling of every block (core's `upcycleAttention`: each block's attention
 * experts take the dense attention's query and output projections, its shared keys and values the
 * dense ones), so that with soft routing the upcycled attention computes the dense attention.
 */
export function upcycleAttentions(dense: TokenClassifier, bam: TokenClassifier): void {
  bam.blocks.forEach((block, l) => {
    const attn = block.attn;
    const src = dense.blocks[l].attn;
    if (!(attn instanceof JetMoeAttention) || !(src instanceof MultiHeadAttention)) {
      throw new Error(`block ${l}: BAM needs multi-head attention and attention experts`);
    }
    upcycleAttention(attn, src);
  });
}
