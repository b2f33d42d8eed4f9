import {
  FfnSlotConfigSchema,
  ffnSlotValues,
  GeluFFN,
  MoELayer,
  moeSlotValues,
  type FfnSlot,
} from '@moe-zoo/core';
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
  z.strictObject({ kind: z.literal('group'), group: GroupMoESlotOptionsSchema }),
  z.strictObject({ kind: z.literal('mote'), mote: MoTESlotOptionsSchema }),
]);
export type VqaFfnSlot = z.output<typeof VqaFfnSlotSchema>;
export type VqaFfnSlotInput = z.input<typeof VqaFfnSlotSchema>;

/**
 * An upper estimate of a slot's parameter values at width `dim`: core's for dense and MoE; a
 * group-routed MoE is an MoE plus a router per group; MoTE adds its frozen shared FFN.
 */
export function vqaSlotValues(slot: VqaFfnSlotInput, dim: number): number {
  switch (slot.kind) {
    case 'dense':
    case 'moe':
      return ffnSlotValues(slot, dim);
    case 'group':
      return moeSlotValues(slot.group, dim) + slot.group.groups.length * dim * slot.group.numExperts;
    case 'mote':
      return moeSlotValues(slot.mote, dim) + 3 * dim * slot.mote.hidden;
  }
}

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
