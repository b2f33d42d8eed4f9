import { tf } from '../tf';
import { Module } from './module';

/** Options of {@link LayerNorm}. */
export interface LayerNormOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
}

/**
 * Layer normalisation over the last axis: `(x - mean) / sqrt(var + eps) * weight + bias`, with
 * `weight` (ones) and `bias` (zeros) of shape [dim].
 *
 * @example
 * ```ts
 * const ln = new LayerNorm(32);
 * const y = ln.forward(tf.randomNormal([4, 10, 32])); // each row: mean 0, variance 1
 * ```
 */
export class LayerNorm extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly eps: number;

  constructor(
    readonly dim: number,
    { eps = 1e-5 }: LayerNormOptions = {},
  ) {
    super();
    this.eps = eps;
    this.weight = this.param('weight', tf.ones([dim]));
    this.bias = this.param('bias', tf.zeros([dim]));
  }

  // Composed from elementary ops: the gradient of tf.batchNorm is wrong on some backends.
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const axis = x.rank - 1;
      const centred = tf.sub(x, tf.mean(x, axis, true));
      const variance = tf.mean(tf.square(centred), axis, true);
      const normed = tf.mul(centred, tf.rsqrt(tf.add(variance, this.eps)));
      return tf.add(tf.mul(normed, this.weight), this.bias);
    });
  }
}
