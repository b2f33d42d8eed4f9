/**
 * The options of MoVA's parts as zod schemas: the single source of their types
 * (`ConvEncoderOptions`, `CoarseRouterOptions`, `MoVAOptions` are the schemas' inputs) and of the
 * checks a saved MoVA system's config gets. No defaults: the parts apply their own, so a stored
 * config is exactly the options a part was built with.
 */
import { LIMITS, refineHeads, refineParamBudget, sizeField } from '@moe-zoo/core';
import { z } from 'zod';

/** The most convolutions an encoder may stack. */
export const MAX_ENCODER_CONVS = 16;
/** The most experts (vision encoders) a MoVA model may consult. */
export const MAX_MOVA_EXPERTS = 64;

/**
 * Options of {@link ConvEncoder} (no defaults: the encoder applies its own).
 *
 * @example
 * ```ts
 * const options = parseConfig(ConvEncoderOptionsSchema, { channels: [16, 32, 32] }, 'encoder');
 * const encoder = new ConvEncoder(options);
 * ```
 */
export const ConvEncoderOptionsSchema = z
  .strictObject({
    /** Output channels of each 3×3 convolution, e.g. [16, 32, 32]; the last is the token width. */
    channels: z.array(sizeField(LIMITS.channels)).min(1).max(MAX_ENCODER_CONVS),
    /** Stride of each convolution, 1 or 2 (default 2 for all). */
    strides: z.array(z.number().int().min(1).max(2)).max(MAX_ENCODER_CONVS).optional(),
    /** Input side in pixels (default 32). */
    imageSize: sizeField(LIMITS.imageSize).optional(),
    /**
     * Average-pool the input by this factor before the convolutions (default 1): a low-resolution
     * view, as a generalist encoder run at a lower resolution than the specialists.
     */
    downsample: sizeField(LIMITS.patch).optional(),
  })
  .superRefine((o, ctx) => {
    if (ctx.issues.length > 0) return;
    const strides = o.strides ?? o.channels.map(() => 2);
    if (strides.length !== o.channels.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['strides'],
        message: `${strides.length} strides for ${o.channels.length} convolutions`,
      });
      return;
    }
    const shrink = (o.downsample ?? 1) * strides.reduce((a, b) => a * b, 1);
    if ((o.imageSize ?? 32) % shrink !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['imageSize'],
        message: `${o.imageSize ?? 32} is not divisible by ${shrink} (downsample x strides)`,
      });
    }
  })
  .superRefine(refineParamBudget((o: { channels: number[] }) => encoderValues(o.channels), 'channels'));

/** An upper estimate of a conv encoder's parameter values (3x3 convolutions, biases, statistics). */
export function encoderValues(channels: readonly number[]): number {
  return channels.reduce((s, c, i) => s + 9 * c * (i === 0 ? 1 : channels[i - 1]) + 3 * c, 0);
}

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
export const CoarseRouterOptionsSchema = z
  .strictObject({
    /** Token width of the base encoder (its pooled token is the router's view of the image). */
    baseDim: sizeField(LIMITS.dim),
    dim: sizeField(LIMITS.dim),
    heads: sizeField(LIMITS.heads),
    blocks: sizeField(LIMITS.depth, 0),
    vocabSize: sizeField(LIMITS.vocab),
    /** Most candidates in a pool (slot letters A, B, C, ...). */
    maxCandidates: sizeField(LIMITS.numExperts),
  })
  .superRefine(refineHeads)
  .superRefine(
    refineParamBudget(
      (o: { baseDim: number; dim: number; blocks: number; vocabSize: number; maxCandidates: number }) =>
        (o.baseDim + o.vocabSize + o.maxCandidates + 5) * o.dim + o.blocks * 9 * o.dim * o.dim,
      'blocks',
    ),
  );

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
export const MoVAOptionsSchema = z
  .strictObject({
    /** Token width of the base encoder. */
    baseDim: sizeField(LIMITS.dim),
    /** Tokens per image (base grid). */
    tokens: sizeField(LIMITS.tokens),
    /** Number of experts. */
    experts: sizeField(MAX_MOVA_EXPERTS),
    /** Token width shared by the experts. */
    expertDim: sizeField(LIMITS.dim),
    /** Tokens per image of the experts (default: `tokens`). */
    expertTokens: sizeField(LIMITS.tokens).optional(),
    dim: sizeField(LIMITS.dim),
    heads: sizeField(LIMITS.heads),
    /** MoV-Adapter blocks (3 in the paper). */
    blocks: sizeField(LIMITS.depth, 0),
    /** Experts kept per sample by each block's gate (default 3, at most `experts`). */
    topK: sizeField(MAX_MOVA_EXPERTS).optional(),
    /** 'learned' gating MLP (default) or 'uniform' weights (ablation). */
    gating: z.enum(['learned', 'uniform']).optional(),
    vocabSize: sizeField(LIMITS.vocab),
    numAnswers: sizeField(LIMITS.vocab),
  })
  .superRefine((o, ctx) => {
    if (ctx.issues.length > 0) return;
    const topK = o.topK ?? 3;
    if (topK > o.experts) {
      ctx.addIssue({
        code: 'custom',
        path: ['topK'],
        message: `topK (${topK}) exceeds experts (${o.experts})`,
      });
    }
  })
  .superRefine(refineHeads)
  .superRefine(refineParamBudget(movaValues, 'blocks'));

/** An upper estimate of a MoVA model's parameter values (what {@link MoVAOptionsSchema} bounds). */
export function movaValues(o: {
  baseDim: number;
  tokens: number;
  experts: number;
  expertDim: number;
  expertTokens?: number;
  dim: number;
  blocks: number;
  vocabSize: number;
  numAnswers: number;
}): number {
  const { dim: d, expertDim: c } = o;
  const lk = o.expertTokens ?? o.tokens;
  const perExpert = 2 * d * d + 2 * c * d + lk * c + 4 * c + 4 * d;
  const block = o.experts * perExpert + 12 * d * d + o.experts * d;
  return (o.baseDim + o.tokens + o.vocabSize + o.numAnswers + 12 * d) * d + o.blocks * block;
}

/** Options of `MoVAdapterBlock` (strict; sizes bounded; `topK` at most `experts`; `heads` divides `dim`). */
export const MoVAdapterBlockOptionsSchema = z
  .strictObject({
    dim: sizeField(LIMITS.dim),
    heads: sizeField(LIMITS.heads),
    experts: sizeField(MAX_MOVA_EXPERTS),
    /** Token width of the experts. */
    expertDim: sizeField(LIMITS.dim),
    /** Tokens per image of the experts. */
    expertTokens: sizeField(LIMITS.tokens),
    /** Experts kept per sample by the gate (3 in MoVA). */
    topK: sizeField(MAX_MOVA_EXPERTS),
    /** 'learned' = the gating MLP; 'uniform' = equal weights over the selected experts (ablation). */
    gating: z.enum(['learned', 'uniform']),
    /** FFN hidden width (default 2 × dim). */
    ffnHidden: sizeField(LIMITS.hidden).optional(),
    /** Side of the square token grid shared by base and experts, for the cross-attention's position bias. */
    grid: sizeField(LIMITS.patch).optional(),
  })
  .superRefine((o, ctx) => {
    if (ctx.issues.length === 0 && o.topK > o.experts) {
      ctx.addIssue({
        code: 'custom',
        path: ['topK'],
        message: `topK (${o.topK}) exceeds experts (${o.experts})`,
      });
    }
  })
  .superRefine(refineHeads);

/** Options of `GroupedCrossAttention` (strict; sizes bounded; `heads` divides `dim`). */
export const GroupedCrossAttentionOptionsSchema = z
  .strictObject({
    /** Number of experts (one cross-attention each). */
    experts: sizeField(MAX_MOVA_EXPERTS),
    /** Query / output width. */
    dim: sizeField(LIMITS.dim),
    /** Width of the expert tokens (keys / values input). */
    kvDim: sizeField(LIMITS.dim),
    /** Expert tokens per sample. */
    kvTokens: sizeField(LIMITS.tokens),
    heads: sizeField(LIMITS.heads),
    /**
     * Side of the square token grid shared by queries and keys (e.g. 4 for 4×4 tokens): adds a
     * learned relative-position bias per expert and head, initialised to favour the same and
     * neighbouring grid cells (a stand-in for the 2-D RoPE of the paper's cross-attention), so a
     * new layer already reads each expert token at its own place. Omit for no bias.
     */
    grid: sizeField(LIMITS.patch).optional(),
    /** Initial locality strength of the bias: bias = −strength · squared grid distance (default 1). */
    locality: z.number().min(0).max(1000).optional(),
  })
  .superRefine((o, ctx) => {
    if (ctx.issues.length === 0 && o.grid !== undefined && o.grid * o.grid !== o.kvTokens) {
      ctx.addIssue({
        code: 'custom',
        path: ['grid'],
        message: `${o.grid}x${o.grid} does not hold ${o.kvTokens} expert tokens`,
      });
    }
  })
  .superRefine(refineHeads);

/** Options of `AnswerHead` (strict; sizes bounded; `heads` divides `dim`). */
export const AnswerHeadOptionsSchema = z
  .strictObject({
    dim: sizeField(LIMITS.dim),
    heads: sizeField(LIMITS.heads),
    tokens: sizeField(LIMITS.tokens),
    numAnswers: sizeField(LIMITS.vocab),
    /** Linear readouts of the flattened tokens mixed by the question (default 4). */
    readouts: sizeField(64).optional(),
  })
  .superRefine(refineHeads);
