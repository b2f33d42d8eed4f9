import { z } from 'zod';

/** Router settings; `type` selects one of the routers in `moe/routers`. */
export const RouterConfigSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('softmax'),
    jitter: z.number().min(0).max(1).default(0),
    normalize: z.boolean().default(true),
    /** A learned bias on the logits, `x W + b` (MoFME's released router); off by default. */
    bias: z.boolean().default(false),
  }),
  z.object({ type: z.literal('noisy') }),
  z.object({
    type: z.literal('sigmoid-loss-free'),
    biasUpdateRate: z.number().min(0).default(1e-3),
    routeScale: z.number().positive().default(1),
  }),
  z.object({
    type: z.literal('expert-choice'),
    capacityFactor: z.number().positive().default(1),
    scoring: z.enum(['softmax', 'sigmoid']).default('softmax'),
  }),
  z.object({ type: z.literal('hash'), seed: z.number().int().optional() }),
  z.object({ type: z.literal('balanced') }),
  z.object({
    type: z.literal('uncertainty'),
    samples: z.number().int().min(2).default(5),
    dropout: z.number().min(0).max(0.9).default(0.1),
    sampleAtInference: z.boolean().default(false),
    bias: z.boolean().default(false),
  }),
]);
export type RouterConfig = z.output<typeof RouterConfigSchema>;

/**
 * What the router of a routed layer inside a transformer block reads: `normed` (the block's
 * normalised tokens, like the experts) or `residual` (the un-normalised residual stream, as in
 * MoFME's released code). Outside a block there is no residual stream and the tokens are read.
 */
export const RouterInputSchema = z.enum(['normed', 'residual']).default('normed');
export type RouterInput = z.output<typeof RouterInputSchema>;

/** Coefficients of the balancing losses an MoE layer adds in training (0 turns a term off). */
export const MoELossConfigSchema = z.object({
  /** Switch/Mixtral aux loss `E · Σ f_i P_i`. */
  aux: z.number().min(0).default(0.01),
  /** Router z-loss. */
  z: z.number().min(0).default(0),
  /** CV² of importance and load (noisy top-k). */
  cv2: z.number().min(0).default(0),
  /** Sequence-level aux loss (needs [B, L, D] input). */
  seqAux: z.number().min(0).default(0),
});

/**
 * A zod refinement for any expert config: `topK` may not exceed `numExperts` (reported on `topK`).
 * Use as `schema.superRefine(refineTopK)`.
 */
export function refineTopK(c: { topK: number; numExperts: number }, ctx: z.RefinementCtx): void {
  if (c.topK > c.numExperts) {
    ctx.addIssue({
      code: 'custom',
      path: ['topK'],
      message: `topK (${c.topK}) exceeds numExperts (${c.numExperts})`,
    });
  }
}

/**
 * The MoE layer's settings without `dim`: what a model's FFN-slot config holds (the model fills
 * in `dim`). `hidden` is the hidden width of ONE routed expert.
 */
export const MoESlotOptionsSchema = z.object({
  hidden: z.number().int().positive(),
  numExperts: z.number().int().min(1),
  topK: z.number().int().min(1),
  expert: z.enum(['ffn', 'swiglu']).default('ffn'),
  activation: z.enum(['gelu', 'relu', 'silu']).default('gelu'),
  router: RouterConfigSchema.prefault({ type: 'softmax' }),
  dispatch: z.enum(['dense', 'sorted', 'capacity']).default('sorted'),
  capacityFactor: z.number().positive().default(1.25),
  sharedExperts: z.number().int().min(0).default(0),
  /** Hidden width of each shared expert (default: `hidden`). */
  sharedHidden: z.number().int().positive().optional(),
  losses: MoELossConfigSchema.prefault({}),
  routerInput: RouterInputSchema,
});

export type MoESlotOptions = z.output<typeof MoESlotOptionsSchema>;
export type MoESlotOptionsInput = z.input<typeof MoESlotOptionsSchema>;

/** The MoE layer's configuration: the single source of truth for {@link MoELayer}. */
export const MoELayerConfigSchema = MoESlotOptionsSchema.extend({
  dim: z.number().int().positive(),
}).superRefine(refineTopK);
export type MoELayerConfig = z.output<typeof MoELayerConfigSchema>;
export type MoELayerConfigInput = z.input<typeof MoELayerConfigSchema>;

/**
 * The FFN slot of a transformer block as config: a dense GELU FFN of width `hidden`, or an MoE
 * layer (its `dim` comes from the model). Models compose it (or extend the union with their own
 * routed kinds) so every router and dispatch option reaches every model, type-checked.
 */
export const FfnSlotConfigSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('dense'), hidden: z.number().int().positive() }),
  z.object({ kind: z.literal('moe'), moe: MoESlotOptionsSchema.superRefine(refineTopK) }),
]);
export type FfnSlotConfig = z.output<typeof FfnSlotConfigSchema>;
export type FfnSlotConfigInput = z.input<typeof FfnSlotConfigSchema>;

/**
 * DeepSeekMoE fine-grained segmentation: split every expert into `m` experts of hidden/m and
 * activate m·k of them, keeping total and active parameters (up to biases) unchanged.
 */
export function fineGrained(config: MoELayerConfigInput, m: number): MoELayerConfigInput {
  if (!Number.isInteger(m) || m < 1 || config.hidden % m !== 0) {
    throw new Error(`fineGrained: m=${m} must be a positive integer dividing hidden=${config.hidden}`);
  }
  return { ...config, numExperts: config.numExperts * m, topK: config.topK * m, hidden: config.hidden / m };
}
