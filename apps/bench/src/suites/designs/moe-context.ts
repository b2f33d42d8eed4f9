/**
 * Per-call options for the MoE layers of a token classifier, whose forward pass gives them none:
 * patch positions as token ids (hash routing) and SCMoE's weak rank-r routing.
 */
import type { MoEForwardOptions, TokenClassifier } from '@moe-zoo/core';

/** Options to merge into a layer call, from the call's tokens and its own options. */
type ExtraOptions = (tokens: number, options: MoEForwardOptions) => MoEForwardOptions;

/** Makes every MoE layer of `model` merge `extra` into the options of each call; returns the undo. */
function extendLayerOptions(model: TokenClassifier, extra: ExtraOptions): () => void {
  const layers = model.moeLayers();
  const originals = layers.map((layer) => layer.forward);
  layers.forEach((layer, l) => {
    const forward = originals[l];
    layer.forward = (x, options = {}) =>
      forward.call(layer, x, { ...options, ...extra(x.size / layer.dim, options) });
  });
  return () => layers.forEach((layer, l) => (layer.forward = originals[l]));
}

/** Each token's position in its sequence, for `tokens` tokens of sequences of `seqLen`. */
export function positionIds(tokens: number, seqLen: number): Int32Array {
  return Int32Array.from({ length: tokens }, (_, i) => i % seqLen);
}

/**
 * For good: every MoE layer of `model` gets each token's position in its sequence (the patch
 * position) as its token id, what a hash router routes by. Blocks pass the sequence length.
 */
export function routeByPosition(model: TokenClassifier): void {
  extendLayerOptions(model, (tokens, options) => {
    if (options.seqLen === undefined) throw new Error('routeByPosition: the layer was called without seqLen');
    return { tokenIds: positionIds(tokens, options.seqLen) };
  });
}

/** Runs `f` with every MoE layer of `model` routing each token to its rank-`rank` expert only (0-based). */
export function withRankOverride<R>(model: TokenClassifier, rank: number, f: () => R): R {
  const undo = extendLayerOptions(model, () => ({ rankOverride: rank }));
  try {
    return f();
  } finally {
    undo();
  }
}
