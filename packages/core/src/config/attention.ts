import { z } from 'zod';
import { LIMITS, sizeField } from './bounds';

/** A loss coefficient of a routed attention (bounded like the MoE slot's). */
const coefficient = z.number().min(0).max(100).optional();

/**
 * The attention of a model's transformer blocks as config (models compose it; strict, sizes
 * bounded): `mha` (multi-head attention, the default when the field is absent), `moh` (MoH, Jin et
 * al. 2024, arXiv 2410.11842: the model's `heads`, the first `sharedHeads` always on and `topK` of
 * the others per token) or `jetmoe` (JetMoE's mixture of attention experts, Shen et al. 2024,
 * arXiv 2404.07413: `numExperts` experts with their own query and output projections over shared
 * keys and values, `topK` per token; `heads` defaults to the model's, `headDim` to `dim / heads`).
 * Cross-field rules against the model's `dim` and `heads` are {@link refineAttentionSlot}.
 *
 * @example
 * ```ts
 * AttentionSlotConfigSchema.parse({ kind: 'moh', sharedHeads: 2, topK: 4 }); // 6 of 8 heads per token
 * ```
 */
export const AttentionSlotConfigSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('mha') }),
  z.strictObject({
    kind: z.literal('moh'),
    /** Heads every token uses (the first ones); the model's other heads are routed. */
    sharedHeads: sizeField(LIMITS.heads, 0),
    /** Routed heads per token. */
    topK: sizeField(LIMITS.heads),
    /** Coefficient of the routed heads' load-balance loss (default 0.01). */
    auxLoss: coefficient,
  }),
  z.strictObject({
    kind: z.literal('jetmoe'),
    /** Attention experts E. */
    numExperts: sizeField(LIMITS.numExperts),
    /** Experts per token (`numExperts`: every expert weighted by the router's softmax). */
    topK: sizeField(LIMITS.numExperts),
    /** Heads of every expert (default: the model's `heads`). */
    heads: sizeField(LIMITS.heads).optional(),
    /** Width of a head (default `dim / heads`). */
    headDim: sizeField(LIMITS.dim).optional(),
    /** Coefficient of the Switch balance loss (default 0.01). */
    auxLoss: coefficient,
    /** Coefficient of the router z-loss (default 0.001; 0 = off). */
    zLoss: coefficient,
  }),
]);
export type AttentionSlotConfig = z.output<typeof AttentionSlotConfigSchema>;
export type AttentionSlotConfigInput = z.input<typeof AttentionSlotConfigSchema>;

/** The heads and head width of a JetMoE attention slot in a model of `dim` and `heads`. */
export function jetMoeHeadShape(
  slot: { heads?: number; headDim?: number },
  dim: number,
  heads: number,
): { heads: number; headDim: number } {
  const h = slot.heads ?? heads;
  return { heads: h, headDim: slot.headDim ?? dim / h };
}

/**
 * A zod refinement of a model config with an `attention` slot: MoH leaves at least one routed
 * head and routes at most the routed heads; JetMoE routes at most its experts, its heads divide
 * `dim` when `headDim` is not given and `heads × headDim` stays within `LIMITS.dim`. Issues name
 * `attention.<field>`.
 */
export function refineAttentionSlot(
  c: { dim: number; heads: number; attention?: AttentionSlotConfigInput },
  ctx: z.RefinementCtx,
): void {
  const a = c.attention;
  if (ctx.issues.length > 0 || !a || a.kind === 'mha') return;
  const issue = (field: string, message: string): void =>
    ctx.addIssue({ code: 'custom', path: ['attention', field], message });
  if (a.kind === 'moh') {
    if (a.sharedHeads >= c.heads) {
      issue('sharedHeads', `must leave at least one routed head: ${a.sharedHeads} of heads ${c.heads}`);
    } else if (a.topK > c.heads - a.sharedHeads) {
      issue('topK', `must be at most the routed heads (${c.heads - a.sharedHeads}), got ${a.topK}`);
    }
    return;
  }
  const heads = a.heads ?? c.heads;
  if (a.topK > a.numExperts) {
    issue('topK', `must be at most numExperts (${a.numExperts}), got ${a.topK}`);
  } else if (a.headDim === undefined && c.dim % heads !== 0) {
    issue('heads', `${heads} does not divide dim (${c.dim})`);
  } else if (heads * (a.headDim ?? c.dim / heads) > LIMITS.dim) {
    issue('headDim', `heads × headDim must be at most ${LIMITS.dim}`);
  }
}

/**
 * An upper estimate of the parameter values of one block's attention of width `dim` with `heads`
 * heads (no norms): multi-head attention `4·dim² + 4·dim`; MoH adds its head routers; JetMoE has
 * E query and output projections, shared keys and values and its router.
 */
export function attentionSlotValues(
  slot: AttentionSlotConfigInput | undefined,
  dim: number,
  heads: number,
): number {
  const mha = 4 * dim * dim + 4 * dim;
  if (!slot || slot.kind === 'mha') return mha;
  if (slot.kind === 'moh') return mha + dim * (heads + 2);
  const shape = jetMoeHeadShape(slot, dim, heads);
  const inner = shape.heads * shape.headDim;
  const e = slot.numExperts;
  return e * (2 * dim * inner + inner + dim) + 2 * (dim * inner + inner) + dim * e;
}
