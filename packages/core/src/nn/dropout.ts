import { ConfigError } from '../config/parse';
import { tf } from '../tf';
import { nextSeed } from '../utils/random';
import { Module } from './module';

/**
 * Inverted dropout: in training mode zeroes each element with probability `rate` and scales the
 * rest by 1 / (1 - rate); the identity in eval mode or with rate 0 (it then returns its input).
 * The mask is seeded from the global stream, so `setSeed(s)` reproduces it.
 *
 * @example
 * ```ts
 * const drop = new Dropout(0.1);
 * const y = drop.forward(x); // drop.eval() makes it the identity
 * ```
 */
export class Dropout extends Module {
  constructor(readonly rate: number) {
    super();
    if (!(rate >= 0 && rate < 1)) {
      throw new ConfigError('Dropout', [{ path: 'rate', message: `must be in [0, 1), got ${rate}` }]);
    }
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (!this.training || this.rate === 0) return x;
    return tf.dropout(x, this.rate, undefined, nextSeed());
  }
}
