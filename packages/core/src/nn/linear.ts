import type { CostReporter } from '../metrics/costs';
import { tf } from '../tf';
import { fanInUniform } from './init';
import { Module } from './module';

/** Options of {@link Linear}. */
export interface LinearOptions {
  /** Add a learned bias (default true). */
  bias?: boolean;
  /** Start with all-zero weight and bias instead of the fan-in uniform init (default false). */
  zeroInit?: boolean;
}

/**
 * Affine map `y = x W + b` over the last axis, with `weight` [in, out] and optional `bias` [out],
 * both initialised Uniform(-1/sqrt(in), 1/sqrt(in)) as in PyTorch. Accepts [T, in] or [B, L, in]
 * (any leading dims).
 *
 * @example
 * ```ts
 * const fc = new Linear(16, 4);
 * const y = fc.forward(tf.zeros([2, 8, 16])); // [2, 8, 4]
 * ```
 */
export class Linear extends Module implements CostReporter {
  readonly weight: tf.Variable;
  readonly bias?: tf.Variable;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    { bias = true, zeroInit = false }: LinearOptions = {},
  ) {
    super();
    const init = (shape: number[]) => (zeroInit ? tf.zeros(shape) : fanInUniform(shape, inFeatures));
    this.weight = this.param('weight', init([inFeatures, outFeatures]));
    if (bias) this.bias = this.param('bias', init([outFeatures]));
  }

  forward(x: tf.Tensor): tf.Tensor {
    const d = x.shape[x.rank - 1];
    if (d !== this.inFeatures) {
      throw new Error(`Linear: expected last dim ${this.inFeatures}, got input of shape [${x.shape}]`);
    }
    return tf.tidy(() => {
      let y = tf.matMul(tf.reshape(x, [-1, this.inFeatures]), this.weight);
      if (this.bias) y = tf.add(y, this.bias);
      return tf.reshape(y, [...x.shape.slice(0, -1), this.outFeatures]);
    });
  }

  inactiveParams(): number {
    return 0;
  }

  /** 2 · in · out per token. */
  flopsPerToken(): number {
    return 2 * this.inFeatures * this.outFeatures;
  }
}
