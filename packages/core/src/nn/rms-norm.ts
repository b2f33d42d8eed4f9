import { tf } from '../tf';
import { Module } from './module';

/** Options of {@link RMSNorm}. */
export interface RMSNormOptions {
  /** Added to the mean square (default 1e-6). */
  eps?: number;
}

/**
 * Root-mean-square normalisation over the last axis: `x / sqrt(mean(x^2) + eps) * weight`, with
 * `weight` (ones) of shape [dim] and no bias.
 *
 * @example
 * ```ts
 * const norm = new RMSNorm(32);
 * const y = norm.forward(tf.randomNormal([10, 32]));
 * ```
 */
export class RMSNorm extends Module {
  readonly weight: tf.Variable;
  readonly eps: number;

  constructor(
    readonly dim: number,
    { eps = 1e-6 }: RMSNormOptions = {},
  ) {
    super();
    this.eps = eps;
    this.weight = this.param('weight', tf.ones([dim]));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const ms = tf.mean(tf.square(x), x.rank - 1, true);
      return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, this.eps))), this.weight);
    });
  }
}
