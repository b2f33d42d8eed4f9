/**
 * Configs of the LoRA-expert layers (MixLoRA, DynMoLE): strict zod schemas, the single source of
 * their option types; sizes bounded, `topK` at most `numExperts`.
 */
import { z } from 'zod';
import { LIMITS, sizeField } from './bounds';
import { MAX_CAPACITY_FACTOR, refineTopK, RouterConfigSchema } from './moe';

/** What every LoRA-expert layer has: the frozen FFN's size, the experts and their rank. */
const loraFields = {
  dim: sizeField(LIMITS.dim),
  /** Hidden width of the frozen dense FFN. */
  hidden: sizeField(LIMITS.hidden),
  numExperts: sizeField(LIMITS.numExperts),
  /** LoRA rank r of each expert. */
  rank: sizeField(LIMITS.dim),
  /** LoRA α (updates scaled by α / r); default 2r. */
  alpha: z.number().positive().max(1e4).optional(),
  dispatch: z.enum(['dense', 'sorted', 'capacity']).default('sorted'),
  capacityFactor: z.number().positive().max(MAX_CAPACITY_FACTOR).default(1.25),
};

/** MixLoRA's layer: LoRA experts over a frozen FFN with a top-k router and the Switch aux loss. */
export const MixLoraConfigSchema = z
  .strictObject({
    ...loraFields,
    topK: sizeField(LIMITS.numExperts),
    router: RouterConfigSchema.prefault({ type: 'softmax' }),
    losses: z
      .strictObject({
        /** Switch aux loss coefficient (MixLoRA: 0.01). */
        aux: z.number().min(0).default(0.01),
        /** Router z-loss coefficient. */
        z: z.number().min(0).default(0),
      })
      .prefault({}),
  })
  .superRefine(refineTopK);
export type MixLoraConfig = z.output<typeof MixLoraConfigSchema>;
export type MixLoraConfigInput = z.input<typeof MixLoraConfigSchema>;

/** DynMoLE's layer: the same experts with the Tsallis-entropy hybrid router and its losses. */
export const DynMoleConfigSchema = z
  .strictObject({
    ...loraFields,
    /** Experts a confident token keeps at least (DynMoLE's `keep_top_k`). */
    topK: sizeField(LIMITS.numExperts),
    /** Tsallis entropy index q (default 1.1). */
    q: z
      .number()
      .gt(0)
      .max(10)
      .refine((v) => Math.abs(v - 1) > 1e-6, 'q must differ from 1')
      .default(1.1),
    /** Tokens with Tsallis entropy above this are routed softly to every expert (default 0.9). */
    threshold: z.number().min(0).max(1000).default(0.9),
    /** Confident tokens keep the top-p share of the probability, at least topK experts (default 0.75). */
    topP: z.number().gt(0).max(1).default(0.75),
    losses: z
      .strictObject({
        /** Load-balance loss on the kept weights (DynMoLE's aux term). */
        aux: z.number().min(0).default(0.01),
        /** Tsallis-entropy loss coefficient (mean entropy of the router's distributions). */
        entropy: z.number().min(0).default(0.01),
      })
      .prefault({}),
  })
  .superRefine(refineTopK);
export type DynMoleConfig = z.output<typeof DynMoleConfigSchema>;
export type DynMoleConfigInput = z.input<typeof DynMoleConfigSchema>;
