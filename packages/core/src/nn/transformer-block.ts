import { z } from 'zod';
import { LIMITS, sizeField } from '../config/bounds';
import { parseConfig } from '../config/parse';
import { tf } from '../tf';
import type { MoEAux } from '../moe/types';
import { MultiHeadAttention } from './attention';
import type { AttentionSlot } from './attention-slot';
import { Dropout } from './dropout';
import type { FfnSlot, SlotContext } from './ffn-slot';
import { LayerNorm } from './layer-norm';
import { Module } from './module';
import { RMSNorm } from './rms-norm';

/** Options of {@link TransformerBlock} (strict; `dim` and `heads` bounded, `heads` dividing `dim`). */
export const TransformerBlockOptionsSchema = z
  .strictObject({
    dim: sizeField(LIMITS.dim),
    heads: sizeField(LIMITS.heads),
    /**
     * The FFN slot; it receives tokens flattened to [B*L, dim] and the {@link SlotContext}. A factory
     * is called after the attention and norms are built, so their random initialisation comes first.
     */
    ffn: z.custom<FfnSlot | (() => FfnSlot)>(
      (v) => typeof v === 'function' || (typeof v === 'object' && v !== null),
      { message: 'expected an FFN slot or a function making one' },
    ),
    /**
     * The attention (default a `MultiHeadAttention(dim, heads, { dropout })`): an
     * {@link AttentionSlot} or a function making one (called where the default is built, before
     * the second norm). A routed attention (`MoHAttention`, `JetMoeAttention`) returns
     * `{ y, aux }`; its aux follows the FFN slot's in the block's `aux`.
     */
    attention: z
      .custom<AttentionSlot | (() => AttentionSlot)>(
        (v) => typeof v === 'function' || (typeof v === 'object' && v !== null),
        { message: 'expected an attention module or a function making one' },
      )
      .optional(),
    /** Dropout on attention probabilities and on both residual branches (default 0). */
    dropout: z.number().min(0).lt(1).optional(),
    /** 'layer' (LayerNorm, default) or 'rms' (RMSNorm). */
    norm: z.enum(['layer', 'rms']).optional(),
  })
  .superRefine((o, ctx) => {
    if (ctx.issues.length === 0 && o.dim % o.heads !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['heads'],
        message: `dim ${o.dim} is not divisible by heads ${o.heads}`,
      });
    }
  });
/** Options of {@link TransformerBlock}; `attention` typed as the block's attention `A`. */
export type TransformerBlockOptions<A extends AttentionSlot = AttentionSlot> = Omit<
  z.input<typeof TransformerBlockOptionsSchema>,
  'attention'
> & { attention?: A | (() => A) };

/** Per-token context a caller gives a block (flattened to B*L); the block adds the residual stream. */
export type BlockContext = Omit<SlotContext, 'residual' | 'seqLen'>;

/** Output of {@link TransformerBlock.forward}. */
export interface TransformerBlockOutput {
  y: tf.Tensor;
  /**
   * Aux of the FFN slot when it is a routed layer, then of the attention when it is routed (marked
   * `source: 'attention'`); else empty.
   */
  aux: MoEAux[];
}

/**
 * Pre-norm transformer block: `x = x + attn(ln1(x))`, then `x = x + ffn(ln2(x), ctx)`. The FFN
 * slot is any {@link FfnSlot}; it gets the caller's context plus the residual stream and the
 * sequence length, and a routed slot's aux is passed up. The attention is `MultiHeadAttention`
 * unless `attention` gives another {@link AttentionSlot} (e.g. `MoHAttention`, `JetMoeAttention`);
 * a routed attention gets the valid-token mask and its aux follows the FFN slot's. Omitting
 * `attention` while naming another type `A` is the caller's error: the block then holds a
 * `MultiHeadAttention`. Children: `ln1`, `attn`, `ln2`, `ffn`.
 *
 * @example
 * ```ts
 * const block = new TransformerBlock({ dim: 32, heads: 4, ffn: new GeluFFN(32, 128) });
 * const { y, aux } = block.forward(x, causalMask(x.shape[1])); // x: [B, L, 32]
 * ```
 */
export class TransformerBlock<A extends AttentionSlot = MultiHeadAttention> extends Module {
  readonly ln1: LayerNorm | RMSNorm;
  readonly attn: A;
  readonly ln2: LayerNorm | RMSNorm;
  private ffnSlot: FfnSlot;
  readonly drop: Dropout;
  readonly dim: number;

  constructor(options: TransformerBlockOptions<A>) {
    super();
    const o = parseConfig(TransformerBlockOptionsSchema, options, 'transformer block options');
    const { dim, heads, ffn, attention, dropout = 0, norm = 'layer' } = o;
    this.dim = dim;
    const makeNorm = () => (norm === 'rms' ? new RMSNorm(dim) : new LayerNorm(dim));
    this.ln1 = this.child('ln1', makeNorm());
    const attn = typeof attention === 'function' ? attention() : attention;
    this.attn = this.child('attn', (attn ?? new MultiHeadAttention(dim, heads, { dropout })) as A);
    this.ln2 = this.child('ln2', makeNorm());
    this.ffnSlot = this.child('ffn', typeof ffn === 'function' ? ffn() : ffn);
    this.drop = this.child('drop', new Dropout(dropout));
  }

  /** The FFN slot (child `ffn`). */
  get ffn(): FfnSlot {
    return this.ffnSlot;
  }

  /**
   * Puts `slot` in the FFN's place (child `ffn`, so parameter names stay `ffn.*`) and returns the
   * slot it replaced, which the caller now owns: e.g. a compressed copy of a trained MoE layer.
   *
   * @example
   * ```ts
   * const original = block.replaceFfn(await compressExperts(block.ffn as MoELayer, { rank: 8 }));
   * ```
   */
  replaceFfn(slot: FfnSlot): FfnSlot {
    if (slot === this.ffnSlot) return slot;
    this.replaceChild('ffn', slot);
    const old = this.ffnSlot;
    this.ffnSlot = slot;
    return old;
  }

  /**
   * @param x [B, L, dim] or [L, dim]
   * @param mask attention mask, see {@link MultiHeadAttention.forward}
   * @param ctx per-token context for the FFN slot (modality ids, valid-token mask, token ids)
   */
  forward(x: tf.Tensor, mask?: tf.Tensor, ctx: BlockContext = {}): TransformerBlockOutput {
    // Not one tf.tidy: the routed slot's aux tensors must survive, so intermediates are disposed by hand.
    const normed = this.ln1.forward(x);
    const attended = this.attn.forward(normed, undefined, mask, { valid: ctx.valid });
    normed.dispose();
    // Marked, whatever attention made it, so that it is never read as an FFN layer's (`ffnAux`).
    const [a, attnAux]: [tf.Tensor, MoEAux[]] =
      'aux' in attended ? [attended.y, [{ ...attended.aux, source: 'attention' }]] : [attended, []];
    const h = tf.tidy(() => tf.add(x, this.drop.forward(a)));
    a.dispose();
    const tokens = tf.tidy(() => tf.reshape(this.ln2.forward(h), [-1, this.dim])) as tf.Tensor2D;
    const residual = tf.reshape(h, [-1, this.dim]) as tf.Tensor2D;
    const seqLen = x.rank === 3 ? x.shape[1] : undefined;
    const out = this.ffn.forward(tokens, { ...ctx, residual, seqLen });
    const [f, aux] = 'aux' in out ? [out.y, [out.aux]] : [out, []];
    const y = tf.tidy(() => tf.add(h, this.drop.forward(tf.reshape(f, h.shape))));
    for (const t of new Set([h, tokens, f, residual])) t.dispose();
    return { y, aux: [...aux, ...attnAux] };
  }
}
