import { z } from 'zod';
import { LIMITS, sizeField } from '../config/bounds';
import { parseConfig } from '../config/parse';
import type { CostReporter } from '../metrics/costs';
import { switchAuxLoss } from '../moe/losses';
import { countAssignments, oneHotFloat } from '../moe/ops';
import { SoftmaxTopKRouter } from '../moe/routers/softmax-topk';
import type { MoEAux } from '../moe/types';
import { tf } from '../tf';
import { additiveMask, attendHeads } from './attention-ops';
import { routedAttentionAux, routeQueries } from './routed-attention';
import type { AttentionContext } from './attention-slot';
import { Dropout } from './dropout';
import { Linear } from './linear';
import { Module } from './module';

/** Options of {@link MoHAttention} (strict; sizes bounded, `heads` dividing `dim`, `topK` at most the routed heads). */
export const MoHAttentionOptionsSchema = z
  .strictObject({
    dim: sizeField(LIMITS.dim),
    heads: sizeField(LIMITS.heads),
    /** Heads every token uses (the first `sharedHeads` heads); the others are routed. */
    sharedHeads: sizeField(LIMITS.heads, 0),
    /** Routed heads each token activates. */
    topK: sizeField(LIMITS.heads),
    /** Feature size of the key/value input for cross-attention (default `dim`). */
    kvDim: sizeField(LIMITS.dim).optional(),
    /** Dropout on the attention probabilities (default 0). */
    dropout: z.number().min(0).lt(1).optional(),
    /** Biases in the q/k/v/out projections (default true). */
    bias: z.boolean().optional(),
    /** β, the coefficient of the routed heads' load-balance loss `aux.losses.aux` (default 0.01, the paper's). */
    auxLoss: z.number().min(0).max(100).optional(),
  })
  .superRefine((o, ctx) => {
    if (ctx.issues.length > 0) return;
    if (o.dim % o.heads !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['heads'],
        message: `dim ${o.dim} is not divisible by heads ${o.heads}`,
      });
    } else if (o.sharedHeads >= o.heads) {
      ctx.addIssue({
        code: 'custom',
        path: ['sharedHeads'],
        message: `must leave at least one routed head: sharedHeads ${o.sharedHeads} of heads ${o.heads}`,
      });
    } else if (o.topK > o.heads - o.sharedHeads) {
      ctx.addIssue({
        code: 'custom',
        path: ['topK'],
        message: `must be at most the routed heads (${o.heads - o.sharedHeads}), got ${o.topK}`,
      });
    }
  });
/** Options of {@link MoHAttention}. */
export type MoHAttentionOptions = z.input<typeof MoHAttentionOptionsSchema>;

/**
 * Mixture-of-Head attention, MoH (Jin, Zhu, Yuan, Yan 2024, "MoH: Multi-Head Attention as
 * Mixture-of-Head Attention", arXiv 2410.11842): multi-head attention whose heads are experts.
 * `y = Σ_i g_i H_i W_O^i` with per-token head gates `g`:
 *
 * - shared heads (the first `sharedHeads`) are always on, weighted `α1 · softmax(x W_s)`;
 * - routed heads: a softmax over them (`router`, a {@link SoftmaxTopKRouter} over the routed
 *   heads), the `topK` best per token weighted `α2 ·` their renormalised probability, the others 0;
 * - `[α1, α2] = softmax(x W_h)` balances the two groups.
 *
 * As in the authors' code (SkyworkAI/MoH) each group's weights are scaled by its size and α by 2,
 * so uniform routing gives every active head the weight 1 and MoH with every head active is
 * multi-head attention. A token's output does not depend on its unselected heads (their gate is
 * exactly 0); this implementation still computes every head, then zeroes them (a per-token head
 * gather does not pay off on tfjs at these sizes), while {@link flopsPerToken} counts what a
 * head-skipping kernel does. `aux.losses.aux` is the paper's load-balance loss of the routed heads,
 * `β · R · Σ_i f_i P_i` (f_i the fraction of tokens selecting head i, P_i its mean probability, R
 * the routed heads, as in the authors' code: 1 per active routed head under uniform routing).
 * Children: `q`, `k`, `v`, `out` (as in `MultiHeadAttention`, so its weights load), `router`,
 * `sharedGate` (W_s, with 2+ shared heads), `groupGate` (W_h, with 1+ shared heads).
 *
 * @example
 * ```ts
 * const attn = new MoHAttention({ dim: 32, heads: 8, sharedHeads: 2, topK: 3 }); // 5 of 8 heads per token
 * const { y, aux } = attn.forward(x, undefined, causalMask(x.shape[1])); // x: [B, L, 32]
 * ```
 */
export class MoHAttention extends Module implements CostReporter {
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly out: Linear;
  readonly router: SoftmaxTopKRouter;
  readonly sharedGate?: Linear;
  readonly groupGate?: Linear;
  readonly attnDrop: Dropout;
  readonly dim: number;
  readonly heads: number;
  readonly headDim: number;
  readonly kvDim: number;
  readonly sharedHeads: number;
  readonly routedHeads: number;
  readonly topK: number;
  private readonly bias: boolean;
  private readonly auxLoss: number;

  constructor(options: MoHAttentionOptions) {
    super();
    const o = parseConfig(MoHAttentionOptionsSchema, options, 'MoH attention options');
    const { dim, heads, sharedHeads, topK, kvDim = dim, dropout = 0, bias = true, auxLoss = 0.01 } = o;
    this.dim = dim;
    this.heads = heads;
    this.sharedHeads = sharedHeads;
    this.topK = topK;
    this.kvDim = kvDim;
    this.bias = bias;
    this.auxLoss = auxLoss;
    this.headDim = dim / heads;
    this.routedHeads = heads - sharedHeads;
    this.q = this.child('q', new Linear(dim, dim, { bias }));
    this.k = this.child('k', new Linear(kvDim, dim, { bias }));
    this.v = this.child('v', new Linear(kvDim, dim, { bias }));
    this.out = this.child('out', new Linear(dim, dim, { bias }));
    this.router = this.child(
      'router',
      new SoftmaxTopKRouter({ dim, numExperts: this.routedHeads, k: topK, normalize: true }),
    );
    if (sharedHeads >= 2)
      this.sharedGate = this.child('sharedGate', new Linear(dim, sharedHeads, { bias: false }));
    if (sharedHeads >= 1) this.groupGate = this.child('groupGate', new Linear(dim, 2, { bias: false }));
    this.attnDrop = this.child('attnDrop', new Dropout(dropout));
  }

  /** Heads a token uses, as a fraction of all heads: `(sharedHeads + topK) / heads`. */
  get activeHeadFraction(): number {
    return (this.sharedHeads + this.topK) / this.heads;
  }

  /**
   * @param x queries [B, Lq, dim] (or [Lq, dim]); the router reads them
   * @param kv keys/values [B, Lk, kvDim] (or [Lk, kvDim]); defaults to `x`
   * @param mask boolean or additive [Lq, Lk] or [B, Lq, Lk] (see `MultiHeadAttention`)
   * @param ctx `valid` [B·Lq]: padding counts in no load and no balance loss
   * @returns `y` shaped like `x`; `aux` over the routed heads (experts = routed heads, `indices` [B·Lq, topK])
   */
  forward(
    x: tf.Tensor,
    kv: tf.Tensor = x,
    mask?: tf.Tensor,
    ctx: AttentionContext = {},
  ): { y: tf.Tensor; aux: MoEAux } {
    const result = tf.tidy(() => {
      const call = routeQueries('MoHAttention', this.router, this.dim, x, kv, ctx.valid);
      const { x3, kv3, b, lq, lk, tokens, route, indices, weights } = call;
      const gates = this.headGates(tokens, indices, weights); // [T, H]

      const split = (t: tf.Tensor, len: number, perm: number[]) =>
        tf.transpose(tf.reshape(t, [b, len, this.heads, this.headDim]), perm);
      const qh = split(this.q.forward(x3), lq, [0, 2, 1, 3]);
      const kh = split(this.k.forward(kv3), lk, [0, 2, 1, 3]);
      const vt = split(this.v.forward(kv3), lk, [0, 2, 3, 1]);
      const scoreMask = mask ? additiveMask(mask, b, lq, lk, 'MoHAttention') : undefined;
      const perHead = tf.transpose(attendHeads(qh, kh, vt, scoreMask, this.attnDrop), [0, 2, 1, 3]); // [B, Lq, H, hd]
      const gated = tf.mul(perHead, tf.reshape(gates, [b, lq, this.heads, 1]));
      const y3 = this.out.forward(tf.reshape(gated, [b, lq, this.dim]));
      const y = x.rank === 2 ? tf.squeeze(y3, [0]) : y3;

      const counts = countAssignments(indices, this.routedHeads, ctx.valid);
      const balance = switchAuxLoss(route.probs, counts, ctx.valid, this.routedHeads * this.topK);
      const aux = routedAttentionAux(
        call,
        counts,
        { aux: tf.mul(balance, this.auxLoss) as tf.Scalar },
        ctx.valid,
      );
      return { y, aux } as unknown as tf.TensorContainer;
    });
    return result as unknown as { y: tf.Tensor; aux: MoEAux };
  }

  /** Per-token weight of every head [T, H]: shared heads first, unselected routed heads exactly 0. */
  private headGates(tokens: tf.Tensor2D, indices: tf.Tensor2D, weights: tf.Tensor2D): tf.Tensor2D {
    const chosen = tf.mul(oneHotFloat(indices, this.routedHeads), tf.expandDims(weights, -1)); // [T, k, R]
    const routed = tf.mul(tf.sum(chosen, 1), this.topK);
    if (!this.groupGate) return routed as tf.Tensor2D;
    const t = tokens.shape[0];
    const shared = this.sharedGate
      ? tf.mul(tf.softmax(this.sharedGate.forward(tokens)), this.sharedHeads)
      : tf.ones([t, 1]);
    const alpha = tf.mul(tf.softmax(this.groupGate.forward(tokens)), 2); // [T, 2]
    const [a1, a2] = tf.split(alpha, 2, 1);
    return tf.concat([tf.mul(shared, a1), tf.mul(routed, a2)], 1) as tf.Tensor2D;
  }

  /**
   * Parameters a token leaves unused: the query slice and output rows of its unselected routed
   * heads. Keys and values of every head stay active (other tokens' heads attend to them).
   */
  inactiveParams(): number {
    const perHead = 2 * this.dim * this.headDim + (this.bias ? this.headDim : 0);
    return (this.routedHeads - this.topK) * perHead;
  }

  /**
   * FLOPs per query token of a head-skipping kernel (2 per multiply-add): the routers, the query
   * and output projections and the scores and mixing over `seqLen` keys of its active heads, the
   * key and value projections of one token for every head.
   */
  flopsPerToken(seqLen = 0): number {
    const active = (this.sharedHeads + this.topK) * this.headDim;
    const gates = this.routedHeads + (this.sharedGate ? this.sharedHeads : 0) + (this.groupGate ? 2 : 0);
    return (
      2 * this.dim * gates +
      2 * 2 * this.dim * active +
      2 * 2 * this.kvDim * this.dim +
      2 * 2 * seqLen * active
    );
  }
}
