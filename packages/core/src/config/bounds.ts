/**
 * Upper bounds of every size field of every model config (docs/architecture.md section 3,
 * "Configs"). They are far above anything this library trains on TensorFlow.js yet low enough
 * that a config (or an edited checkpoint manifest) cannot ask for gigabytes: a schema that
 * composes these fields refuses `dim: 48000` or `numExperts: 1e5` naming the field, before
 * anything is allocated. Cross-field products (experts x hidden x dim, depth x layer size) are
 * bounded by {@link refineParamBudget}.
 */
import { z } from 'zod';

/** The bounds, by kind of field. */
export const LIMITS = {
  /** Model / token width (`dim`, `expertDim`, `baseDim`, `inputDim`, `patchDim`). */
  dim: 4096,
  /** Hidden width of an FFN or of one expert. */
  hidden: 16_384,
  /** Experts of one routed layer. */
  numExperts: 1024,
  /** Blocks of a stack (`depth`, `blocks`). */
  depth: 64,
  /** Attention heads. */
  heads: 64,
  /** Tokens of a sequence, positions of a positional table. */
  tokens: 16_384,
  /** Vocabulary entries, classes and answers. */
  vocab: 262_144,
  /** Channels of a convolution. */
  channels: 4096,
  /** Image side or tile side, in pixels. */
  imageSize: 4096,
  /** Patch side, stride, down-sampling factor, in pixels. */
  patch: 256,
  /** Small counters: samples, ratios, repetition factors. */
  small: 1024,
  /**
   * Parameter values one model may register (2^28 = 268M values, 1 GiB of float32): what
   * {@link refineParamBudget} allows for a model's estimate.
   */
  paramValues: 2 ** 28,
} as const;

/** An integer size field in `[min, max]`; zod's message names the bound, `ConfigError` the field. */
export function sizeField(max: number, min = 1): z.ZodNumber {
  return z.number().int().min(min).max(max);
}

/**
 * A zod refinement bounding what a config would allocate: `estimate(config)` (an upper estimate
 * of the parameter values it registers) may not exceed `max` (default {@link LIMITS.paramValues});
 * the issue is reported on `field`, the size field to shrink.
 *
 * @example
 * ```ts
 * schema.superRefine(refineParamBudget((c) => c.depth * 12 * c.dim * c.dim, 'depth'));
 * ```
 */
export function refineParamBudget<C>(
  estimate: (config: C) => number,
  field: string,
  max: number = LIMITS.paramValues,
): (config: C, ctx: z.RefinementCtx) => void {
  return (config, ctx) => {
    if (ctx.issues.length > 0) return; // a field is already out of bounds: that is the error
    const n = estimate(config);
    if (!(n <= max)) {
      ctx.addIssue({
        code: 'custom',
        path: field.split('.'),
        message: `the config would hold about ${n.toExponential(2)} parameter values, more than the ${max} allowed`,
      });
    }
  };
}
