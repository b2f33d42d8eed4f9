import { fanInUniform } from '../../nn/init';
import { tf } from '../../tf';
import { nextSeed } from '../../utils/random';
import { gatherRows, normalizeRows, topkIndices } from '../ops';
import { RouteResult, Router } from './router';
import { linearLogits, RouterBias } from './router-bias';

export interface SoftmaxTopKOptions {
  dim: number;
  numExperts: number;
  k: number;
  /** Multiplicative input jitter U(1-ε, 1+ε) in training (Switch/Mixtral); 0 = off. */
  jitter?: number;
  /** Renormalise the k weights to sum to 1 (Mixtral); false keeps raw probabilities (DeepSeekMoE). */
  normalize?: boolean;
  /** A learned logit bias `x W + b` (MoFME's `Linear(D, E)`), centred on the first training batch ({@link RouterBias}); default false. */
  bias?: boolean;
}

/**
 * Token-choice router: `p = softmax(x W [+ b])`, top-k of `p`, weights gathered from `p`.
 *
 * @example
 * ```ts
 * const r = new SoftmaxTopKRouter({ dim: 64, numExperts: 8, k: 2, jitter: 0.01 });
 * ```
 */
export class SoftmaxTopKRouter extends Router {
  readonly weight: tf.Variable;
  readonly bias?: RouterBias;
  private readonly jitter: number;
  private readonly normalize: boolean;
  private readonly dim: number;

  constructor(o: SoftmaxTopKOptions) {
    super(o.numExperts, o.k);
    this.dim = o.dim;
    this.jitter = o.jitter ?? 0;
    this.normalize = o.normalize ?? true;
    this.weight = this.param('weight', fanInUniform([o.dim, o.numExperts], o.dim));
    if (o.bias) this.bias = this.child('bias', new RouterBias(o.numExperts));
  }

  route(x: tf.Tensor2D): RouteResult {
    const input =
      this.training && this.jitter > 0
        ? tf.mul(x, tf.randomUniform(x.shape, 1 - this.jitter, 1 + this.jitter, 'float32', nextSeed()))
        : x;
    const logits = linearLogits(input, this.weight, this.bias, this.training);
    const probs = tf.softmax(logits) as tf.Tensor2D;
    const indices = topkIndices(probs, this.k);
    const raw = gatherRows(probs, indices);
    const weights = this.normalize ? normalizeRows(raw) : raw;
    return { assignment: { kind: 'token', indices, weights }, logits, probs };
  }

  flopsPerToken(): number {
    return 2 * this.dim * this.numExperts;
  }
}
