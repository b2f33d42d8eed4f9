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
