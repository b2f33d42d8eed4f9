import type { tf } from '../tf';
import type { FfnOutput } from '../moe/types';
import type { Module } from './module';

/**
 * What a block hands to its FFN slot besides the normalised tokens. Every field is per token,
 * with tokens flattened the same way as the slot's input ([T] for input [T, D]); a slot reads
 * what it needs and ignores the rest.
 */
export interface SlotContext {
  /** The block's un-normalised residual stream [T, D] (MoFME's router reads it). */
  residual?: tf.Tensor2D;
  /** Modality code of each token [T] int32 (modality-aware routing: MoIIE, MoMa). */
  modality?: tf.Tensor1D;
  /** 1 for real tokens, 0 for padding [T] float32: padding counts in no loss and no load. */
  valid?: tf.Tensor1D;
  /** Token ids [T] for routers that route by id (hash routing). */
  tokenIds?: Int32Array | tf.Tensor1D;
  /** Sequence length when the T tokens are B sequences of equal length (sequence-level losses). */
  seqLen?: number;
  /**
   * The previous routed layer's routing state [T, S] (`aux.routerState`): what a recurrent router
   * (RMoE) continues from; absent in the first routed layer.
   */
  routerState?: tf.Tensor2D;
  /** Experts to impose on this call instead of the router's choice [T, k] int32 (router replay). */
  imposedRouting?: tf.Tensor2D;
}

/**
 * The one contract of an FFN slot: a dense FFN returns a tensor, a routed layer `{ y, aux }`.
 * Blocks call `forward(tokens, ctx)` with tokens [T, D]; plain FFNs ignore the context.
 */
export interface FfnSlot extends Module {
  forward(x: tf.Tensor, ctx?: SlotContext): FfnOutput;
}
