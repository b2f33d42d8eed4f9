/**
 * The options of core's expert banks as strict zod schemas (the single source of their option
 * types): sizes bounded, the routed width `numExperts x hidden` too (see `refineExpertWidth`).
 */
import { z } from 'zod';
import { LIMITS, sizeField } from '../../config/bounds';
import { refineExpertWidth } from '../../config/moe';

/** Options of `FfnExperts`. */
export const FfnBankOptionsSchema = z
  .strictObject({
    numExperts: sizeField(LIMITS.numExperts),
    dim: sizeField(LIMITS.dim),
    hidden: sizeField(LIMITS.hidden),
    activation: z.enum(['gelu', 'relu', 'silu']).optional(),
  })
  .superRefine(refineExpertWidth);

/** Options of `SwiGluExperts`. */
export const SwiGluBankOptionsSchema = z
  .strictObject({
    numExperts: sizeField(LIMITS.numExperts),
    dim: sizeField(LIMITS.dim),
    hidden: sizeField(LIMITS.hidden),
  })
  .superRefine(refineExpertWidth);

/** Options of `LoraExperts` (LoRA experts over one frozen GELU FFN). */
export const LoraBankOptionsSchema = z
  .strictObject({
    numExperts: sizeField(LIMITS.numExperts),
    dim: sizeField(LIMITS.dim),
    /** Hidden width of the frozen FFN. */
    hidden: sizeField(LIMITS.hidden),
    /** LoRA rank r of every expert's updates. */
    rank: sizeField(LIMITS.dim),
    /** LoRA α: the updates are scaled by α / r (default 2r, i.e. a scale of 2). */
    alpha: z.number().positive().max(1e4).optional(),
  })
  .superRefine((o, ctx) => {
    refineExpertWidth({ numExperts: o.numExperts, hidden: o.rank }, ctx);
    if (o.rank > Math.min(o.dim, o.hidden)) {
      ctx.addIssue({
        code: 'custom',
        path: ['rank'],
        message: `rank ${o.rank} exceeds min(dim, hidden) = ${Math.min(o.dim, o.hidden)}`,
      });
    }
  });
