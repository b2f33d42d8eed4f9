import {
  GeluFFN,
  LIMITS,
  Linear,
  Module,
  moduleCosts,
  parseConfig,
  PositionalEmbedding,
  refineHeads,
  refineParamBudget,
  sizeField,
  tf,
  TransformerBlock,
} from '@moe-zoo/core';
import { z } from 'zod';
import { AnswerHead } from './answer-head';
import { BagOfWords } from './bag-of-words';

/** Options of {@link FusionAnswerer} (strict, sizes bounded, `heads` dividing `dim`). */
export const FusionAnswererOptionsSchema = z
  .strictObject({
    /** Width of the input tokens (the sum of the fused encoders' widths). */
    inputDim: sizeField(LIMITS.dim * 4),
    /** Tokens per image (all fused encoders share the grid). */
    tokens: sizeField(LIMITS.tokens),
    dim: sizeField(LIMITS.dim),
    heads: sizeField(LIMITS.heads),
    /** Self-attention + FFN blocks after the projection (0 = projection and head only). */
    blocks: sizeField(LIMITS.depth, 0),
    vocabSize: sizeField(LIMITS.vocab),
    numAnswers: sizeField(LIMITS.vocab),
  })
  .superRefine(refineHeads)
  .superRefine(
    refineParamBudget(
      (o: {
        inputDim: number;
        tokens: number;
        dim: number;
        blocks: number;
        vocabSize: number;
        numAnswers: number;
      }) =>
        (o.inputDim + o.tokens + o.vocabSize + o.numAnswers + 16) * o.dim +
        (o.blocks + 2) * 12 * o.dim * o.dim,
      'blocks',
    ),
  );
/** Options of {@link FusionAnswerer}. */
export type FusionAnswererOptions = z.input<typeof FusionAnswererOptionsSchema>;

/**
 * An answer model over a fixed set of visual features concatenated channel-wise (plain
 * fusion): projection to `dim` + learned positions, `blocks` transformer blocks, and the shared
 * {@link AnswerHead} conditioned on the bag-of-words question. With the base alone it is the
 * "base only" arm, with one expert the "specialist alone" arm, with the base and every expert
 * the "plain concatenation" arm; the routing-label answerers use base or base + expert j.
 */
export class FusionAnswerer extends Module {
  readonly proj: Linear;
  readonly pos: PositionalEmbedding;
  readonly blocks: TransformerBlock[];
  readonly question: BagOfWords;
  readonly head: AnswerHead;

  constructor(readonly options: FusionAnswererOptions) {
    super();
    const { inputDim, tokens, dim, heads, vocabSize, numAnswers } = parseConfig(
      FusionAnswererOptionsSchema,
      options,
      'fusion answerer options',
    );
    this.proj = this.child('proj', new Linear(inputDim, dim));
    this.pos = this.child('pos', new PositionalEmbedding(tokens, dim));
    this.blocks = this.childList(
      'blocks',
      Array.from(
        { length: options.blocks },
        () => new TransformerBlock({ dim, heads, ffn: new GeluFFN(dim, 2 * dim) }),
      ),
    );
    this.question = this.child('question', new BagOfWords(vocabSize, dim));
    this.head = this.child('head', new AnswerHead({ dim, heads, tokens, numAnswers }));
  }

  /** features [B, tokens, inputDim], question word ids [B, W] (int32) -> logits [B, numAnswers]. */
  forward(features: tf.Tensor, words: tf.Tensor): tf.Tensor2D {
    if (features.rank !== 3 || features.shape[2] !== this.options.inputDim) {
      throw new Error(
        `FusionAnswerer: features must be [B, ${this.options.tokens}, ${this.options.inputDim}], got [${features.shape}]`,
      );
    }
    return tf.tidy(() => {
      let x = this.pos.forward(this.proj.forward(features));
      for (const b of this.blocks) x = b.forward(x).y;
      return this.head.forward(x, this.question.forward(words));
    });
  }

  /**
   * Forward FLOPs per sample (the encoders not included): core's `moduleCosts` of the per-token
   * parts (projection, blocks) over the `tokens` tokens, plus the answer head (once per sample).
   */
  flops(): number {
    const l = this.options.tokens;
    const perToken = [this.proj, ...this.blocks].reduce((s, m) => s + moduleCosts(m, l).flopsPerToken, 0);
    return l * perToken + this.head.flops();
  }
}

/**
 * A copy of `model` that takes `extra` more input channels (appended after the existing ones)
 * whose projection weights start at zero: it computes exactly what `model` computes until
 * training moves the new weights. Used to compare "base + expert j" with "base" from the same
 * starting point.
 */
export function extendFusionAnswerer(model: FusionAnswerer, extra: number): FusionAnswerer {
  if (!Number.isInteger(extra) || extra < 0)
    throw new Error(`extendFusionAnswerer: extra must be >= 0, got ${extra}`);
  const o = model.options;
  const copy = new FusionAnswerer({ ...o, inputDim: o.inputDim + extra });
  const state = model.stateDict();
  const padded = tf.concat([state['proj.weight'], tf.zeros([extra, o.dim])], 0);
  try {
    copy.loadStateDict({ ...state, 'proj.weight': padded });
  } finally {
    padded.dispose();
  }
  return copy;
}
