import { fanInUniform } from '../../nn/init';
import { tf } from '../../tf';
import { nextSeed } from '../../utils/random';
import { gatherRows, normalizeRows, topkIndices } from '../ops';
import { RouteResult, Router } from './router';

export interface SoftmaxTopKOptions {
  dim: number;
  numExperts: number;
  k: number;
  /** Multiplicative input jitter U(1-ε, 1+ε) in training (Switch/Mixtral); 0 = off. */
  jitter?: number;
  /** Renormalise the k weights to sum to 1 (Mixtral); false keeps raw probabilities (DeepSeekMoE). */
  normalize?: boolean;
}

/**
 * Token-choice router: `p = softmax(x W)`, top-k of `p`, weights gathered from `p`.
 *
 * @example
 * ```ts
 * const r = new SoftmaxTopKRouter({ dim: 64, numExperts: 8, k: 2, jitter: 0.01 });
 * ```
 */
export class SoftmaxTopKRouter extends Router {
  readonly weight: tf.Variable;
  private readonly jitter: number;
  private readonly normalize: boolean;
  private readonly dim: number;

  constructor(o: SoftmaxTopKOptions) {
    super(o.numExperts, o.k);
    this.dim = o.dim;
    this.jitter = o.jitter ?? 0;
    this.normalize = o.normalize ?? true;
    this.weight = this.param('weight', fanInUniform([o.dim, o.numExperts], o.dim));
  }

  route(x: tf.Tensor2D): RouteResult {
    const input =
      this.training && this.jitter > 0
        ? tf.mul(x, tf.randomUniform(x.shape, 1 - this.jitter, 1 + this.jitter, 'float32', nextSeed()))
        : x;
    const logits = tf.matMul(input, this.weight) as tf.Tensor2D;
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
