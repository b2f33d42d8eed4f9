import { tf } from '../tf';
import type { FfnOutput, MoEAux } from '../moe/types';
import { MultiHeadAttention } from './attention';
import { Dropout } from './dropout';
import { LayerNorm } from './layer-norm';
import { Module } from './module';
import { RMSNorm } from './rms-norm';

/** What can fill the FFN slot of a {@link TransformerBlock}: a dense FFN or an MoE layer. */
export type FfnModule = Module & { forward(x: tf.Tensor): FfnOutput };

/**
 * An FFN slot that also reads the block's un-normalised residual stream, e.g. a router on `x`
 * next to experts on `LN x` (MoFME's released code). The block calls `forwardWithResidual`
 * instead of `forward` when `readsResidual` is true.
 */
export interface ResidualReadingFfn {
  readonly readsResidual: boolean;
  /** `normed` = `LN x`, `residual` = `x`, both [T, dim]. */
  forwardWithResidual(normed: tf.Tensor, residual: tf.Tensor): FfnOutput;
}

function readsResidual(ffn: FfnModule): ffn is FfnModule & ResidualReadingFfn {
  return (ffn as Partial<ResidualReadingFfn>).readsResidual === true;
}

/** Options of {@link TransformerBlock}. */
export interface TransformerBlockOptions {
  dim: number;
  heads: number;
  /** The FFN slot; it receives tokens flattened to [B*L, dim]. */
  ffn: FfnModule;
  /** Dropout on attention probabilities and on both residual branches (default 0). */
  dropout?: number;
  /** 'layer' (LayerNorm, default) or 'rms' (RMSNorm). */
  norm?: 'layer' | 'rms';
}

/** Output of {@link TransformerBlock.forward}. */
export interface TransformerBlockOutput {
  y: tf.Tensor;
  /** Aux of the FFN slot when it is an MoE layer, else empty. */
  aux: MoEAux[];
}

/**
 * Pre-norm transformer block: `x = x + attn(ln1(x))`, then `x = x + ffn(ln2(x))`. The FFN slot
 * is any module returning a tensor or `{ y, aux }` (an MoE layer); its aux is passed up.
 * Children: `ln1`, `attn`, `ln2`, `ffn`.
 *
 * @example
 * ```ts
 * const block = new TransformerBlock({ dim: 32, heads: 4, ffn: new GeluFFN(32, 128) });
 * const { y, aux } = block.forward(x, causalMask(x.shape[1])); // x: [B, L, 32]
 * ```
 */
export class TransformerBlock extends Module {
  readonly ln1: LayerNorm | RMSNorm;
  readonly attn: MultiHeadAttention;
  readonly ln2: LayerNorm | RMSNorm;
  readonly ffn: FfnModule;
  readonly drop: Dropout;
  readonly dim: number;

  constructor({ dim, heads, ffn, dropout = 0, norm = 'layer' }: TransformerBlockOptions) {
    super();
    this.dim = dim;
    const makeNorm = () => (norm === 'rms' ? new RMSNorm(dim) : new LayerNorm(dim));
    this.ln1 = this.child('ln1', makeNorm());
    this.attn = this.child('attn', new MultiHeadAttention(dim, heads, { dropout }));
    this.ln2 = this.child('ln2', makeNorm());
    this.ffn = this.child('ffn', ffn);
    this.drop = this.child('drop', new Dropout(dropout));
  }

  /**
   * @param x [B, L, dim] or [L, dim]
   * @param mask attention mask, see {@link MultiHeadAttention.forward}
   */
  forward(x: tf.Tensor, mask?: tf.Tensor): TransformerBlockOutput {
    // Not one tf.tidy: the MoE aux tensors must survive, so intermediates are disposed by hand.
    const h = tf.tidy(() =>
      tf.add(x, this.drop.forward(this.attn.forward(this.ln1.forward(x), undefined, mask))),
    );
    const tokens = tf.tidy(() => tf.reshape(this.ln2.forward(h), [-1, this.dim]));
    const residual = readsResidual(this.ffn) ? tf.reshape(h, [-1, this.dim]) : undefined;
    const out =
      residual && readsResidual(this.ffn)
        ? this.ffn.forwardWithResidual(tokens, residual)
        : this.ffn.forward(tokens);
    const [f, aux] = 'aux' in out ? [out.y, [out.aux]] : [out, []];
    const y = tf.tidy(() => tf.add(h, this.drop.forward(tf.reshape(f, h.shape))));
    for (const t of new Set([h, tokens, f, ...(residual ? [residual] : [])])) t.dispose();
    return { y, aux };
  }
}
