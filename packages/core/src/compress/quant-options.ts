/**
 * Options of the post-training quantization tools for experts (mixed precision with online
 * top-any pruning, entropy-coded ternary, nested bit widths) as strict zod schemas.
 */
import { z } from 'zod';
import { TERNARY_BITS } from '../quant/channel-quant';

/** A per-expert bit width: an integer in [2, 8], or 1.58 for ternary. */
export const ExpertBitsSchema = z.union([z.literal(TERNARY_BITS), z.number().int().min(2).max(8)]);

/** Options of `mixedPrecisionExperts`. */
export const MixedPrecisionOptionsSchema = z.strictObject({
  /** Stored bytes the quantized experts may take in all (codes, scales and biases). */
  budgetBytes: z.number().int().min(1),
  /** The widths an expert may take, at least one. */
  widths: z.array(ExpertBitsSchema).min(1).max(8).default([TERNARY_BITS, 2, 4, 8]),
});
export type MixedPrecisionOptions = z.input<typeof MixedPrecisionOptionsSchema>;

/** Options of `TopAnyPrunedLayer`. */
export const TopAnyPruningOptionsSchema = z.strictObject({
  /**
   * A token's non-top expert is dropped when its gate weight divided by the sum of the token's
   * top-k weights is below this (0 keeps every expert).
   */
  threshold: z.number().min(0).max(1).default(0),
  /** Dispatch path (capacity would give the skipped pairs capacity of their own). */
  dispatch: z.enum(['dense', 'sorted']).default('sorted'),
});
export type TopAnyPruningOptions = z.input<typeof TopAnyPruningOptionsSchema>;

/** Options of `entropyCodedTernaryExperts`. */
export const EntropyCodedOptionsSchema = z.strictObject({
  /** Ternary values per Huffman symbol (3^group table entries). */
  group: z.number().int().min(1).max(5).default(4),
});
export type EntropyCodedOptions = z.input<typeof EntropyCodedOptionsSchema>;

/** One served bit width of a nested bank and the smallest renormalised gate weight that gets it. */
export const NestedViewSchema = z.strictObject({
  bits: z.number().int().min(1).max(8),
  minWeight: z.number().min(0).max(1),
});

/** Options of `NestedBitMoELayer`. */
export const NestedBitOptionsSchema = z
  .strictObject({
    /**
     * Served widths, by decreasing `minWeight`; the last must have `minWeight` 0. A (token,
     * expert) pair gets the first width whose `minWeight` its renormalised gate weight reaches.
     */
    views: z
      .array(NestedViewSchema)
      .min(1)
      .max(8)
      .default([
        { bits: 8, minWeight: 0.6 },
        { bits: 4, minWeight: 0.3 },
        { bits: 2, minWeight: 0 },
      ]),
    dispatch: z.enum(['dense', 'sorted']).default('sorted'),
  })
  .superRefine((o, ctx) => {
    o.views.forEach((v, i) => {
      if (i > 0 && v.minWeight >= o.views[i - 1].minWeight) {
        ctx.addIssue({
          code: 'custom',
          path: ['views', i, 'minWeight'],
          message: 'must decrease from view to view',
        });
      }
    });
    if (o.views[o.views.length - 1].minWeight !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['views', o.views.length - 1, 'minWeight'],
        message: 'the last view must take every pair (0)',
      });
    }
  });
export type NestedBitOptions = z.input<typeof NestedBitOptionsSchema>;
