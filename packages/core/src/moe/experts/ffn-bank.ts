import type { z } from 'zod';
import { parseConfig } from '../../config/parse';
import { FfnBankOptionsSchema } from './options';
import { fanInUniform } from '../../nn/init';
import { tf } from '../../tf';
import { groupedMatMul } from '../grouped-matmul';
import { ActivationName, activate } from './activation';
import { ExpertBank } from './bank';

/** Options of the bank (see `FfnBankOptionsSchema`: strict, sizes bounded). */
export type FfnBankOptions = z.input<typeof FfnBankOptionsSchema>;

/**
 * E two-layer FFN experts with stacked weights: `w1` [E, D, H], `b1` [E, H], `w2` [E, H, D],
 * `b2` [E, D]. Expert e computes `act(x w1[e] + b1[e]) w2[e] + b2[e]`.
 *
 * @example
 * ```ts
 * const experts = new FfnExperts({ numExperts: 8, dim: 64, hidden: 128, activation: 'gelu' });
 * ```
 */
export class FfnExperts extends ExpertBank {
  readonly w1: tf.Variable;
  readonly b1: tf.Variable;
  readonly w2: tf.Variable;
  readonly b2: tf.Variable;
  readonly hidden: number;
  readonly activation: ActivationName;

  constructor(options: FfnBankOptions) {
    const o = parseConfig(FfnBankOptionsSchema, options, 'FFN experts options');
    super(o.numExperts, o.dim);
    this.hidden = o.hidden;
    this.activation = o.activation ?? 'gelu';
    const e = o.numExperts;
    this.w1 = this.param('w1', fanInUniform([e, o.dim, o.hidden], o.dim));
    this.b1 = this.param('b1', tf.zeros([e, o.hidden]));
    this.w2 = this.param('w2', fanInUniform([e, o.hidden, o.dim], o.hidden));
    this.b2 = this.param('b2', tf.zeros([e, o.dim]));
  }

  forwardAll(x: tf.Tensor2D): tf.Tensor3D {
    const e = this.numExperts;
    const xs = tf.broadcastTo(tf.expandDims(x, 0), [e, ...x.shape]);
    const h = activate(tf.add(tf.matMul(xs, this.w1), tf.expandDims(this.b1, 1)), this.activation);
    return tf.add(tf.matMul(h, this.w2), tf.expandDims(this.b2, 1)) as tf.Tensor3D;
  }

  forwardSorted(x: tf.Tensor2D, sizes: number[]): tf.Tensor2D {
    const h = activate(
      groupedMatMul(x, this.w1 as tf.Tensor3D, sizes, this.b1 as tf.Tensor2D),
      this.activation,
    );
    return groupedMatMul(h as tf.Tensor2D, this.w2 as tf.Tensor3D, sizes, this.b2 as tf.Tensor2D);
  }

  paramsPerExpert(): number {
    return 2 * this.dim * this.hidden + this.hidden + this.dim;
  }

  flopsPerToken(): number {
    return 4 * this.dim * this.hidden;
  }
}
