import { z } from 'zod';
import { LIMITS, refineParamBudget, sizeField } from '../config/bounds';
import { parseConfig } from '../config/parse';
import type { CostReporter } from '../metrics/costs';
import { switchAuxLoss, zLoss } from '../moe/losses';
import { countAssignments, oneHotFloat } from '../moe/ops';
import { SoftmaxTopKRouter } from '../moe/routers/softmax-topk';
import type { MoEAux } from '../moe/types';
import { tf } from '../tf';
import { additiveMask, attendHeads, matMulBT } from './attention-ops';
import { routedAttentionAux, routeQueries } from './routed-attention';
import type { AttentionContext } from './attention-slot';
import { Dropout } from './dropout';
import { fanInUniform } from './init';
import { Linear } from './linear';
import { Module } from './module';

/** Options of {@link JetMoeAttention} (strict; sizes bounded, `topK` at most `numExperts`). */
export const JetMoeAttentionOptionsSchema = z
  .strictObject({
    dim: sizeField(LIMITS.dim),
    /** Heads of every attention expert. */
    heads: sizeField(LIMITS.heads),
    /** Width of a head (default `dim / heads`, which `heads` must then divide). */
    headDim: sizeField(LIMITS.dim).optional(),
    /** Attention experts E (each its own query and output projection). */
    numExperts: sizeField(LIMITS.numExperts),
    /** Experts per token. */
    topK: sizeField(LIMITS.numExperts),
    /** Feature size of the key/value input for cross-attention (default `dim`). */
    kvDim: sizeField(LIMITS.dim).optional(),
    /** Dropout on the attention probabilities (default 0). */
    dropout: z.number().min(0).lt(1).optional(),
    /** Biases in the projections (default true). */
    bias: z.boolean().optional(),
    /** Coefficient of the Switch load-balancing loss `aux.losses.aux` (default 0.01, JetMoE's). */
    auxLoss: z.number().min(0).max(100).optional(),
    /** Coefficient of the router z-loss `aux.losses.z` (default 0.001, JetMoE's; 0 = off). */
    zLoss: z.number().min(0).max(100).optional(),
  })
  .superRefine((o, ctx) => {
    if (ctx.issues.length > 0) return;
    if (o.topK > o.numExperts) {
      ctx.addIssue({
        code: 'custom',
        path: ['topK'],
        message: `must be at most numExperts (${o.numExperts}), got ${o.topK}`,
      });
    } else if (o.headDim === undefined && o.dim % o.heads !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['heads'],
        message: `dim ${o.dim} is not divisible by heads ${o.heads}`,
      });
    } else if (o.heads * (o.headDim ?? o.dim / o.heads) > LIMITS.dim) {
      ctx.addIssue({
        code: 'custom',
        path: ['headDim'],
        message: `heads × headDim must be at most ${LIMITS.dim}`,
      });
    }
  })
  .superRefine(
    refineParamBudget(
      (o) =>
        2 * (o.numExperts + 1) * Math.max(o.dim, o.kvDim ?? o.dim) * o.heads * (o.headDim ?? o.dim / o.heads),
      'numExperts',
    ),
  );
/** Options of {@link JetMoeAttention}. */
export type JetMoeAttentionOptions = z.input<typeof JetMoeAttentionOptionsSchema>;

/**
 * JetMoE's mixture of attention experts, MoA (Shen, Guo, Cai, Qin 2024, "JetMoE: Reaching Llama2
 * Performance with 0.1M Dollars", arXiv 2404.07413; MoA from ModuleFormer, Shen et al. 2023,
 * arXiv 2306.04640): E attention experts, each with its own query projection `W_q^e` and output
 * projection `W_o^e`, all sharing one key and one value projection. A top-k softmax router
 * (`router`, a {@link SoftmaxTopKRouter}; gates = softmax over the k best logits) picks each
 * token's experts: `y_t = Σ_{e ∈ topk(t)} g_e(t) · (Attn(x_t W_q^e, K, V) W_o^e + b_o^e)`.
 *
 * Attention runs only for the chosen (token, expert) pairs: their queries are stacked along the
 * query axis against the shared keys. The query and output projections are computed as one
 * matMul over all experts' stacked weights, with the unselected experts' rows multiplied by an
 * exact 0 (so a token's output does not depend on them); {@link flopsPerToken} counts the k
 * experts a grouped kernel would run. `aux.losses` holds the Switch balance loss (`aux`) and the
 * router z-loss (`z`), as in JetMoE. Parameters: `router`, `qWeight` [E, dim, H·hd], `qBias`
 * [E, H·hd], `k`, `v` (Linear), `outWeight` [E, H·hd, dim], `outBias` [E, dim].
 *
 * @example
 * ```ts
 * const attn = new JetMoeAttention({ dim: 32, heads: 4, numExperts: 8, topK: 2 });
 * const { y, aux } = attn.forward(x, undefined, causalMask(x.shape[1])); // x: [B, L, 32]
 * ```
 */
export class JetMoeAttention extends Module implements CostReporter {
  readonly router: SoftmaxTopKRouter;
  readonly qWeight: tf.Variable;
  readonly qBias?: tf.Variable;
  readonly k: Linear;
  readonly v: Linear;
  readonly outWeight: tf.Variable;
  readonly outBias?: tf.Variable;
  readonly attnDrop: Dropout;
  readonly dim: number;
  readonly heads: number;
  readonly headDim: number;
  /** Width of the attention space, `heads · headDim`. */
  readonly inner: number;
  readonly kvDim: number;
  readonly numExperts: number;
  readonly topK: number;
  private readonly coefficients: { aux: number; z: number };

  constructor(options: JetMoeAttentionOptions) {
    super();
    const o = parseConfig(JetMoeAttentionOptionsSchema, options, 'JetMoE attention options');
    const { dim, heads, numExperts, topK, kvDim = dim, dropout = 0, bias = true } = o;
    this.dim = dim;
    this.heads = heads;
    this.headDim = o.headDim ?? dim / heads;
    this.inner = heads * this.headDim;
    this.kvDim = kvDim;
    this.numExperts = numExperts;
    this.topK = topK;
    this.coefficients = { aux: o.auxLoss ?? 0.01, z: o.zLoss ?? 0.001 };
    const e = numExperts;
    const inner = this.inner;
    this.router = this.child(
      'router',
      new SoftmaxTopKRouter({ dim, numExperts: e, k: topK, normalize: true }),
    );
    this.qWeight = this.param('qWeight', fanInUniform([e, dim, inner], dim));
    if (bias) this.qBias = this.param('qBias', fanInUniform([e, inner], dim));
    this.k = this.child('k', new Linear(kvDim, inner, { bias }));
    this.v = this.child('v', new Linear(kvDim, inner, { bias }));
    this.outWeight = this.param('outWeight', fanInUniform([e, inner, dim], inner));
    if (bias) this.outBias = this.param('outBias', fanInUniform([e, dim], inner));
    this.attnDrop = this.child('attnDrop', new Dropout(dropout));
  }

  /**
   * @param x queries [B, Lq, dim] (or [Lq, dim]); the router reads them
   * @param kv keys/values [B, Lk, kvDim] (or [Lk, kvDim]); defaults to `x`
   * @param mask boolean or additive [Lq, Lk] or [B, Lq, Lk] (see `MultiHeadAttention`)
   * @param ctx `valid` [B·Lq]: padding counts in no load and no balance loss
   * @returns `y` shaped like `x`, and the routing's `aux` (`indices` [B·Lq, topK])
   */
  forward(
    x: tf.Tensor,
    kv: tf.Tensor = x,
    mask?: tf.Tensor,
    ctx: AttentionContext = {},
  ): { y: tf.Tensor; aux: MoEAux } {
    const result = tf.tidy(() => {
      const call = routeQueries('JetMoeAttention', this.router, this.dim, x, kv, ctx.valid);
      const { kv3, b, lq, lk, tokens, route, indices, weights } = call;
      const t = b * lq;
      const { numExperts: e, topK: k, heads: h, headDim: hd, inner } = this;
      const chosen = oneHotFloat(indices, e); // [T, k, E]

      // Queries of every expert in one product, then each token's k chosen ones [T, k, inner].
      const qFlat = tf.reshape(tf.transpose(this.qWeight, [1, 0, 2]), [this.dim, e * inner]);
      let qAll = tf.matMul(tokens, qFlat);
      if (this.qBias) qAll = tf.add(qAll, tf.reshape(this.qBias, [e * inner]));
      const qChosen = matMulBT(chosen, tf.transpose(tf.reshape(qAll, [t, e, inner]), [0, 2, 1]));
      // The k queries of a position are k rows of the query axis: [B, H, Lq·k, hd].
      const qh = tf.reshape(tf.transpose(tf.reshape(qChosen, [b, lq, k, h, hd]), [0, 3, 1, 2, 4]), [
        b,
        h,
        lq * k,
        hd,
      ]);
      const split = (u: tf.Tensor, perm: number[]) => tf.transpose(tf.reshape(u, [b, lk, h, hd]), perm);
      const kh = split(this.k.forward(kv3), [0, 2, 1, 3]);
      const vt = split(this.v.forward(kv3), [0, 2, 3, 1]);
      const scoreMask = mask
        ? this.repeatRows(additiveMask(mask, b, lq, lk, 'JetMoeAttention'), k)
        : undefined;
      const heads = attendHeads(qh, kh, vt, scoreMask, this.attnDrop); // [B, H, Lq·k, hd]
      const perSlot = tf.reshape(tf.transpose(tf.reshape(heads, [b, h, lq, k, hd]), [0, 2, 3, 1, 4]), [
        t,
        k,
        inner,
      ]);

      // Gate-weighted slots scattered to their experts (0 elsewhere), then every W_o in one product.
      const gated = tf.mul(perSlot, tf.expandDims(weights, -1));
      const byExpert = matMulBT(tf.transpose(chosen, [0, 2, 1]), tf.transpose(gated, [0, 2, 1])); // [T, E, inner]
      let y2 = tf.matMul(
        tf.reshape(byExpert, [t, e * inner]),
        tf.reshape(this.outWeight, [e * inner, this.dim]),
      );
      if (this.outBias) {
        const gates = tf.sum(tf.mul(chosen, tf.expandDims(weights, -1)), 1); // [T, E]
        y2 = tf.add(y2, tf.matMul(gates, this.outBias));
      }
      const y = tf.reshape(y2, x.shape);

      const counts = countAssignments(indices, e, ctx.valid);
      const losses: Record<string, tf.Scalar> = {
        aux: tf.mul(switchAuxLoss(route.probs, counts, ctx.valid), this.coefficients.aux) as tf.Scalar,
      };
      if (this.coefficients.z > 0) losses.z = tf.mul(zLoss(route.logits), this.coefficients.z) as tf.Scalar;
      const aux = routedAttentionAux(call, counts, losses, ctx.valid);
      return { y, aux } as unknown as tf.TensorContainer;
    });
    return result as unknown as { y: tf.Tensor; aux: MoEAux };
  }

  /** An additive mask [Lq, Lk] or [B, 1, Lq, Lk] with each query row repeated k times (the k slots). */
  private repeatRows(mask: tf.Tensor, k: number): tf.Tensor {
    const [lq, lk] = mask.shape.slice(-2);
    const lead = mask.shape.slice(0, -2);
    const tiled = tf.tile(tf.expandDims(mask, -2), [...lead.map(() => 1), 1, k, 1]);
    return tf.reshape(tiled, [...lead, lq * k, lk]);
  }

  /** Parameters of one expert: its query and output projections. */
  paramsPerExpert(): number {
    const biases = this.qBias ? this.inner + this.dim : 0;
    return 2 * this.dim * this.inner + biases;
  }

  /** Parameters a token leaves unused: the query and output projections of its E - k other experts. */
  inactiveParams(): number {
    return (this.numExperts - this.topK) * this.paramsPerExpert();
  }

  /**
   * FLOPs per query token (2 per multiply-add) as a grouped kernel runs it: the router, the query
   * and output projections and the scores and mixing over `seqLen` keys of its k experts, the
   * shared key and value projections of one token.
   */
  flopsPerToken(seqLen = 0): number {
    const { dim, inner, topK: k } = this;
    return (
      2 * dim * this.numExperts +
      2 * 2 * dim * inner * k +
      2 * 2 * this.kvDim * inner +
      2 * 2 * seqLen * inner * k
    );
  }
}
