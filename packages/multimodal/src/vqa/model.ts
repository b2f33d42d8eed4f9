import {
  Embedding,
  gelu,
  LayerNorm,
  Linear,
  Module,
  moduleCosts,
  attentionBlockValues,
  LIMITS,
  parseConfig,
  PositionalEmbedding,
  refineParamBudget,
  sizeField,
  tf,
  TransformerBlock,
  type MoEAux,
} from '@moe-zoo/core';
import { z } from 'zod';
import type { VqaInput } from './data';
import {
  buildVqaFfnSlot,
  VqaFfnSlotSchema,
  vqaSlotValues,
  type VqaFfnSlot,
  type VqaFfnSlotInput,
} from './ffn-slot';
import { VQA_ANSWERS } from './questions';

/**
 * Shape of a {@link VqaTransformer}. `ffn` lists the FFN slot of every block (one entry per layer);
 * without it every block has a dense GELU FFN of width `hidden`.
 */
export const VqaModelConfigSchema = z
  .strictObject({
    vocabSize: sizeField(LIMITS.vocab),
    numAnswers: sizeField(LIMITS.vocab).default(VQA_ANSWERS.length),
    imageTokens: sizeField(LIMITS.tokens).default(16),
    /** Features per visual token (32 for the DigitEncoder, 49 for 7 × 7 pixel patches). */
    patchDim: sizeField(LIMITS.dim).default(32),
    captionLen: sizeField(LIMITS.tokens).default(3),
    questionLen: sizeField(LIMITS.tokens).default(8),
    dim: sizeField(LIMITS.dim).default(32),
    heads: sizeField(LIMITS.heads).default(4),
    depth: sizeField(LIMITS.depth).default(2),
    hidden: sizeField(LIMITS.hidden).default(64),
    ffn: z.array(VqaFfnSlotSchema).max(LIMITS.depth).optional(),
    dropout: z.number().min(0).max(0.9).default(0),
  })
  .superRefine(refineParamBudget(vqaValues, 'depth'))
  .superRefine((c, ctx) => {
    if (ctx.issues.length > 0) return;
    if (c.dim % c.heads !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['dim'],
        message: `dim ${c.dim} is not divisible by heads ${c.heads}`,
      });
    }
    if (c.ffn && c.ffn.length !== c.depth) {
      ctx.addIssue({
        code: 'custom',
        path: ['ffn'],
        message: `${c.ffn.length} FFN slots for depth ${c.depth} (one per block)`,
      });
    }
  });
export type VqaModelConfig = z.output<typeof VqaModelConfigSchema>;

/** An upper estimate of a VQA transformer's parameter values (what the schema bounds). */
export function vqaValues(c: {
  vocabSize: number;
  numAnswers: number;
  imageTokens: number;
  patchDim: number;
  captionLen: number;
  questionLen: number;
  dim: number;
  depth: number;
  hidden: number;
  ffn?: VqaFfnSlotInput[];
}): number {
  const d = c.dim;
  const tokens = c.imageTokens + c.captionLen + c.questionLen + 2;
  const slots =
    c.ffn ?? Array.from({ length: c.depth }, () => ({ kind: 'dense' as const, hidden: c.hidden }));
  const ffn = slots.reduce((s, slot) => s + vqaSlotValues(slot, d), 0);
  return (c.vocabSize + c.numAnswers + c.patchDim + tokens + 8) * d + c.depth * attentionBlockValues(d) + ffn;
}
export type VqaModelConfigInput = z.input<typeof VqaModelConfigSchema>;

/** The FFN slot config of every block: `config.ffn`, or dense FFNs of width `hidden`. */
export function vqaFfnSlots(config: VqaModelConfig): VqaFfnSlot[] {
  return config.ffn ?? Array.from({ length: config.depth }, () => ({ kind: 'dense', hidden: config.hidden }));
}

/** The layers that hold MoE FFNs: odd-indexed ones (1, 3, ...), as in MoIIE and MoE-LLaVA. */
export function moeLayerIndices(depth: number): number[] {
  return Array.from({ length: depth }, (_, i) => i).filter((i) => i % 2 === 1);
}

/**
 * The vision → language connector: a per-patch 2-layer GELU MLP (`mlp2x_gelu`) with learned
 * positions added before the nonlinearity (`posIn`, so a patch's features depend on where it is) and
 * after it (`pos`). Children `fc1`, `posIn`, `fc2`, `pos`.
 */
export class PatchConnector extends Module {
  readonly fc1: Linear;
  readonly posIn: PositionalEmbedding;
  readonly fc2: Linear;
  readonly pos: PositionalEmbedding;

  constructor(patchDim: number, tokens: number, dim: number) {
    super();
    this.fc1 = this.child('fc1', new Linear(patchDim, dim));
    this.posIn = this.child('posIn', new PositionalEmbedding(tokens, dim, { std: 0.5 }));
    this.fc2 = this.child('fc2', new Linear(dim, dim));
    this.pos = this.child('pos', new PositionalEmbedding(tokens, dim));
  }

  /** [B, P, patchDim] → [B, P, dim]. */
  forward(patches: tf.Tensor): tf.Tensor {
    return tf.tidy(() =>
      this.pos.forward(this.fc2.forward(gelu(this.posIn.forward(this.fc1.forward(patches))))),
    );
  }
}

/**
 * A tiny vision-language model for digit VQA: image patch tokens through the {@link PatchConnector}
 * (or caption words in the text-only stage) followed by question tokens, core pre-norm
 * `TransformerBlock`s whose FFN slots ({@link VqaFfnSlotSchema}, from the config alone) may be
 * dense, MoE, group-routed (MoIIE) or MoTE layers (every block passes its
 * slot `{ modality, valid }`: 1 = image token, 0 = text; `<pad>` tokens are not valid, so routed
 * slots leave them out of their balance losses and loads), and a mean-pool over the (non-pad)
 * question tokens → answer head.
 * The "language model" is everything but the connector: `embed`, `textPos`, `captionPos`, `blocks`,
 * `norm`, `head`.
 *
 * @example
 * ```ts
 * const tok = vqaTokenizer();
 * const model = new VqaTransformer({ vocabSize: tok.vocabSize, dim: 32, depth: 2 });
 * const { logits } = model.forward(vqaBatch(set, [0, 1, 2])); // logits [3, 6]
 * ```
 */
export class VqaTransformer extends Module {
  readonly config: VqaModelConfig;
  readonly connector: PatchConnector;
  readonly embed: Embedding;
  readonly textPos: PositionalEmbedding;
  readonly captionPos: PositionalEmbedding;
  readonly blocks: TransformerBlock[];
  readonly norm: LayerNorm;
  readonly head: Linear;

  constructor(config: VqaModelConfigInput) {
    super();
    const c = parseConfig(VqaModelConfigSchema, config, 'vqa model config');
    this.config = c;
    this.connector = this.child('connector', new PatchConnector(c.patchDim, c.imageTokens, c.dim));
    this.embed = this.child('embed', new Embedding(c.vocabSize, c.dim, { std: 0.5 }));
    this.textPos = this.child('textPos', new PositionalEmbedding(c.questionLen, c.dim));
    this.captionPos = this.child('captionPos', new PositionalEmbedding(c.captionLen, c.dim));
    this.blocks = this.childList(
      'blocks',
      vqaFfnSlots(c).map(
        (slot) =>
          new TransformerBlock({
            dim: c.dim,
            heads: c.heads,
            ffn: buildVqaFfnSlot(slot, c.dim),
            dropout: c.dropout,
          }),
      ),
    );
    this.norm = this.child('norm', new LayerNorm(c.dim));
    this.head = this.child('head', new Linear(c.dim, c.numAnswers));
  }

  /** Answer logits [B, numAnswers] and the aux of every MoE slot. */
  forward(input: VqaInput): { logits: tf.Tensor2D; aux: MoEAux[] } {
    const c = this.config;
    const { image, caption, question } = input;
    if (question.rank !== 2 || question.shape[1] !== c.questionLen) {
      throw new Error(`VqaTransformer: question must be [B, ${c.questionLen}], got [${question.shape}]`);
    }
    const b = question.shape[0];
    if (
      image &&
      (image.shape[0] !== b || image.shape[1] !== c.imageTokens || image.shape[2] !== c.patchDim)
    ) {
      throw new Error(
        `VqaTransformer: image must be [${b}, ${c.imageTokens}, ${c.patchDim}], got [${image.shape}]`,
      );
    }
    if (!image && (!caption || caption.shape[0] !== b || caption.shape[1] !== c.captionLen)) {
      throw new Error(`VqaTransformer: without an image, caption must be [${b}, ${c.captionLen}]`);
    }
    const prefixLen = image ? c.imageTokens : c.captionLen;
    const len = prefixLen + c.questionLen;
    const { h0, valid, mask, modality, flatValid } = tf.tidy(() => {
      const prefix = image
        ? this.connector.forward(image)
        : this.captionPos.forward(this.embed.forward(caption as tf.Tensor2D));
      const q = this.textPos.forward(this.embed.forward(question));
      const qValid = tf.cast(tf.notEqual(question, 0), 'float32');
      const valid = tf.concat([tf.ones([b, prefixLen]), qValid], 1) as tf.Tensor2D; // [B, L]
      const mask = tf.cast(tf.broadcastTo(tf.expandDims(valid, 1), [b, len, len]), 'bool');
      const modality = tf.tile(
        tf.tensor1d(
          [...new Array<number>(prefixLen).fill(image ? 1 : 0), ...new Array<number>(c.questionLen).fill(0)],
          'int32',
        ),
        [b],
      ) as tf.Tensor1D;
      const flatValid = tf.reshape(valid, [-1]) as tf.Tensor1D;
      return { h0: tf.concat([prefix, q], 1) as tf.Tensor3D, valid, mask, modality, flatValid };
    });
    const aux: MoEAux[] = [];
    let h: tf.Tensor = h0;
    for (const block of this.blocks) {
      const out = block.forward(h, mask, { modality, valid: flatValid });
      h.dispose();
      h = out.y;
      aux.push(...out.aux);
    }
    const logits = tf.tidy(() => {
      // Read the answer from the question tokens only (as a decoder answers after the question).
      const w = tf.expandDims(
        tf.concat([tf.zeros([b, prefixLen]), tf.slice(valid, [0, prefixLen], [b, c.questionLen])], 1),
        -1,
      );
      const pooled = tf.div(tf.sum(tf.mul(this.norm.forward(h), w), 1), tf.sum(w, 1));
      return this.head.forward(pooled) as tf.Tensor2D;
    });
    tf.dispose([h, valid, mask, modality, flatValid]);
    return { logits, aux };
  }

  /**
   * Forward FLOPs of one image sample (2 per multiply-add), counting only the experts a token uses
   * (core `moduleCosts`): the connector on every image token, the blocks on every token, the head
   * once on the pooled question.
   */
  flopsPerSample(): number {
    const c = this.config;
    const l = c.imageTokens + c.questionLen;
    const blocks = this.blocks.reduce((s, b) => s + moduleCosts(b, l).flopsPerToken, 0);
    return (
      c.imageTokens * moduleCosts(this.connector).flopsPerToken +
      l * blocks +
      moduleCosts(this.head).flopsPerToken
    );
  }

  /** Trainable flags: only the connector (stage 1 of the MoIIE recipe) or everything. */
  trainOnly(part: 'connector' | 'all'): this {
    this.setTrainable(part === 'all');
    if (part === 'connector') this.connector.setTrainable(true);
    return this;
  }
}

/**
 * Copies every parameter of `from` into the same-named, same-shaped parameter of `to`, except names
 * for which `skip` returns true. Returns the copied names; throws naming a shape mismatch.
 */
export function copyMatchingWeights(
  from: Module,
  to: Module,
  skip: (name: string) => boolean = () => false,
): string[] {
  const src = new Map(from.namedParameters());
  const copied: string[] = [];
  for (const [name, v] of to.namedParameters()) {
    const s = src.get(name);
    if (!s || skip(name)) continue;
    if (!tf.util.arraysEqual(s.shape, v.shape)) {
      throw new Error(
        `copyMatchingWeights: "${name}" has shape [${s.shape}] in the source, [${v.shape}] in the target`,
      );
    }
    v.assign(s);
    copied.push(name);
  }
  return copied;
}
