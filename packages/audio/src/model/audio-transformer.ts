/** The audio transformer and its config (no Node built-in: part of the browser entry). */
import {
  LIMITS,
  parseConfig,
  refineTokenClassifier,
  sizeField,
  TokenClassifier,
  TokenClassifierConfigSchema,
  tokenClassifierSizeChecks,
  type SizeCheck,
} from '@moe-zoo/core';
import { z } from 'zod';
import {
  DEFAULT_FEATURES,
  FeatureConfigSchema as AudioFeatureConfigSchema,
  featureShape,
} from '../data/preprocess';

const shape = TokenClassifierConfigSchema.shape;

/**
 * Config of {@link createAudioTransformer}: core's `TokenClassifierConfigSchema` with the input
 * (`inputDim`, `tokens`) taken from the log-mel `features`, and the audio defaults (D=48, 4 heads,
 * depth 2, 10 classes). `ffn` is core's `FfnSlotConfigSchema`, so every MoE option of core (router,
 * dispatch, capacity, shared experts, balancing losses) reaches the model, e.g.
 * `{ kind: 'moe', moe: { hidden: 48, numExperts: 8, topK: 2 } }` or its dense twin at equal active
 * parameters `{ kind: 'dense', hidden: 96 }` (width topK x hidden).
 */
export const AudioModelConfigSchema = TokenClassifierConfigSchema.omit({
  inputDim: true,
  tokens: true,
})
  .extend({
    dim: shape.dim.default(48),
    heads: shape.heads.default(4),
    depth: shape.depth.default(2),
    numClasses: shape.numClasses.default(10),
    features: AudioFeatureConfigSchema.default(DEFAULT_FEATURES),
  })
  .superRefine((c, ctx) => {
    if (ctx.issues.length > 0) return;
    const { tokens, dims } = featureShape(c.features);
    refineTokenClassifier({ ...c, inputDim: dims, tokens }, ctx);
  });

/** Parsed model config. */
export type AudioModelConfig = z.output<typeof AudioModelConfigSchema>;
/** Model config as written by a caller (defaults not yet applied). */
export type AudioModelConfigInput = z.input<typeof AudioModelConfigSchema>;

/**
 * The flat config that checkpoints saved before the FFN-slot config hold
 * (`{ kind, hidden, numExperts, topK, ... }`): MoE = `numExperts` experts of width `hidden`, top-k,
 * with core's default router, dispatch and losses; dense = one FFN of width `topK · hidden`.
 */
const LegacyAudioModelConfigSchema = z.strictObject({
  kind: z.enum(['dense', 'moe']),
  dim: sizeField(LIMITS.dim).default(48),
  heads: sizeField(LIMITS.heads).default(4),
  depth: sizeField(LIMITS.depth).default(2),
  hidden: sizeField(LIMITS.hidden).default(48),
  numExperts: sizeField(LIMITS.numExperts).default(8),
  topK: sizeField(LIMITS.numExperts).default(2),
  numClasses: sizeField(LIMITS.vocab, 2).default(10),
  features: AudioFeatureConfigSchema.default(DEFAULT_FEATURES),
});

function isLegacyConfig(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'kind' in value && !('ffn' in value);
}

/**
 * A checkpoint's stored config: the current form ({@link AudioModelConfigSchema}), or the flat form
 * of older checkpoints (`{ kind: 'moe' | 'dense', hidden, numExperts, topK, ... }`), converted to
 * the model it described.
 */
export const AudioCheckpointConfigSchema = z.preprocess((value, ctx) => {
  if (!isLegacyConfig(value)) return value;
  const legacy = LegacyAudioModelConfigSchema.safeParse(value);
  if (!legacy.success) {
    for (const issue of legacy.error.issues)
      ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    return z.NEVER;
  }
  const { kind, hidden, numExperts, topK, ...rest } = legacy.data;
  const ffn =
    kind === 'moe'
      ? { kind: 'moe' as const, moe: { hidden, numExperts, topK } }
      : { kind: 'dense' as const, hidden: hidden * topK };
  return { ...rest, ffn };
}, AudioModelConfigSchema);

/**
 * An audio transformer over log-mel tokens (frames → tokens): core's TokenClassifier with the FFN
 * slots of `config.ffn` (MoE or dense; see {@link AudioModelConfigSchema}), which keeps its config.
 *
 * @example
 * ```ts
 * const moe = new AudioTransformer({ ffn: { kind: 'moe', moe: { hidden: 48, numExperts: 8, topK: 2 } } });
 * const dense = new AudioTransformer({ ffn: { kind: 'dense', hidden: 96 } }); // equal active parameters
 * ```
 */
export class AudioTransformer extends TokenClassifier {
  readonly config: AudioModelConfig;

  constructor(input: AudioModelConfigInput) {
    const config = parseConfig(AudioModelConfigSchema, input, 'audio model config');
    const { features, ...c } = config;
    const { tokens, dims } = featureShape(features);
    super({ ...c, inputDim: dims, tokens });
    this.config = config;
  }
}

/** Where an audio transformer's weights show its size fields (the token classifier's, features). */
export function audioSizeChecks(config: AudioModelConfig): SizeCheck[] {
  const { tokens, dims } = featureShape(config.features);
  const rename: Record<string, string> = { inputDim: 'features.nMels', tokens: 'features.windowSeconds' };
  return tokenClassifierSizeChecks({ ...config, inputDim: dims, tokens }).map((c) => ({
    ...c,
    field: rename[c.field] ?? c.field,
  }));
}
