import type { z } from 'zod';
import { parseConfig } from '../../config/parse';
import { UncertaintyRouterOptionsSchema } from './options';
import { fanInUniform } from '../../nn/init';
import { tf } from '../../tf';
import { nextSeed } from '../../utils/random';
import { gatherRows, normalizeRows } from '../ops';
import { RouteResult, Router, type RouteContext } from './router';
import { linearLogits, RouterBias } from './router-bias';

/** Options of the router (see `UncertaintyRouterOptionsSchema`: strict, sizes bounded). */
export type UncertaintyRouterOptions = z.input<typeof UncertaintyRouterOptionsSchema>;

/**
 * Uncertainty-aware router (MoFME's UaR, diagonal form): M dropout passes of a linear softmax
 * router give a per-expert mean μ and spread σ; the routing score `μ / (σ + ε)` favours experts
 * the router is consistently confident about. Top-k on the score, weights renormalised.
 *
 * @example
 * ```ts
 * const r = new UncertaintyRouter({ dim: 64, numExperts: 8, k: 2, samples: 5, dropout: 0.1 });
 * ```
 */
export class UncertaintyRouter extends Router {
  readonly weight: tf.Variable;
  readonly bias?: RouterBias;
  readonly samples: number;
  private readonly rate: number;
  private readonly atInference: boolean;
  private readonly dim: number;

  constructor(options: UncertaintyRouterOptions) {
    const o = parseConfig(UncertaintyRouterOptionsSchema, options, 'uncertainty router options');
    super(o.numExperts, o.k);
    this.dim = o.dim;
    this.samples = o.samples ?? 5;
    this.rate = o.dropout ?? 0.1;
    this.atInference = o.sampleAtInference ?? false;
    if (!Number.isInteger(this.samples) || this.samples < 2) {
      throw new Error(`uncertainty router: samples must be an integer >= 2, got ${o.samples}`);
    }
    this.weight = this.param('weight', fanInUniform([o.dim, o.numExperts], o.dim));
    if (o.bias) this.bias = this.child('bias', new RouterBias(o.numExperts));
  }

  route(x: tf.Tensor2D, ctx: RouteContext = {}): RouteResult {
    const logits = linearLogits(x, this.weight, this.bias, this.training);
    if (!this.training && !this.atInference) {
      const probs = tf.softmax(logits) as tf.Tensor2D;
      const indices = this.chooseExperts(probs, this.k, ctx);
      return {
        assignment: { kind: 'token', indices, weights: normalizeRows(gatherRows(probs, indices)) },
        logits,
        probs,
      };
    }
    const draws = Array.from({ length: this.samples }, () =>
      tf.softmax(
        linearLogits(tf.dropout(x, this.rate, undefined, nextSeed()), this.weight, this.bias, this.training),
      ),
    );
    const stack = tf.stack(draws); // [M, T, E]
    const { mean, variance } = tf.moments(stack, 0);
    const score = tf.div(mean, tf.add(tf.sqrt(tf.add(variance, 1e-12)), 1e-3)) as tf.Tensor2D;
    const probs = normalizeRows(score);
    const indices = this.chooseExperts(probs, this.k, ctx);
    const weights = normalizeRows(gatherRows(probs, indices));
    return { assignment: { kind: 'token', indices, weights }, logits, probs };
  }

  flopsPerToken(): number {
    return 2 * this.dim * this.numExperts * (this.training || this.atInference ? this.samples : 1);
  }
}
