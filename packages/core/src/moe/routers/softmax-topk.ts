import type { z } from 'zod';
import { parseConfig } from '../../config/parse';
import { SoftmaxTopKOptionsSchema } from './options';
import { fanInUniform } from '../../nn/init';
import { tf } from '../../tf';
import { nextSeed } from '../../utils/random';
import { gatherRows, normalizeRows } from '../ops';
import { RouteResult, Router, type RouteContext } from './router';
import { linearLogits, RouterBias } from './router-bias';

/** Options of the router (see `SoftmaxTopKOptionsSchema`: strict, sizes bounded). */
export type SoftmaxTopKOptions = z.input<typeof SoftmaxTopKOptionsSchema>;

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

  constructor(options: SoftmaxTopKOptions) {
    const o = parseConfig(SoftmaxTopKOptionsSchema, options, 'softmax router options');
    super(o.numExperts, o.k);
    this.dim = o.dim;
    this.jitter = o.jitter ?? 0;
    this.normalize = o.normalize ?? true;
    this.weight = this.param('weight', fanInUniform([o.dim, o.numExperts], o.dim));
    if (o.bias) this.bias = this.child('bias', new RouterBias(o.numExperts));
  }

  route(x: tf.Tensor2D, ctx: RouteContext = {}): RouteResult {
    const input =
      this.training && this.jitter > 0
        ? tf.mul(x, tf.randomUniform(x.shape, 1 - this.jitter, 1 + this.jitter, 'float32', nextSeed()))
        : x;
    const logits = linearLogits(input, this.weight, this.bias, this.training);
    const probs = tf.softmax(logits) as tf.Tensor2D;
    const indices = this.chooseExperts(probs, this.k, ctx);
    const raw = gatherRows(probs, indices);
    const weights = this.normalize ? normalizeRows(raw) : raw;
    return { assignment: { kind: 'token', indices, weights }, logits, probs };
  }

  flopsPerToken(): number {
    return 2 * this.dim * this.numExperts;
  }
}
