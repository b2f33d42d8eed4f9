import type { z } from 'zod';
import { parseConfig } from '../../config/parse';
import { fanInUniform } from '../../nn/init';
import { tf } from '../../tf';
import { gatherRows, normalizeRows } from '../ops';
import { MlpRouterOptionsSchema } from './options';
import { RouteResult, Router, type RouteContext } from './router';

/** Options of the router (see `MlpRouterOptionsSchema`: strict, sizes bounded). */
export type MlpRouterOptions = z.input<typeof MlpRouterOptionsSchema>;

/**
 * A token-choice router with a two-layer scorer, `z = tanh(x W1 + b1) W2`: each layer's router
 * independent of the others, with as many parameters as its `hidden` width gives. It is the
 * equal-parameter baseline of RMoE's recurrent router (Qiu et al. 2024, arXiv 2408.06793),
 * whose GRU and projections would otherwise be extra router parameters; softmax, top-k and
 * renormalised weights as in Mixtral.
 *
 * @example
 * ```ts
 * const r = new MlpRouter({ dim: 32, numExperts: 8, k: 2, hidden: 13 }); // 13·(32 + 1 + 8) params
 * ```
 */
export class MlpRouter extends Router {
  readonly w1: tf.Variable;
  readonly b1: tf.Variable;
  readonly w2: tf.Variable;
  readonly hidden: number;
  private readonly dim: number;

  constructor(options: MlpRouterOptions) {
    const o = parseConfig(MlpRouterOptionsSchema, options, 'MLP router options');
    super(o.numExperts, o.k);
    this.dim = o.dim;
    this.hidden = o.hidden;
    this.w1 = this.param('w1', fanInUniform([o.dim, o.hidden], o.dim));
    this.b1 = this.param('b1', fanInUniform([o.hidden], o.dim));
    this.w2 = this.param('w2', fanInUniform([o.hidden, o.numExperts], o.hidden));
  }

  route(x: tf.Tensor2D, ctx: RouteContext = {}): RouteResult {
    const logits = tf.matMul(tf.tanh(tf.add(tf.matMul(x, this.w1), this.b1)), this.w2) as tf.Tensor2D;
    const probs = tf.softmax(logits) as tf.Tensor2D;
    const indices = this.chooseExperts(probs, this.k, ctx);
    const weights = normalizeRows(gatherRows(probs, indices));
    return { assignment: { kind: 'token', indices, weights }, logits, probs };
  }

  flopsPerToken(): number {
    return 2 * this.dim * this.hidden + 2 * this.hidden * this.numExperts;
  }
}
