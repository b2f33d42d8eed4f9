import type { z } from 'zod';

/**
 * A zod refinement for configs whose `groups` each take the tokens of some modalities: no modality
 * may be in two groups (reported on `groups.<i>.modalities`).
 */
export function refineDisjointModalities(
  groups: readonly { modalities: readonly number[] }[],
  ctx: z.RefinementCtx,
): void {
  const seen = new Set<number>();
  groups.forEach((g, i) => {
    for (const m of g.modalities) {
      if (seen.has(m))
        ctx.addIssue({
          code: 'custom',
          path: ['groups', i, 'modalities'],
          message: `modality ${m} is in more than one group`,
        });
      seen.add(m);
    }
  });
}
