/**
 * The options of MoVA's parts as zod schemas: the single source of their types
 * (`ConvEncoderOptions`, `CoarseRouterOptions`, `MoVAOptions` are the schemas' inputs) and of the
 * checks a saved MoVA system's config gets. No defaults: the parts apply their own, so a stored
 * config is exactly the options a part was built with.
 */
import { z } from 'zod';

const count = z.number().int().positive();
const depth = z.number().int().nonnegative();

/**
 * Options of {@link ConvEncoder} (no defaults: the encoder applies its own).
 *
 * @example
 * ```ts
 * const options = parseConfig(ConvEncoderOptionsSchema, { channels: [16, 32, 32] }, 'encoder');
 * const encoder = new ConvEncoder(options);
 * ```
 */
export const ConvEncoderOptionsSchema = z.object({
  /** Output channels of each 3×3 convolution, e.g. [16, 32, 32]; the last is the token width. */
  channels: z.array(count).min(1),
  /** Stride of each convolution, 1 or 2 (default 2 for all). */
  strides: z.array(z.number().int().min(1).max(2)).optional(),
  /** Input side in pixels (default 32). */
  imageSize: count.optional(),
  /**
   * Average-pool the input by this factor before the convolutions (default 1): a low-resolution
   * view, as a generalist encoder run at a lower resolution than the specialists.
   */
  downsample: count.optional(),
});

/**
 * Options of {@link CoarseRouter}.
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
  /** Token width of the base encoder (its pooled token is the router's view of the image). */
  baseDim: count,
  dim: count,
  heads: count,
  blocks: depth,
  vocabSize: count,
  /** Most candidates in a pool (slot letters A, B, C, ...). */
  maxCandidates: count,
});

/**
 * Options of {@link MoVA} (no defaults: MoVA applies its own).
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
  /** Token width of the base encoder. */
  baseDim: count,
  /** Tokens per image (base grid). */
  tokens: count,
  /** Number of experts. */
  experts: count,
  /** Token width shared by the experts. */
  expertDim: count,
  /** Tokens per image of the experts (default: `tokens`). */
  expertTokens: count.optional(),
  dim: count,
  heads: count,
  /** MoV-Adapter blocks (3 in the paper). */
  blocks: depth,
  /** Experts kept per sample by each block's gate (default 3). */
  topK: count.optional(),
  /** 'learned' gating MLP (default) or 'uniform' weights (ablation). */
  gating: z.enum(['learned', 'uniform']).optional(),
  vocabSize: count,
  numAnswers: count,
});
