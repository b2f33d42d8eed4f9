/**
 * The options of `MpoExperts` (MPOE's experts, Gao et al. 2022, arXiv:2203.01104) as a strict zod
 * schema: sizes bounded, the factorisations of `dim` and `hidden` checked against them.
 */
import { z } from 'zod';
import { LIMITS, sizeField } from '../../config/bounds';
import { refineExpertWidth } from '../../config/moe';

/** Most cores an MPO may have (the paper uses 5). */
export const MAX_MPO_CORES = 9;

const product = (xs: readonly number[]): number => xs.reduce((p, x) => p * x, 1);

/**
 * Checks the MPO layout: an odd core count in [3, {@link MAX_MPO_CORES}], factor lists of that
 * length whose products are `dim` and `hidden`. Issues name the field.
 */
export function refineMpoLayout(
  o: { dim: number; hidden: number; cores?: number; dimFactors?: number[]; hiddenFactors?: number[] },
  ctx: z.RefinementCtx,
): void {
  const n = o.cores ?? o.dimFactors?.length ?? o.hiddenFactors?.length ?? 5;
  if (!(n % 2 === 1 && n >= 3 && n <= MAX_MPO_CORES)) {
    const path = o.cores !== undefined ? 'cores' : o.dimFactors ? 'dimFactors' : 'hiddenFactors';
    ctx.addIssue({
      code: 'custom',
      path: [path],
      message: `an MPO needs an odd number of cores in [3, ${MAX_MPO_CORES}], got ${n}`,
    });
    return;
  }
  const lists = [
    ['dimFactors', o.dimFactors, o.dim],
    ['hiddenFactors', o.hiddenFactors, o.hidden],
  ] as const;
  for (const [path, factors, size] of lists) {
    if (!factors) continue;
    if (factors.length !== n) {
      ctx.addIssue({ code: 'custom', path: [path], message: `has ${factors.length} factors for ${n} cores` });
    } else if (product(factors) !== size) {
      ctx.addIssue({
        code: 'custom',
        path: [path],
        message: `[${factors.join(', ')}] multiplies to ${product(factors)}, not ${size}`,
      });
    }
  }
}

/** Options of `MpoExperts`. */
export const MpoBankOptionsSchema = z
  .strictObject({
    numExperts: sizeField(LIMITS.numExperts),
    dim: sizeField(LIMITS.dim),
    hidden: sizeField(LIMITS.hidden),
    activation: z.enum(['gelu', 'relu', 'silu']).optional(),
    /** Cores n of each weight's MPO, odd (default: the factor lists' length, else 5). */
    cores: z.number().int().optional(),
    /** `dim` = i_1 ··· i_n (default: balanced factors, the largest in the centre). */
    dimFactors: z.array(sizeField(LIMITS.dim)).optional(),
    /** `hidden` = j_1 ··· j_n (default: balanced factors, the largest in the centre). */
    hiddenFactors: z.array(sizeField(LIMITS.hidden)).optional(),
    /** Largest bond dimension (default: none, the MPO is exact). */
    bondDim: sizeField(LIMITS.hidden).optional(),
    /** One central tensor for all experts (MPOE, default) or one per expert (plain MPO experts). */
    shareCentral: z.boolean().optional(),
    /** The central tensors' gradient is multiplied by this (MPOE's gradient mask; default 1). */
    centralGradScale: z.number().min(0).max(1e4).optional(),
    /** In training, each entry of the central gradient is kept with this probability (default 1). */
    centralGradKeep: z.number().gt(0).max(1).optional(),
  })
  .superRefine(refineExpertWidth)
  .superRefine(refineMpoLayout);
