/** A whole digit-VQA model in one module: the vision tower and the VQA transformer, one config. */
import { Module, parseConfig, tf, type MoEAux } from '@moe-zoo/core';
import { z } from 'zod';
import { VqaModelConfigSchema, VqaTransformer } from './model';
import { DigitEncoder, DigitEncoderConfigSchema } from './vision-encoder';

/** Shape of a {@link DigitVqaModel}: the encoder's and the transformer's configs, which must fit together. */
export const DigitVqaConfigSchema = z
  .strictObject({
    encoder: DigitEncoderConfigSchema.default({ channels1: 16, channels: 32 }),
    vqa: VqaModelConfigSchema,
  })
  .superRefine((c, ctx) => {
    if (ctx.issues.length > 0) return;
    if (c.vqa.patchDim !== c.encoder.channels) {
      ctx.addIssue({
        code: 'custom',
        path: ['vqa', 'patchDim'],
        message: `patchDim ${c.vqa.patchDim} differs from the encoder's ${c.encoder.channels} channels`,
      });
    }
    if (c.vqa.imageTokens !== 16) {
      ctx.addIssue({
        code: 'custom',
        path: ['vqa', 'imageTokens'],
        message: `imageTokens ${c.vqa.imageTokens}: the digit encoder makes 16 tokens`,
      });
    }
  });
export type DigitVqaConfig = z.output<typeof DigitVqaConfigSchema>;
export type DigitVqaConfigInput = z.input<typeof DigitVqaConfigSchema>;

/** Input of {@link DigitVqaModel.forward}. */
export interface DigitVqaInput {
  /** [B, 28, 28, 1] greyscale digits in [0, 1] (light ink on black, as in MNIST). */
  images: tf.Tensor4D;
  /** [B, questionLen] int32 question ids of `vqaTokenizer()`, `<pad>`-padded. */
  question: tf.Tensor2D;
}

/**
 * Digit VQA end to end: 28 × 28 images through the frozen {@link DigitEncoder} (children
 * `encoder.*`) into the {@link VqaTransformer} (children `vqa.*`: connector, blocks with their FFN
 * slots, answer head). Built fresh from a config, or from trained parts with {@link DigitVqaModel.of}
 * (which takes them over). Saved and loaded with `saveDigitVqaModel` / `loadDigitVqaModel`.
 *
 * @example
 * ```ts
 * const model = DigitVqaModel.of(encoder, upcycleArm(base, 'moiie'));
 * const { logits } = model.forward({ images: tf.zeros([1, 28, 28, 1]), question }); // [1, 16]
 * ```
 */
export class DigitVqaModel extends Module {
  readonly config: DigitVqaConfig;
  readonly encoder: DigitEncoder;
  readonly vqa: VqaTransformer;

  constructor(config: DigitVqaConfigInput, parts?: { encoder: DigitEncoder; vqa: VqaTransformer }) {
    super();
    this.config = parseConfig(DigitVqaConfigSchema, config, 'digit vqa config');
    this.encoder = this.child('encoder', parts?.encoder ?? new DigitEncoder(this.config.encoder));
    this.vqa = this.child('vqa', parts?.vqa ?? new VqaTransformer(this.config.vqa));
    this.encoder.setTrainable(false);
  }

  /** The model made of a trained encoder and transformer (taken over: disposing the model disposes them). */
  static of(encoder: DigitEncoder, vqa: VqaTransformer): DigitVqaModel {
    return new DigitVqaModel({ encoder: encoder.config, vqa: vqa.config }, { encoder, vqa });
  }

  /** Answer logits [B, numAnswers] and the aux of every routed slot. */
  forward(input: DigitVqaInput): { logits: tf.Tensor2D; aux: MoEAux[] } {
    const image = this.encoder.tokens(input.images);
    try {
      return this.vqa.forward({ image, question: input.question });
    } finally {
      image.dispose();
    }
  }
}
