import type { MoEAux } from '../moe/types';
import type { tf } from '../tf';
import type { Module } from './module';

/** Per-token context a block hands its attention (tokens flattened to [B*L]). */
export interface AttentionContext {
  /** 1 for real tokens, 0 for padding [B*L]: padding counts in no balance loss and no load. */
  valid?: tf.Tensor1D;
}

/** What an attention slot returns: a tensor (dense attention) or `{ y, aux }` (routed attention). */
export type AttentionOutput = tf.Tensor | { y: tf.Tensor; aux: MoEAux };

/**
 * The contract of a {@link TransformerBlock}'s attention: `MultiHeadAttention` (a tensor), or a
 * routed attention (`MoHAttention`, `JetMoeAttention`) returning `{ y, aux }`, whose aux the
 * block appends to its FFN slot's.
 */
export interface AttentionSlot extends Module {
  /**
   * @param x queries [B, L, D] (or [L, D])
   * @param kv keys/values (default `x`)
   * @param mask boolean or additive [Lq, Lk] or [B, Lq, Lk]
   * @param ctx per-token context (valid-token mask)
   */
  forward(x: tf.Tensor, kv?: tf.Tensor, mask?: tf.Tensor, ctx?: AttentionContext): AttentionOutput;
}
