import { GeluFFN, MoELayer, Module, tf, type FfnOutput } from '@moe-zoo/core';

/**
 * Per-token context an FFN slot may route by: `modality` [T] int32 (1 = image token, 0 = text token)
 * and `valid` [T] float (0 for `<pad>` tokens, which routers should leave out of their balance losses).
 */
export interface TokenContext {
  modality: tf.Tensor1D;
  valid: tf.Tensor1D;
}

/** An FFN slot that routes by token modality (MoIIE, modality MoE): it receives the token context. */
export interface ContextualFfn {
  forwardTokens(x: tf.Tensor2D, ctx: TokenContext): FfnOutput;
}

/**
 * What can fill the FFN slot of a {@link MultimodalBlock}: a plain FFN/MoE (`forward(x)`) or a
 * {@link ContextualFfn}. Tokens arrive flattened to [T, dim].
 */
export type FfnSlot = Module & ({ forward(x: tf.Tensor): FfnOutput } | ContextualFfn);

/**
 * A sparse module that knows how many of its parameters one token leaves unused (routed experts
 * it does not pick, routers of other modalities).
 */
export interface SparseParams {
  inactiveParams(): number;
}

/** True for slots implementing {@link ContextualFfn}. */
export function isContextual(slot: FfnSlot): slot is Module & ContextualFfn {
  return typeof (slot as Partial<ContextualFfn>).forwardTokens === 'function';
}

function isSparse(m: Module): m is Module & SparseParams {
  return typeof (m as Partial<SparseParams>).inactiveParams === 'function';
}

/**
 * Total parameters and the parameters one token uses, for any module tree holding core
 * {@link MoELayer}s or {@link SparseParams} modules (core's `parameterCounts` only knows MoELayer).
 *
 * @example
 * ```ts
 * const { total, active } = sparseParameterCounts(model);
 * ```
 */
export function sparseParameterCounts(module: Module): { total: number; active: number } {
  const skipped = (m: Module): number => {
    if (m instanceof MoELayer) return m.countParams() - m.activeParams();
    if (isSparse(m)) return m.inactiveParams();
    return m.namedChildren().reduce((s, [, c]) => s + skipped(c), 0);
  };
  const total = module.countParams();
  return { total, active: total - skipped(module) };
}

/** Forward FLOPs per token (2 per multiply-add) of an FFN slot: dense GELU FFN, core MoE layer or any slot with `flopsPerToken()`. */
export function slotFlopsPerToken(slot: FfnSlot): number {
  if (slot instanceof GeluFFN) return 4 * slot.dim * slot.hidden;
  const f = (slot as Partial<{ flopsPerToken(): number }>).flopsPerToken;
  if (typeof f === 'function') return f.call(slot);
  throw new Error(`slotFlopsPerToken: ${slot.constructor.name} has no flopsPerToken()`);
}
