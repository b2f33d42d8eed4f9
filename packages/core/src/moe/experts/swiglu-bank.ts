import type { z } from 'zod';
import { parseConfig } from '../../config/parse';
import { SwiGluBankOptionsSchema } from './options';
import { silu } from '../../nn/activations';
import { fanInUniform } from '../../nn/init';
import { tf } from '../../tf';
import { groupedMatMul } from '../grouped-matmul';
import { ExpertBank } from './bank';

/** Options of the bank (see `SwiGluBankOptionsSchema`: strict, sizes bounded). */
export type SwiGluBankOptions = z.input<typeof SwiGluBankOptionsSchema>;

/**
 * E SwiGLU experts with stacked weights `w1`, `w3` [E, D, H] and `w2` [E, H, D] (no biases):
 * expert e computes `(silu(x w1[e]) * x w3[e]) w2[e]`.
 *
 * @example
 * ```ts
 * const experts = new SwiGluExperts({ numExperts: 8, dim: 64, hidden: 96 });
 * ```
 */
export class SwiGluExperts extends ExpertBank {
  readonly w1: tf.Variable;
  readonly w3: tf.Variable;
  readonly w2: tf.Variable;
  readonly hidden: number;

  constructor(options: SwiGluBankOptions) {
    const o = parseConfig(SwiGluBankOptionsSchema, options, 'SwiGLU experts options');
    super(o.numExperts, o.dim);
    this.hidden = o.hidden;
    this.w1 = this.param('w1', fanInUniform([o.numExperts, o.dim, o.hidden], o.dim));
    this.w3 = this.param('w3', fanInUniform([o.numExperts, o.dim, o.hidden], o.dim));
    this.w2 = this.param('w2', fanInUniform([o.numExperts, o.hidden, o.dim], o.hidden));
  }

  private expert(x: tf.Tensor, w1: tf.Tensor, w3: tf.Tensor, w2: tf.Tensor): tf.Tensor {
    return tf.matMul(tf.mul(silu(tf.matMul(x, w1)), tf.matMul(x, w3)), w2);
  }

  forwardAll(x: tf.Tensor2D): tf.Tensor3D {
    const xs = tf.broadcastTo(tf.expandDims(x, 0), [this.numExperts, ...x.shape]);
    return this.expert(xs, this.w1, this.w3, this.w2) as tf.Tensor3D;
  }

  forwardSorted(x: tf.Tensor2D, sizes: number[]): tf.Tensor2D {
    const gmm = (a: tf.Tensor, w: tf.Variable) => groupedMatMul(a as tf.Tensor2D, w as tf.Tensor3D, sizes);
    return gmm(tf.mul(silu(gmm(x, this.w1)), gmm(x, this.w3)), this.w2);
  }

  paramsPerExpert(): number {
    return 3 * this.dim * this.hidden;
  }

  flopsPerToken(): number {
    return 6 * this.dim * this.hidden;
  }
}
