import { jetMoeHeadShape, type AttentionSlotConfig } from '../config/attention';
import type { AttentionSlot } from './attention-slot';
import { JetMoeAttention } from './jetmoe-attention';
import { MoHAttention } from './moh-attention';

/**
 * A block's attention from its config (`AttentionSlotConfigSchema`): MoH (Jin et al. 2024, arXiv
 * 2410.11842) over the model's `heads`, or JetMoE's attention experts (Shen et al. 2024, arXiv
 * 2404.07413); `undefined` for multi-head attention (absent or `mha`), which the block then builds
 * itself, so a default model's weights and random stream are those of a block without the option.
 *
 * @example
 * ```ts
 * const attention = createAttention({ kind: 'moh', sharedHeads: 2, topK: 4 }, { dim: 32, heads: 8 });
 * const block = new TransformerBlock({ dim: 32, heads: 8, attention, ffn: new GeluFFN(32, 64) });
 * ```
 */
export function createAttention(
  slot: AttentionSlotConfig | undefined,
  model: { dim: number; heads: number; dropout?: number },
): AttentionSlot | undefined {
  if (!slot || slot.kind === 'mha') return undefined;
  const { dim, heads, dropout } = model;
  if (slot.kind === 'moh') {
    const { sharedHeads, topK, auxLoss } = slot;
    return new MoHAttention({ dim, heads, sharedHeads, topK, dropout, auxLoss });
  }
  const { numExperts, topK, auxLoss, zLoss } = slot;
  const shape = jetMoeHeadShape(slot, dim, heads);
  return new JetMoeAttention({ dim, ...shape, numExperts, topK, dropout, auxLoss, zLoss });
}
