import { Dropout, LayerNorm, Module, MultiHeadAttention, tf, type MoEAux } from '@moe-zoo/core';
import { isContextual, type FfnSlot, type TokenContext } from './slots';

/**
 * Pre-norm transformer block whose FFN slot may route by token modality:
 * `x = x + attn(ln1(x))`, then `x = x + ffn(ln2(x), ctx)`. Children: `ln1`, `attn`, `ln2`, `ffn`.
 */
export class MultimodalBlock extends Module {
  readonly ln1: LayerNorm;
  readonly attn: MultiHeadAttention;
  readonly ln2: LayerNorm;
  readonly ffn: FfnSlot;
  readonly drop: Dropout;

  constructor(
    readonly dim: number,
    heads: number,
    ffn: FfnSlot,
    dropout = 0,
  ) {
    super();
    this.ln1 = this.child('ln1', new LayerNorm(dim));
    this.attn = this.child('attn', new MultiHeadAttention(dim, heads, { dropout }));
    this.ln2 = this.child('ln2', new LayerNorm(dim));
    this.ffn = this.child('ffn', ffn);
    this.drop = this.child('drop', new Dropout(dropout));
  }

  /**
   * @param x [B, L, dim]
   * @param mask boolean attention mask [B, L, L] (true = may attend)
   * @param ctx token context for the FFN slot, tokens flattened to B·L
   */
  forward(x: tf.Tensor3D, mask: tf.Tensor, ctx: TokenContext): { y: tf.Tensor3D; aux: MoEAux[] } {
    // Not one tf.tidy: MoE aux tensors must survive, so intermediates are disposed by hand.
    const h = tf.tidy(() =>
      tf.add(x, this.drop.forward(this.attn.forward(this.ln1.forward(x), undefined, mask))),
    );
    const tokens = tf.tidy(() => tf.reshape(this.ln2.forward(h), [-1, this.dim])) as tf.Tensor2D;
    const out = isContextual(this.ffn) ? this.ffn.forwardTokens(tokens, ctx) : this.ffn.forward(tokens);
    const [f, aux] = 'aux' in out ? [out.y, [out.aux]] : [out, []];
    const y = tf.tidy(() => tf.add(h, this.drop.forward(tf.reshape(f, h.shape)))) as tf.Tensor3D;
    for (const t of new Set([h, tokens, f])) t.dispose();
    return { y, aux };
  }
}
