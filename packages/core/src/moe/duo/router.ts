import type { DuoRouting } from '../../config/duo';
import { fanInUniform } from '../../nn/init';
import { tf } from '../../tf';
import { nextSeed } from '../../utils/random';
import { gatherRows, withoutGradient } from '../ops';
import { Router, type RouteContext, type RouteResult } from '../routers/router';
import { DUO_CHOICES } from './patterns';

/** What a Duo router reads besides the tokens: the sequence length (per-sequence routing). */
export interface DuoRouteContext extends RouteContext {
  seqLen?: number;
}

/** Settings of a {@link DuoRouter} (validated by the Duo slot's config). */
export interface DuoRouterOptions {
  dim: number;
  routeBy: 'token' | 'sequence';
  routing: DuoRouting;
  /** Skip / small / big probabilities of random routing (normalised here). */
  randomProbs: readonly [number, number, number];
}

/**
 * Duo-LLM's router over skip / small / big (Alizadeh et al. 2024, arXiv 2410.10846), top-1:
 *
 * - `learned`: `p = softmax(x W)`, the most probable choice. The chosen module's output is
 *   multiplied by a straight-through gate, 1 in the forward pass with the gradient of `p_c`
 *   (`p_c + (1 - p_c)` with the second term held constant), so the module computes exactly what it
 *   computed under random routing while the router learns from the task loss; in eval mode the
 *   gate is exactly 1.
 * - `random`: a draw from `randomProbs` (weight 1): how the paper trains the modules before
 *   routers exist.
 *
 * With `routeBy: 'sequence'` one choice is made per sequence of `ctx.seqLen` tokens (the router
 * reads the mean of its real tokens) and given to all of them. An imposed choice [T, 1]
 * (`ctx.imposed`, e.g. the oracle's pattern) replaces the choice in both modes.
 *
 * @example
 * ```ts
 * const r = new DuoRouter({ dim: 32, routeBy: 'token', routing: 'learned', randomProbs: [1, 1, 1] });
 * r.route(x).assignment; // { kind: 'token', indices [T, 1] in {0, 1, 2}, weights [T, 1] = 1 }
 * ```
 */
export class DuoRouter extends Router {
  readonly weight: tf.Variable;
  readonly routeBy: 'token' | 'sequence';
  /** Normalised skip / small / big probabilities of random routing. */
  readonly randomProbs: readonly [number, number, number];
  /** The current routing mode (`learned` or `random`). */
  mode: DuoRouting;
  private readonly dim: number;

  constructor(o: DuoRouterOptions) {
    super(DUO_CHOICES, 1);
    this.dim = o.dim;
    this.routeBy = o.routeBy;
    this.mode = o.routing;
    const total = o.randomProbs[0] + o.randomProbs[1] + o.randomProbs[2];
    this.randomProbs = [o.randomProbs[0] / total, o.randomProbs[1] / total, o.randomProbs[2] / total];
    this.weight = this.param('weight', fanInUniform([o.dim, DUO_CHOICES], o.dim));
  }

  route(x: tf.Tensor2D, ctx: DuoRouteContext = {}): RouteResult {
    const t = x.shape[0];
    const seqLen = this.sequenceLength(t, ctx.seqLen);
    const groups = t / seqLen;
    const random = this.mode === 'random';
    const groupLogits = random
      ? (tf.log(tf.maximum(this.randomRows(groups), 1e-9)) as tf.Tensor2D)
      : (tf.matMul(seqLen === 1 ? x : this.sequenceMeans(x, seqLen, ctx.valid), this.weight) as tf.Tensor2D);
    const groupProbs = random ? this.randomRows(groups) : (tf.softmax(groupLogits) as tf.Tensor2D);
    const toTokens = (g: tf.Tensor2D): tf.Tensor2D =>
      seqLen === 1 ? g : (tf.reshape(tf.tile(tf.expandDims(g, 1), [1, seqLen, 1]), [t, -1]) as tf.Tensor2D);
    const logits = toTokens(groupLogits);
    const probs = toTokens(groupProbs);
    const indices = random && !ctx.imposed ? toTokens(this.draw(groups)) : this.chooseExperts(probs, 1, ctx);
    const weights = random || !this.training ? (tf.ones([t, 1]) as tf.Tensor2D) : this.gate(probs, indices);
    return { assignment: { kind: 'token', indices, weights }, logits, probs };
  }

  /** `randomProbs` as one row per routing decision [groups, 3]. */
  private randomRows(groups: number): tf.Tensor2D {
    return tf.tile(tf.tensor2d([[...this.randomProbs]]), [groups, 1]) as tf.Tensor2D;
  }

  /** The straight-through gate [T, 1]: 1 in the forward pass, the gradient of the chosen probability. */
  private gate(probs: tf.Tensor2D, indices: tf.Tensor2D): tf.Tensor2D {
    const p = gatherRows(probs, indices);
    return tf.add(
      p,
      withoutGradient(p, (v) => tf.sub(1, v)),
    ) as tf.Tensor2D;
  }

  /** Tokens per routing decision: 1, or the sequence length (checked against the tokens). */
  private sequenceLength(tokens: number, seqLen: number | undefined): number {
    if (this.routeBy === 'token') return 1;
    if (seqLen === undefined || !Number.isInteger(seqLen) || seqLen < 1 || tokens % seqLen !== 0) {
      throw new Error(
        `DuoRouter: routeBy 'sequence' needs ctx.seqLen dividing the ${tokens} tokens, got ${seqLen}`,
      );
    }
    return seqLen;
  }

  /** The mean of each sequence's real tokens [T / seqLen, D]. */
  private sequenceMeans(x: tf.Tensor2D, seqLen: number, valid?: tf.Tensor1D): tf.Tensor2D {
    const seqs = tf.reshape(x, [-1, seqLen, this.dim]);
    if (!valid) return tf.mean(seqs, 1) as tf.Tensor2D;
    const mask = tf.reshape(valid, [-1, seqLen, 1]);
    return tf.div(tf.sum(tf.mul(seqs, mask), 1), tf.maximum(tf.sum(mask, 1), 1)) as tf.Tensor2D;
  }

  /** One random choice per group [groups, 1] int32, from `randomProbs` by inverse CDF. */
  private draw(groups: number): tf.Tensor2D {
    const [skip, small] = this.randomProbs;
    const u = tf.randomUniform([groups, 1], 0, 1, 'float32', nextSeed());
    const past = (bound: number): tf.Tensor => tf.cast(tf.greaterEqual(u, bound), 'float32');
    return tf.cast(tf.add(past(skip), past(skip + small)), 'int32') as tf.Tensor2D;
  }

  /** The learned router's logits (2·D·3 per token); nothing when routing is random. */
  flopsPerToken(): number {
    return this.mode === 'random' ? 0 : 2 * this.dim * DUO_CHOICES;
  }
}
