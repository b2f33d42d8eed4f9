import { FfnSlotConfigSchema, GeluFFN, MoELayer, type FfnSlot } from '@moe-zoo/core';
import { z } from 'zod';
import { GroupMoESlotOptionsSchema, GroupRoutedMoE } from '../moiie/group-moe';
import { MoTELayer, MoTESlotOptionsSchema } from '../mote/mote-layer';

/**
 * The FFN slot of one {@link VqaTransformer} block as config; the model fills in `dim`:
 * - `dense`: a GELU FFN of width `hidden` (core);
 * - `moe`: core's `MoELayer` with every router / dispatch / loss option (MoE-LLaVA's float MoE);
 * - `group`: a {@link GroupRoutedMoE} — the MoIIE, modality-MoE and vanilla-MoE arms differ only in
 *   their routing `groups`;
 * - `mote`: a {@link MoTELayer} (frozen shared FFN plus top-1 ternary or binary experts).
 */
export const VqaFfnSlotSchema = z.discriminatedUnion('kind', [
  ...FfnSlotConfigSchema.options,
  z.object({ kind: z.literal('group'), group: GroupMoESlotOptionsSchema }),
  z.object({ kind: z.literal('mote'), mote: MoTESlotOptionsSchema }),
]);
export type VqaFfnSlot = z.output<typeof VqaFfnSlotSchema>;
export type VqaFfnSlotInput = z.input<typeof VqaFfnSlotSchema>;

/** The untrained FFN slot a parsed slot config describes, at model width `dim`. */
export function buildVqaFfnSlot(slot: VqaFfnSlot, dim: number): FfnSlot {
  switch (slot.kind) {
    case 'dense':
      return new GeluFFN(dim, slot.hidden);
    case 'moe':
      return new MoELayer({ ...slot.moe, dim });
    case 'group':
      return new GroupRoutedMoE({ ...slot.group, dim });
    case 'mote':
      return new MoTELayer({ ...slot.mote, dim });
  }
}
