/**
 * The options of every router as strict zod schemas (the single source of the routers' option
 * types): sizes bounded, `k` at most `numExperts`, a misspelt option a `ConfigError` naming it.
 */
import { z } from 'zod';
import { LIMITS, sizeField } from '../../config/bounds';
import { MAX_ANNEAL_STEPS, MAX_CAPACITY_FACTOR } from '../../config/moe';

const dim = sizeField(LIMITS.dim);
const numExperts = sizeField(LIMITS.numExperts);
const k = sizeField(LIMITS.numExperts);

/** `k` (the experts a token runs) may not exceed `numExperts`. */
function refineK(o: { k: number; numExperts: number }, ctx: z.RefinementCtx): void {
  if (o.k > o.numExperts) {
    ctx.addIssue({
      code: 'custom',
      path: ['k'],
      message: `k must be at most numExperts (${o.numExperts}), got ${o.k}`,
    });
  }
}

/** Options of `SoftmaxTopKRouter`. */
export const SoftmaxTopKOptionsSchema = z
  .strictObject({
    dim,
    numExperts,
    k,
    /** Multiplicative input jitter U(1-ε, 1+ε) in training (Switch/Mixtral); 0 = off. */
    jitter: z.number().min(0).max(1).optional(),
    /** Renormalise the k weights to sum to 1 (Mixtral); false keeps raw probabilities (DeepSeekMoE). */
    normalize: z.boolean().optional(),
    /** A learned logit bias `x W + b` (MoFME's `Linear(D, E)`), centred on the first training batch; default false. */
    bias: z.boolean().optional(),
  })
  .superRefine(refineK);

/** Options of `NormalizedSoftmaxRouter` (Skywork-MoE's gating logit normalisation). */
export const NormalizedSoftmaxOptionsSchema = z
  .strictObject({
    dim,
    numExperts,
    k,
    /** λ: the standard deviation of every token's logits after standardisation (default 1). */
    scale: z.number().positive().max(100).optional(),
    /** Renormalise the k weights to sum to 1 (default true). */
    normalize: z.boolean().optional(),
  })
  .superRefine(refineK);

/** Options of `DenseToSparseRouter` (EvoMoE's dense-to-sparse gate). */
export const DenseToSparseOptionsSchema = z
  .strictObject({
    dim,
    numExperts,
    k,
    /** Gumbel-softmax temperature at step 0 (dense, near-uniform routing); default 2. */
    temperatureStart: z.number().positive().max(100).optional(),
    /** Temperature reached after `annealSteps` (then the gate is top-k); default 0.3. */
    temperatureEnd: z.number().positive().max(100).optional(),
    /** Optimizer steps of the exponential anneal; 0 is a sparse top-k gate from the start. */
    annealSteps: z.number().int().min(0).max(MAX_ANNEAL_STEPS),
    /** While dense, experts whose gate weight is below this share get no weight; default 0.001. */
    threshold: z.number().min(0).max(1).optional(),
    /** Gumbel noise on the logits in training (default true). */
    gumbel: z.boolean().optional(),
  })
  .superRefine(refineK);

/** Options of `NoisyTopKRouter`. */
export const NoisyTopKOptionsSchema = z.strictObject({ dim, numExperts, k }).superRefine(refineK);

/** Options of `SigmoidLossFreeRouter`. */
export const SigmoidLossFreeOptionsSchema = z
  .strictObject({
    dim,
    numExperts,
    k,
    /** Bias update rate u of the sign rule (0.001 in the paper); 0 disables balancing. */
    biasUpdateRate: z.number().min(0).max(1).optional(),
    /** Multiplier of the renormalised weights (DeepSeek-V3's route_scale). */
    routeScale: z.number().positive().max(1000).optional(),
  })
  .superRefine(refineK);

/** Options of `ExpertChoiceRouter`. */
export const ExpertChoiceOptionsSchema = z.strictObject({
  dim,
  numExperts,
  /** Tokens per expert = round(capacityFactor · T / E); 1 gives every token one expert on average. */
  capacityFactor: z.number().positive().max(MAX_CAPACITY_FACTOR).optional(),
  /** `softmax` over experts (Zhou et al. 2022) or independent `sigmoid` scores (MoMa). */
  scoring: z.enum(['softmax', 'sigmoid']).optional(),
});

/** Options of `HashRouter`. */
export const HashRouterOptionsSchema = z.strictObject({
  numExperts,
  /** Salt mixed into the hash, so different layers can route differently. */
  seed: z.number().int().optional(),
});

/** Options of `BalancedRouter`. */
export const BalancedRouterOptionsSchema = z.strictObject({ dim, numExperts });

/** Options of `UncertaintyRouter`. */
export const UncertaintyRouterOptionsSchema = z
  .strictObject({
    dim,
    numExperts,
    k,
    /** Monte-Carlo dropout samples M (5 in MoFME). */
    samples: sizeField(LIMITS.small, 2).optional(),
    /** Dropout rate on the router input. */
    dropout: z.number().min(0).max(0.9).optional(),
    /** Keep MC sampling in evaluation (otherwise one pass without dropout). */
    sampleAtInference: z.boolean().optional(),
    /** A learned logit bias, as the softmax router's; default false. */
    bias: z.boolean().optional(),
  })
  .superRefine(refineK);

/** Options of `RecurrentRouter` (RMoE's layerwise recurrent router). */
export const RecurrentRouterOptionsSchema = z
  .strictObject({
    dim,
    numExperts,
    k,
    /** Width S of the GRU state carried across layers (and of the projected router input). */
    stateDim: sizeField(LIMITS.dim),
  })
  .superRefine(refineK);

/** Options of `MlpRouter` (an independent two-layer router). */
export const MlpRouterOptionsSchema = z
  .strictObject({
    dim,
    numExperts,
    k,
    /** Hidden width of the router's MLP. */
    hidden: sizeField(LIMITS.hidden),
  })
  .superRefine(refineK);

/** Options of `TsallisHybridRouter` (DynMoLE's hybrid routing). */
export const TsallisHybridOptionsSchema = z
  .strictObject({
    dim,
    numExperts,
    /** Experts every confident token keeps at least (DynMoLE's `keep_top_k`). */
    k,
    /** The Tsallis entropy index q (> 0, not 1). */
    q: z
      .number()
      .gt(0)
      .max(10)
      .refine((v) => Math.abs(v - 1) > 1e-6, 'q must differ from 1 (q = 1 is the Shannon limit)')
      .optional(),
    /** Tokens whose Tsallis entropy exceeds this are routed softly to every expert. */
    threshold: z.number().min(0).max(1000).optional(),
    /** Confident tokens keep the experts inside this cumulative probability (top-p), at least k. */
    topP: z.number().gt(0).max(1).optional(),
  })
  .superRefine(refineK);
