/**
 * Config of Duo-LLM's FFN slot (Alizadeh et al. 2024, arXiv 2410.10846): a small and a big FFN
 * module plus skip, one of the three per token. Strict zod schemas, the single source of its
 * option types; sizes bounded, the small module narrower than the big one.
 */
import { z } from 'zod';
import { LIMITS, refineParamBudget, sizeField } from './bounds';

/**
 * How a Duo slot chooses: `learned` (its linear router, top-1 over skip / small / big) or `random`
 * (a draw from `randomProbs` per token or per sequence: the paper's first stage trains every
 * module under random routing).
 */
export const DuoRoutingSchema = z.enum(['learned', 'random']);
export type DuoRouting = z.output<typeof DuoRoutingSchema>;

/** Probabilities of skip, small and big under random routing (not all zero; normalised when used). */
const ChoiceProbsSchema = z
  .tuple([z.number().min(0).max(1), z.number().min(0).max(1), z.number().min(0).max(1)])
  .refine((p) => p[0] + p[1] + p[2] > 0, 'at least one probability must be positive');

/** The Duo slot's settings without `dim` (what a model's FFN-slot config would hold). */
export const DuoSlotOptionsSchema = z.strictObject({
  /** Hidden width of the small FFN module. */
  smallHidden: sizeField(LIMITS.hidden),
  /** Hidden width of the big FFN module. */
  bigHidden: sizeField(LIMITS.hidden),
  /**
   * `token`: each token chooses; `sequence`: one choice per sequence of `seqLen` tokens (its
   * tokens' mean is what the router reads), for models whose prediction is per sequence.
   */
  routeBy: z.enum(['token', 'sequence']).default('token'),
  /** The routing the slot starts with (`DuoFfn.setRouting` switches it). */
  routing: DuoRoutingSchema.default('learned'),
  /** Skip / small / big probabilities of random routing (default uniform). */
  randomProbs: ChoiceProbsSchema.default([1 / 3, 1 / 3, 1 / 3]),
  /** `sorted` (each module on its own tokens) or `dense` (every module on every token, the reference). */
  dispatch: z.enum(['dense', 'sorted']).default('sorted'),
  losses: z
    .strictObject({
      /**
       * Coefficient λ of the compute penalty `λ · mean_t Σ_c p_tc · cost_c` of the learned router
       * (cost: the module's FLOPs over the big module's; skip 0, big 1).
       */
      compute: z.number().min(0).max(100).default(0),
    })
    .prefault({}),
});
export type DuoSlotOptions = z.output<typeof DuoSlotOptionsSchema>;
export type DuoSlotOptionsInput = z.input<typeof DuoSlotOptionsSchema>;

/** Upper estimate of a Duo slot's parameter values: both modules and the router. */
export function duoSlotValues(c: { smallHidden: number; bigHidden: number }, dim: number): number {
  return (2 * dim + 1) * (c.smallHidden + c.bigHidden) + 2 * dim + 3 * dim;
}

/** The Duo FFN's configuration: the single source of truth for `DuoFfn`. */
export const DuoFfnConfigSchema = DuoSlotOptionsSchema.extend({ dim: sizeField(LIMITS.dim) })
  .superRefine((c, ctx) => {
    if (c.smallHidden >= c.bigHidden) {
      ctx.addIssue({
        code: 'custom',
        path: ['smallHidden'],
        message: `the small module (${c.smallHidden}) must be narrower than the big one (${c.bigHidden})`,
      });
    }
  })
  .superRefine(refineParamBudget((c) => duoSlotValues(c, c.dim), 'bigHidden'));
export type DuoFfnConfig = z.output<typeof DuoFfnConfigSchema>;
export type DuoFfnConfigInput = z.input<typeof DuoFfnConfigSchema>;
