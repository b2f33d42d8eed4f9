import { z } from 'zod';
import type { ConvEncoderOptions } from './conv-encoder';
import type { CoarseRouterOptions } from './router';
import type { MoVAOptions } from './mova';

const count = z.number().int().positive();
const depth = z.number().int().nonnegative();

/**
 * Zod schema of {@link ConvEncoderOptions}, field for field (no defaults: the encoder applies
 * its own, so a stored config is exactly the options the encoder was built with).
 *
 * @example
 * ```ts
 * const options = parseConfig(ConvEncoderOptionsSchema, { channels: [16, 32, 32] }, 'encoder');
 * const encoder = new ConvEncoder(options);
 * ```
 */
export const ConvEncoderOptionsSchema = z.object({
  channels: z.array(count).min(1),
  strides: z.array(z.number().int().min(1).max(2)).optional(),
  imageSize: count.optional(),
  downsample: count.optional(),
});

/**
 * Zod schema of {@link CoarseRouterOptions}, field for field.
 *
 * @example
 * ```ts
 * const options = parseConfig(CoarseRouterOptionsSchema, {
 *   baseDim: 32, dim: 32, heads: 4, blocks: 1, vocabSize: WORDS.length, maxCandidates: 4,
 * }, 'router');
 * const router = new CoarseRouter(options);
 * ```
 */
export const CoarseRouterOptionsSchema = z.object({
  baseDim: count,
  dim: count,
  heads: count,
  blocks: depth,
  vocabSize: count,
  maxCandidates: count,
});

/**
 * Zod schema of {@link MoVAOptions}, field for field (no defaults: {@link MoVA} applies its own).
 *
 * @example
 * ```ts
 * const options = parseConfig(MoVAOptionsSchema, {
 *   baseDim: 32, tokens: 4, experts: 4, expertDim: 32, dim: 32, heads: 4, blocks: 1,
 *   vocabSize: WORDS.length, numAnswers: ANSWERS.length,
 * }, 'mova');
 * const mova = new MoVA(options);
 * ```
 */
export const MoVAOptionsSchema = z.object({
  baseDim: count,
  tokens: count,
  experts: count,
  expertDim: count,
  expertTokens: count.optional(),
  dim: count,
  heads: count,
  blocks: depth,
  topK: count.optional(),
  gating: z.enum(['learned', 'uniform']).optional(),
  vocabSize: count,
  numAnswers: count,
});

/** Mutually assignable with the same keys (optional ones too): the schemas below cannot drift from the options interfaces. */
type Same<A, B> = [A, keyof A] extends [B, keyof B]
  ? [B, keyof B] extends [A, keyof A]
    ? true
    : false
  : false;
const schemasMatchOptions: [
  Same<z.input<typeof ConvEncoderOptionsSchema>, ConvEncoderOptions>,
  Same<z.output<typeof ConvEncoderOptionsSchema>, ConvEncoderOptions>,
  Same<z.input<typeof CoarseRouterOptionsSchema>, CoarseRouterOptions>,
  Same<z.output<typeof CoarseRouterOptionsSchema>, CoarseRouterOptions>,
  Same<z.input<typeof MoVAOptionsSchema>, MoVAOptions>,
  Same<z.output<typeof MoVAOptionsSchema>, MoVAOptions>,
] = [true, true, true, true, true, true];
void schemasMatchOptions;
