/**
 * Options of the compression tools (pruning, compressed experts, subspace merging) as strict zod
 * schemas: sizes bounded like every other config. Checks that need the layer (an expert id below
 * its numExperts, a rank within its dim) are made where the layer is known, naming the field.
 */
import { z } from 'zod';
import { LIMITS, sizeField } from '../config/bounds';
import { instanceField } from '../config/fields';
import { tf } from '../tf';

const expertId = z
  .number()
  .int()
  .min(0)
  .max(LIMITS.numExperts - 1);

/** Which experts `pruneExperts` keeps: their ids, or the `count` best by a calibration statistic. */
export const PruneSelectionSchema = z.union([
  z.array(expertId).min(1).max(LIMITS.numExperts),
  z.strictObject({ count: sizeField(LIMITS.numExperts), by: z.enum(['usage', 'saliency']) }),
]);
export type PruneSelection = z.input<typeof PruneSelectionSchema>;

/** Options of `calibrateExperts`. */
export const CalibrationOptionsSchema = z.strictObject({
  /** What the router reads, when not the tokens (a block's residual stream), shaped like them. */
  routerInput: instanceField(tf.Tensor, 'tf.Tensor').optional(),
  /** Tokens per pass: every expert runs on every token of a pass ([E, chunk, D] at once). */
  chunk: sizeField(LIMITS.tokens).default(256),
});
export type CalibrationOptions = z.input<typeof CalibrationOptionsSchema>;

/** Options of `LowRankFfnExperts`. */
export const LowRankFfnBankOptionsSchema = z
  .strictObject({
    numExperts: sizeField(LIMITS.numExperts),
    dim: sizeField(LIMITS.dim),
    hidden: sizeField(LIMITS.hidden),
    /** Rank r of both factorised projections. */
    rank: sizeField(LIMITS.dim),
    activation: z.enum(['gelu', 'relu', 'silu']).default('gelu'),
  })
  .superRefine((o, ctx) => {
    if (o.rank > Math.min(o.dim, o.hidden)) {
      ctx.addIssue({
        code: 'custom',
        path: ['rank'],
        message: `rank ${o.rank} exceeds min(dim, hidden) = ${Math.min(o.dim, o.hidden)}`,
      });
    }
  });
export type LowRankFfnBankOptions = z.input<typeof LowRankFfnBankOptionsSchema>;

/** Options of `compressExperts`. */
export const CompressedExpertsOptionsSchema = z.strictObject({
  /** Rank of each expert's compressed copy, at most min(dim, hidden). */
  rank: sizeField(LIMITS.dim),
  /** Dispatch path of the compressed layer (capacity would halve each tier's capacity). */
  dispatch: z.enum(['dense', 'sorted']).default('sorted'),
});
export type CompressedExpertsOptions = z.input<typeof CompressedExpertsOptionsSchema>;

/** Options of `SubspaceMergedExperts`. */
export const SubspaceBankOptionsSchema = z
  .strictObject({
    numExperts: sizeField(LIMITS.numExperts),
    dim: sizeField(LIMITS.dim),
    hidden: sizeField(LIMITS.hidden),
    /** Rank r of each group's shared bases, at most dim. */
    rank: sizeField(LIMITS.dim),
    activation: z.enum(['gelu', 'relu', 'silu']).default('gelu'),
    /** The group of each expert [numExperts]: ids 0..G-1, every id used. */
    groupOf: z.array(expertId).min(1).max(LIMITS.numExperts),
  })
  .superRefine((o, ctx) => {
    if (o.rank > o.dim) {
      ctx.addIssue({ code: 'custom', path: ['rank'], message: `rank ${o.rank} exceeds dim ${o.dim}` });
    }
    const issue = groupIssue(o.groupOf, o.numExperts);
    if (issue) ctx.addIssue({ code: 'custom', path: ['groupOf'], message: issue });
  });
export type SubspaceBankOptions = z.input<typeof SubspaceBankOptionsSchema>;

/** Options of `mergeExperts`. */
export const SubspaceMergeOptionsSchema = z.strictObject({
  /** Rank r of each group's shared bases, at most dim. */
  rank: sizeField(LIMITS.dim),
  /** The group of each expert (from `groupExperts`): ids 0..G-1, every id used. */
  groupOf: z.array(expertId).min(1).max(LIMITS.numExperts),
});
export type SubspaceMergeOptions = z.input<typeof SubspaceMergeOptionsSchema>;

/** What is wrong with a grouping of `numExperts` experts, or undefined when it is sound. */
export function groupIssue(groupOf: readonly number[], numExperts: number): string | undefined {
  if (groupOf.length !== numExperts) return `has ${groupOf.length} entries for ${numExperts} experts`;
  const groups = Math.max(...groupOf) + 1;
  const used = new Set(groupOf);
  if (used.size !== groups) return `group ids must be 0..${groups - 1} with each used, got [${groupOf}]`;
  return undefined;
}
