import { GeluFFN, type DenseFfnWeights, type FfnSlot } from '@moe-zoo/core';
import type { VqaFfnSlotInput } from './ffn-slot';
import { copyMatchingWeights, moeLayerIndices, VqaTransformer } from './model';

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

/** A dense FFN's weights in the form core's `upcycle` copies into every expert. */
export function ffnWeights(ffn: GeluFFN): DenseFfnWeights {
  return { w1: ffn.fc1.weight, b1: ffn.fc1.bias, w2: ffn.fc2.weight, b2: ffn.fc2.bias };
}

/** Which blocks' FFNs are up-cycled: the odd ones (MoIIE / MoE-LLaVA, default) or every block. */
export type MoeLayerChoice = 'odd' | 'all';

/** The block indices `choice` names in a model of `depth` blocks. */
export function moeLayersOf(depth: number, choice: MoeLayerChoice = 'odd'): number[] {
  return choice === 'all' ? Array.from({ length: depth }, (_, i) => i) : moeLayerIndices(depth);
}

/**
 * A copy of a trained all-dense model whose MoE layers (`layers`: the odd ones by default, or all)
 * get the slot `slot(denseFfn)` describes, its weights written by `init(model, layer, denseFfn)`;
 * every other weight is copied. `who` names the caller when the model is not all-dense.
 */
export function withMoeSlots(
  dense: VqaTransformer,
  who: string,
  slot: (ffn: GeluFFN) => VqaFfnSlotInput,
  init: (model: VqaTransformer, layer: number, ffn: GeluFFN) => void,
  layers: MoeLayerChoice = 'odd',
): VqaTransformer {
  const moe = moeLayersOf(dense.config.depth, layers);
  const ffns = dense.blocks.map((_, layer) => denseFfnAt(dense, layer, who));
  const model = new VqaTransformer({
    ...dense.config,
    ffn: ffns.map((ffn, layer) => (moe.includes(layer) ? slot(ffn) : { kind: 'dense', hidden: ffn.hidden })),
  });
  for (const l of moe) init(model, l, ffns[l]);
  copyMatchingWeights(dense, model, (name) => moe.some((l) => name.startsWith(`blocks.${l}.ffn.`)));
  return model;
}
