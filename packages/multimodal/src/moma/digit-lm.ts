/** A whole MoMa digit language model: the interleaved LM and the image codebook it reads and draws with. */
import { Module, parseConfig, tf } from '@moe-zoo/core';
import { z } from 'zod';
import { DIGIT_SIDE } from '../digit-pixels';
import type { ImageCodebook } from '../lm/image-tokens';
import { interleavedTokenizer } from '../lm/interleaved';
import { InterleavedLM, InterleavedLmConfigSchema } from './lm';

/** Positions a prompt takes beyond the image tokens: `<bos> <img> … is` (naming) or `<bos> word <img> …` (drawing). */
const PROMPT_EXTRA = 3;

/** Shape of a {@link DigitLmModel}: the LM's config and the codebook's size, which must fit together. */
export const DigitLmConfigSchema = z
  .strictObject({
    lm: InterleavedLmConfigSchema,
    codebook: z.strictObject({
      /** Patch side of a code (divides 28). */
      patch: z
        .number()
        .int()
        .min(1)
        .max(DIGIT_SIDE)
        .refine((p) => DIGIT_SIDE % p === 0, `must divide ${DIGIT_SIDE}`),
      /** Codes. */
      k: z.number().int().min(2).max(4096),
    }),
  })
  .superRefine((c, ctx) => {
    const textVocab = interleavedTokenizer().vocabSize;
    if (c.lm.vocabSize !== textVocab + c.codebook.k)
      ctx.addIssue({
        code: 'custom',
        path: ['lm', 'vocabSize'],
        message: `vocabSize ${c.lm.vocabSize} differs from ${textVocab} words + ${c.codebook.k} codes`,
      });
    const need = (DIGIT_SIDE / c.codebook.patch) ** 2 + PROMPT_EXTRA;
    if (c.lm.seqLen < need)
      ctx.addIssue({
        code: 'custom',
        path: ['lm', 'seqLen'],
        message: `seqLen ${c.lm.seqLen} is shorter than a one-image prompt (${need} positions)`,
      });
  });
export type DigitLmConfig = z.output<typeof DigitLmConfigSchema>;
export type DigitLmConfigInput = z.input<typeof DigitLmConfigSchema>;

/**
 * The interleaved digit LM of the MoMa miniature as one shippable module: the
 * {@link InterleavedLM} (children `lm.*`, expert groups and auxiliary routers included) and the
 * k-means image codebook (buffer `centroids` [k, patch²]) that turns a 28 × 28 image into tokens
 * and tokens back into an image. Built fresh from a config, or from a trained LM and its codebook
 * with {@link DigitLmModel.of}. Used by `nameDigit` and `drawDigits`; saved and loaded with
 * `saveDigitLmModel` / `loadDigitLmModel`.
 *
 * @example
 * ```ts
 * const model = DigitLmModel.of(lm, codebook);
 * const { digit } = await nameDigit(model, 'seven.png');
 * ```
 */
export class DigitLmModel extends Module {
  readonly config: DigitLmConfig;
  readonly lm: InterleavedLM;
  private readonly centroids: tf.Variable;

  constructor(config: DigitLmConfigInput, parts?: { lm: InterleavedLM; codebook: ImageCodebook }) {
    super();
    this.config = parseConfig(DigitLmConfigSchema, config, 'digit LM config');
    const { patch, k } = this.config.codebook;
    this.lm = this.child('lm', parts?.lm ?? new InterleavedLM(this.config.lm));
    this.centroids = this.buffer(
      'centroids',
      parts ? tf.tensor2d(parts.codebook.centroids, [k, patch * patch]) : tf.zeros([k, patch * patch]),
    );
  }

  /** The model made of a trained LM and the codebook its image tokens came from (the LM is taken over). */
  static of(lm: InterleavedLM, codebook: ImageCodebook): DigitLmModel {
    return new DigitLmModel(
      { lm: lm.config, codebook: { patch: codebook.patch, k: codebook.k } },
      { lm, codebook },
    );
  }

  /** The image codebook (a copy of the stored centroids). */
  codebook(): ImageCodebook {
    const { patch, k } = this.config.codebook;
    return {
      patch,
      k,
      centroids: Float32Array.from(this.centroids.dataSync()),
      tokensPerImage: (DIGIT_SIDE / patch) ** 2,
    };
  }
}
