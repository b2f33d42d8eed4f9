import { Linear, Module, moduleCosts, parseConfig, PositionalEmbedding, tf } from '@moe-zoo/core';
import { AnswerHead } from './answer-head';
import { BagOfWords } from './bag-of-words';
import { MoVAdapterBlock, type AdapterBlockStats, type RoutedExpertTokens } from './adapter';
import type { z } from 'zod';
import { MoVAOptionsSchema } from './part-schemas';

/** Options of {@link MoVA}. */
export type MoVAOptions = z.input<typeof MoVAOptionsSchema>;

/**
 * Computes expert j's tokens for batch rows `rows` (ascending): in training a lookup of
 * precomputed features of the frozen expert, at inference the expert encoder run on just
 * those images.
 */
export type ExpertProvider = (expert: number, rows: Int32Array) => tf.Tensor3D;

/** Output of {@link MoVA.forward}. */
export interface MoVAOutput {
  logits: tf.Tensor2D;
  /** Samples each expert's tokens were computed for (its routed samples), per expert. */
  expertRows: number[];
  /** Cross-attention calls over all blocks and experts. */
  crossRows: number;
}

/**
 * The fine stage of MoVA in miniature: the base tokens are projected (+ learned positions), run
 * through `blocks` MoV-Adapter blocks that mix in the routed experts, averaged with their input
 * (`(X_L + X_0) / 2`, as in the released code) and answered by the question-conditioned
 * {@link AnswerHead}. Experts not routed for a sample are never computed for it: the provider is
 * called once per expert with exactly the routed rows.
 *
 * @example
 * ```ts
 * const mova = new MoVA({ baseDim: 32, tokens: 4, experts: 4, expertDim: 32, dim: 32, heads: 4,
 *   blocks: 1, vocabSize: WORDS.length, numAnswers: ANSWERS.length });
 * const { logits } = mova.forward(baseTokens, words, routed, (j, rows) => expertTokens(j, rows));
 * ```
 */
export class MoVA extends Module {
  readonly proj: Linear;
  readonly pos: PositionalEmbedding;
  readonly question: BagOfWords;
  readonly blocks: MoVAdapterBlock[];
  readonly head: AnswerHead;
  readonly expertTokens: number;

  constructor(readonly options: MoVAOptions) {
    super();
    const { baseDim, tokens, dim, heads } = parseConfig(MoVAOptionsSchema, options, 'mova options');
    this.expertTokens = options.expertTokens ?? tokens;
    this.proj = this.child('proj', new Linear(baseDim, dim));
    this.pos = this.child('pos', new PositionalEmbedding(tokens, dim));
    this.question = this.child('question', new BagOfWords(options.vocabSize, dim));
    this.blocks = this.childList(
      'blocks',
      Array.from(
        { length: options.blocks },
        () =>
          new MoVAdapterBlock({
            dim,
            heads,
            experts: options.experts,
            expertDim: options.expertDim,
            expertTokens: this.expertTokens,
            topK: options.topK ?? 3,
            gating: options.gating ?? 'learned',
            grid:
              this.expertTokens === tokens && Number.isInteger(Math.sqrt(tokens))
                ? Math.sqrt(tokens)
                : undefined,
          }),
      ),
    );
    this.head = this.child('head', new AnswerHead({ dim, heads, tokens, numAnswers: options.numAnswers }));
  }

  /** Number of experts. */
  get numExperts(): number {
    return this.options.experts;
  }

  /** The visual tokens before the adapter: projected base tokens plus positions, [B, L, dim]. */
  embed(base: tf.Tensor): tf.Tensor3D {
    return tf.tidy(() => this.pos.forward(this.proj.forward(base)) as tf.Tensor3D);
  }

  /** The adapter alone: x0 [B, L, dim] -> (X_L + X_0) / 2. Identity for new (zero-initialised) blocks. */
  adapt(
    x0: tf.Tensor3D,
    q: tf.Tensor2D,
    routed: Uint8Array,
    experts: RoutedExpertTokens,
    stats?: AdapterBlockStats,
  ): tf.Tensor3D {
    return tf.tidy(() => {
      let x = x0;
      for (const block of this.blocks) x = block.forward(x, q, routed, experts, stats);
      return tf.mul(tf.add(x, x0), 0.5) as tf.Tensor3D;
    });
  }

  /**
   * @param base base tokens [B, tokens, baseDim]
   * @param words question word ids [B, W] (int32)
   * @param routed [B × E] row-major 0/1 routing (labels in training, the router's choice at inference)
   * @param provider the routed experts' tokens
   */
  forward(base: tf.Tensor, words: tf.Tensor, routed: Uint8Array, provider: ExpertProvider): MoVAOutput {
    const b = base.shape[0];
    const e = this.numExperts;
    const { baseDim, tokens } = this.options;
    if (base.rank !== 3 || base.shape[1] !== tokens || base.shape[2] !== baseDim)
      throw new Error(`MoVA: base tokens must be [B, ${tokens}, ${baseDim}], got [${base.shape}]`);
    if (routed.length !== b * e)
      throw new Error(`MoVA: routing mask has ${routed.length} entries, expected ${b} x ${e}`);
    const expertRows = new Array<number>(e).fill(0);
    const stats = { crossRows: 0 };
    const logits = tf.tidy(() => {
      const experts: RoutedExpertTokens = { rows: [], offset: [] };
      const parts: tf.Tensor3D[] = [];
      let offset = 0;
      for (let j = 0; j < e; j++) {
        const rows: number[] = [];
        for (let r = 0; r < b; r++) if (routed[r * e + j]) rows.push(r);
        expertRows[j] = rows.length;
        const idx = Int32Array.from(rows);
        experts.rows.push(idx);
        experts.offset.push(offset);
        if (rows.length === 0) continue;
        const t = provider(j, idx);
        const want = [rows.length, this.expertTokens, this.options.expertDim];
        if (!tf.util.arraysEqual(t.shape, want))
          throw new Error(`MoVA: expert ${j} provider returned [${t.shape}], expected [${want}]`);
        parts.push(t);
        offset += rows.length;
      }
      if (parts.length) experts.tokens = parts.length === 1 ? parts[0] : (tf.concat(parts, 0) as tf.Tensor3D);
      const q = this.question.forward(words) as tf.Tensor2D;
      const x = this.adapt(this.embed(base), q, routed, experts, stats);
      return this.head.forward(x, q);
    });
    return { logits, expertRows, crossRows: stats.crossRows };
  }

  /** Parameters of everything except the per-expert parts of the adapter. */
  sharedParams(): number {
    return this.countParams() - this.numExperts * this.expertParams();
  }

  /** Adapter parameters that belong to one expert (over all blocks). */
  expertParams(): number {
    return this.blocks.reduce((s, b) => s + b.expertParams(), 0);
  }

  /**
   * Forward FLOPs per sample given the measured cross-attention calls per sample (over all
   * blocks); encoders not included.
   */
  flops(crossCallsPerSample: number): number {
    const l = this.options.tokens;
    let f = l * moduleCosts(this.proj).flopsPerToken + this.head.flops();
    for (const b of this.blocks)
      f += b.sharedFlops(l) + (crossCallsPerSample / this.blocks.length) * b.crossFlops(l);
    return f;
  }
}
