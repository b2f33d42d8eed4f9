import type { z } from 'zod';
import { parseConfig } from '../../config/parse';
import { fanInUniform } from '../../nn/init';
import { tf } from '../../tf';
import { gatherRows, withoutGradient } from '../ops';
import { tsallisEntropy } from '../tsallis';
import { TsallisHybridOptionsSchema } from './options';
import { RouteResult, Router } from './router';

/** Options of the router (see `TsallisHybridOptionsSchema`: strict, sizes bounded). */
export type TsallisHybridOptions = z.input<typeof TsallisHybridOptionsSchema>;

/**
 * Which (token, rank) pairs DynMoLE's hybrid routing keeps, for probabilities sorted per token in
 * descending order `sorted` [T, E] and the tokens' Tsallis entropies `entropy` [T]: a token whose
 * entropy exceeds `threshold` keeps every expert (soft routing); any other keeps its experts while
 * the cumulative probability stays within `topP` (top-p), and at least its first `k`. 1/0 [T, E],
 * no gradient.
 *
 * @example
 * ```ts
 * hybridRoutingMask(tf.tensor2d([[0.7, 0.2, 0.1]]), tf.tensor1d([0.3]), { threshold: 0.9, topP: 0.75, k: 1 });
 * // [[1, 0, 0]]: confident, and 0.7 + 0.2 > 0.75
 * ```
 */
export function hybridRoutingMask(
  sorted: tf.Tensor2D,
  entropy: tf.Tensor1D,
  o: { threshold: number; topP: number; k: number },
): tf.Tensor2D {
  return tf.tidy(() => {
    const [t, e] = sorted.shape;
    const withinP = tf.lessEqual(tf.cumsum(sorted, 1), o.topP);
    const rank = tf.broadcastTo(tf.reshape(tf.range(0, e, 1, 'int32'), [1, e]), [t, e]);
    const sparse = tf.logicalOr(withinP, tf.less(rank, o.k));
    const soft = tf.broadcastTo(tf.reshape(tf.greater(entropy, o.threshold), [t, 1]), [t, e]);
    return tf.cast(tf.logicalOr(sparse, soft), 'float32') as tf.Tensor2D;
  });
}

/**
 * DynMoLE's hybrid router (Li et al. 2025, "DynMoLE: Boosting Mixture of LoRA Experts Fine-Tuning
 * with a Hybrid Routing Mechanism", arXiv 2504.00661): `p = softmax(x W)`; per token the Tsallis
 * entropy `S_q(p)` ({@link tsallisEntropy}) decides between soft routing to every expert (an
 * uncertain token, `S_q > threshold`) and sparse top-p routing that keeps at least the top `k`
 * experts (a confident token) ({@link hybridRoutingMask}). The weights are `p` on the kept experts
 * and 0 elsewhere, not renormalised (as in the paper's code), so the routed LoRA updates are
 * scaled by the router's confidence in them.
 *
 * The assignment lists every expert for every token in descending order of `p` (`indices`
 * [T, E]) with zero weights on the experts a token does not keep: every expert runs on every
 * token (the paper's code runs them densely too), so `expertsPerToken()` is E. The layer adds
 * DynMoLE's losses (`DynMoleLayer`): the Tsallis-entropy loss and a load-balance loss on the kept
 * weights.
 *
 * @example
 * ```ts
 * const r = new TsallisHybridRouter({ dim: 32, numExperts: 4, k: 1, q: 1.1, threshold: 0.9, topP: 0.75 });
 * const { assignment } = r.route(x); // weights [T, 4]: all of p (uncertain) or its top-p share
 * ```
 */
export class TsallisHybridRouter extends Router {
  readonly weight: tf.Variable;
  readonly q: number;
  readonly threshold: number;
  readonly topP: number;
  private readonly dim: number;

  constructor(options: TsallisHybridOptions) {
    const o = parseConfig(TsallisHybridOptionsSchema, options, 'Tsallis hybrid router options');
    super(o.numExperts, o.k);
    this.dim = o.dim;
    this.q = o.q ?? 1.1;
    this.threshold = o.threshold ?? 0.9;
    this.topP = o.topP ?? 0.75;
    this.weight = this.param('weight', fanInUniform([o.dim, o.numExperts], o.dim));
  }

  route(x: tf.Tensor2D): RouteResult {
    const logits = tf.matMul(x, this.weight) as tf.Tensor2D;
    const probs = tf.softmax(logits) as tf.Tensor2D;
    const e = this.numExperts;
    // Every expert in descending order of p (topk sorts), and which of them the token keeps.
    const [indices, mask] = withoutGradient(probs, (p) => {
      const { values, indices: order } = tf.topk(p, e);
      const entropy = tsallisEntropy(p as tf.Tensor2D, this.q);
      const keep = hybridRoutingMask(values as tf.Tensor2D, entropy, {
        threshold: this.threshold,
        topP: this.topP,
        k: this.k,
      });
      return tf.stack([tf.cast(order, 'float32'), keep]);
    }).unstack() as [tf.Tensor2D, tf.Tensor2D];
    const order = tf.cast(indices, 'int32') as tf.Tensor2D;
    const weights = tf.mul(gatherRows(probs, order), mask) as tf.Tensor2D;
    return { assignment: { kind: 'token', indices: order, weights }, logits, probs };
  }

  /** Every expert runs on every token (zero weights where the hybrid routing drops one). */
  override expertsPerToken(): number {
    return this.numExperts;
  }

  flopsPerToken(): number {
    return 2 * this.dim * this.numExperts;
  }
}
