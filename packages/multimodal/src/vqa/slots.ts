import { GeluFFN, type FfnSlot } from '@moe-zoo/core';
import type { VqaTransformer } from './model';

/** The FFN slot of block `layer`, checked to be a `kind` (the up-cycling helpers write into it). */
export function slotAt<T extends FfnSlot>(
  model: VqaTransformer,
  layer: number,
  kind: abstract new (...args: never[]) => T,
): T {
  const slot = model.blocks[layer].ffn;
  if (!(slot instanceof kind))
    throw new Error(`block ${layer} has a ${slot.constructor.name} FFN slot, expected a ${kind.name}`);
  return slot;
}

/** The dense GELU FFN of block `layer` of a model to up-cycle; `who` names the caller in the error. */
export function denseFfnAt(model: VqaTransformer, layer: number, who: string): GeluFFN {
  const ffn = model.blocks[layer].ffn;
  if (!(ffn instanceof GeluFFN))
    throw new Error(`${who}: block ${layer} of the base model is not a dense GeluFFN`);
  return ffn;
}
