import { z } from 'zod';
import { LIMITS, refineParamBudget, sizeField } from './bounds';
import { ConfigError } from './parse';

/** The largest capacity factor (tokens per expert over the even share) a config may ask for. */
export const MAX_CAPACITY_FACTOR = 64;

/** The longest temperature anneal (optimizer steps) a dense-to-sparse router may ask for. */
export const MAX_ANNEAL_STEPS = 10_000_000;

/**
 * Router settings; `type` selects one of the routers in `moe/routers`. Strict: a misspelt option
 * (`biasUpdaterate`) is an error naming it, not silently dropped.
 */
export const RouterConfigSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('softmax'),
    jitter: z.number().min(0).max(1).default(0),
    normalize: z.boolean().default(true),
    /** A learned bias on the logits, `x W + b` (MoFME's released router); off by default. */
    bias: z.boolean().default(false),
  }),
  z.strictObject({ type: z.literal('noisy') }),
  z.strictObject({
    type: z.literal('sigmoid-loss-free'),
    biasUpdateRate: z.number().min(0).max(1).default(1e-3),
    routeScale: z.number().positive().max(1000).default(1),
  }),
  z.strictObject({
    type: z.literal('expert-choice'),
    capacityFactor: z.number().positive().max(MAX_CAPACITY_FACTOR).default(1),
    scoring: z.enum(['softmax', 'sigmoid']).default('softmax'),
  }),
  z.strictObject({ type: z.literal('hash'), seed: z.number().int().optional() }),
  z.strictObject({ type: z.literal('balanced') }),
  z.strictObject({
    type: z.literal('uncertainty'),
    samples: sizeField(LIMITS.small, 2).default(5),
    dropout: z.number().min(0).max(0.9).default(0.1),
    sampleAtInference: z.boolean().default(false),
    bias: z.boolean().default(false),
  }),
  /** Skywork-MoE: logits standardised per token and scaled by λ (`scale`) before the softmax. */
  z.strictObject({
    type: z.literal('normalized-softmax'),
    scale: z.number().positive().max(100).default(1),
    normalize: z.boolean().default(true),
  }),
  /** EvoMoE: Gumbel-softmax annealed from dense routing over every expert to top-k. */
  z.strictObject({
    type: z.literal('dense-to-sparse'),
    temperatureStart: z.number().positive().max(100).default(2),
    temperatureEnd: z.number().positive().max(100).default(0.3),
    annealSteps: z.number().int().min(0).max(MAX_ANNEAL_STEPS),
    threshold: z.number().min(0).max(1).default(1e-3),
    gumbel: z.boolean().default(true),
  }),
  /**
   * RMoE: a GRU shared by the model's routed layers carries a routing state from layer to layer;
   * each layer's logits are read from it (`stateDim`: the state's width).
   */
  z.strictObject({ type: z.literal('recurrent'), stateDim: sizeField(LIMITS.dim).default(8) }),
  /** A two-layer scorer `tanh(x W1 + b1) W2` per layer (RMoE's equal-parameter baseline). */
  z.strictObject({ type: z.literal('mlp'), hidden: sizeField(LIMITS.hidden) }),
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
export const MoELossConfigSchema = z.strictObject({
  /** Switch/Mixtral aux loss `E · Σ f_i P_i`. */
  aux: z.number().min(0).default(0.01),
  /** Router z-loss. */
  z: z.number().min(0).default(0),
  /** CV² of importance and load (noisy top-k). */
  cv2: z.number().min(0).default(0),
  /** Sequence-level aux loss (needs [B, L, D] input). */
  seqAux: z.number().min(0).default(0),
  /**
   * Skywork-MoE's adaptive aux coefficient: `aux` is the start, then after every step
   * `α ← β·α + (1-β)·ξ·d` from the layer's drop rate d (`sensitivity` ξ, `smoothing` β).
   */
  adaptiveAux: z
    .strictObject({
      sensitivity: z.number().min(0).max(10).default(0.1),
      smoothing: z.number().min(0).max(0.9999).default(0.9),
    })
    .optional(),
});

/** Routed expert values one layer may hold per unit of `dim`: `numExperts x hidden` at most. */
export const MAX_EXPERT_WIDTH = 2 ** 18;

/**
 * A zod refinement for any expert config: the total routed width `numExperts x hidden` is at most
 * {@link MAX_EXPERT_WIDTH} (reported on `numExperts`). Use as `schema.superRefine(refineExpertWidth)`.
 */
export function refineExpertWidth(c: { hidden: number; numExperts: number }, ctx: z.RefinementCtx): void {
  if (ctx.issues.length === 0 && c.numExperts * c.hidden > MAX_EXPERT_WIDTH) {
    ctx.addIssue({
      code: 'custom',
      path: ['numExperts'],
      message: `numExperts x hidden (${c.numExperts} x ${c.hidden}) exceeds ${MAX_EXPERT_WIDTH}`,
    });
  }
}

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
export const MoESlotOptionsSchema = z.strictObject({
  hidden: sizeField(LIMITS.hidden),
  numExperts: sizeField(LIMITS.numExperts),
  topK: sizeField(LIMITS.numExperts),
  /** `ffn` (GELU/ReLU/SiLU FFN), `swiglu`, or `mpo`: FFN experts as MPOs sharing a central tensor (MPOE). */
  expert: z.enum(['ffn', 'swiglu', 'mpo']).default('ffn'),
  /** The MPO layout of `expert: 'mpo'` (see `MpoExperts`); ignored by the other kinds. */
  mpo: z
    .strictObject({
      /** Cores per weight, odd (default 5). */
      cores: z.number().int().min(3).max(9).optional(),
      /** Largest bond dimension (default: exact). */
      bondDim: sizeField(LIMITS.hidden).optional(),
      /** One central tensor for every expert (default true). */
      shareCentral: z.boolean().optional(),
      /** MPOE's gradient mask: the central tensors' gradient times this (default 1). */
      centralGradScale: z.number().min(0).max(1e4).optional(),
    })
    .optional(),
  activation: z.enum(['gelu', 'relu', 'silu']).default('gelu'),
  router: RouterConfigSchema.prefault({ type: 'softmax' }),
  dispatch: z.enum(['dense', 'sorted', 'capacity']).default('sorted'),
  capacityFactor: z.number().positive().max(MAX_CAPACITY_FACTOR).default(1.25),
  sharedExperts: sizeField(64, 0).default(0),
  /** Hidden width of each shared expert (default: `hidden`). */
  sharedHidden: sizeField(LIMITS.hidden).optional(),
  losses: MoELossConfigSchema.prefault({}),
  routerInput: RouterInputSchema,
});

export type MoESlotOptions = z.output<typeof MoESlotOptionsSchema>;
export type MoESlotOptionsInput = z.input<typeof MoESlotOptionsSchema>;

/** The MoE layer's configuration: the single source of truth for {@link MoELayer}. */
export const MoELayerConfigSchema = MoESlotOptionsSchema.extend({
  dim: sizeField(LIMITS.dim),
})
  .superRefine(refineTopK)
  .superRefine(refineExpertWidth)
  .superRefine(refineParamBudget((c) => moeSlotValues(c, c.dim), 'numExperts'));
export type MoELayerConfig = z.output<typeof MoELayerConfigSchema>;
export type MoELayerConfigInput = z.input<typeof MoELayerConfigSchema>;

/**
 * The FFN slot of a transformer block as config: a dense GELU FFN of width `hidden`, or an MoE
 * layer (its `dim` comes from the model). Models compose it (or extend the union with their own
 * routed kinds) so every router and dispatch option reaches every model, type-checked.
 */
export const FfnSlotConfigSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('dense'), hidden: sizeField(LIMITS.hidden) }),
  z.strictObject({
    kind: z.literal('moe'),
    moe: MoESlotOptionsSchema.superRefine(refineTopK).superRefine(refineExpertWidth),
  }),
]);

/**
 * An upper estimate of the parameter values of an MoE slot of width `dim` (routed and shared
 * experts, router): what schemas bound with `refineParamBudget`.
 */
export function moeSlotValues(
  moe: {
    hidden: number;
    numExperts: number;
    sharedExperts?: number;
    sharedHidden?: number;
    router?: { type: string; stateDim?: number; hidden?: number };
  },
  dim: number,
): number {
  const expert = (h: number): number => 3 * dim * h + h + dim;
  const shared = (moe.sharedExperts ?? 0) * expert(moe.sharedHidden ?? moe.hidden);
  return (
    moe.numExperts * (expert(moe.hidden) + dim + 1) +
    shared +
    routerExtraValues(moe.router, dim, moe.numExperts)
  );
}

/** Router values beyond a linear router's (recurrent: projections and its GRU; MLP: its hidden layer). */
function routerExtraValues(
  router: { type: string; stateDim?: number; hidden?: number } | undefined,
  dim: number,
  experts: number,
): number {
  if (router?.type === 'recurrent') {
    const s = router.stateDim ?? 8;
    return (dim + experts) * s + 6 * s * (s + 1);
  }
  if (router?.type === 'mlp') return (dim + experts + 1) * (router.hidden ?? 0);
  return 0;
}

/** An upper estimate of the parameter values of an FFN slot (dense or MoE) of width `dim`. */
export function ffnSlotValues(slot: FfnSlotConfigInput, dim: number): number {
  return slot.kind === 'dense' ? 3 * dim * slot.hidden + slot.hidden + dim : moeSlotValues(slot.moe, dim);
}

/** An upper estimate of one transformer block's values besides its FFN slot (attention, norms). */
export function attentionBlockValues(dim: number): number {
  return 4 * dim * dim + 8 * dim;
}
export type FfnSlotConfig = z.output<typeof FfnSlotConfigSchema>;
export type FfnSlotConfigInput = z.input<typeof FfnSlotConfigSchema>;

/**
 * DeepSeekMoE fine-grained segmentation: split every expert into `m` experts of hidden/m and
 * activate m·k of them, keeping total and active parameters (up to biases) unchanged.
 */
export function fineGrained(config: MoELayerConfigInput, m: number): MoELayerConfigInput {
  if (!Number.isInteger(m) || m < 1 || config.hidden % m !== 0) {
    throw new ConfigError('fineGrained', [
      { path: 'm', message: `${m} must be a positive integer dividing hidden=${config.hidden}` },
    ]);
  }
  return { ...config, numExperts: config.numExperts * m, topK: config.topK * m, hidden: config.hidden / m };
}
