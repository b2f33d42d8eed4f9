import type { z } from 'zod';
import { parseConfig } from '../../config/parse';
import { NoisyTopKOptionsSchema } from './options';
import { tf } from '../../tf';
import { nextSeed } from '../../utils/random';
import { gatherRows, normalizeRows, oneHotFloat, withoutGradient } from '../ops';
import { RouteResult, Router, type RouteContext } from './router';

/** Options of the router (see `NoisyTopKOptionsSchema`: strict, sizes bounded). */
export type NoisyTopKOptions = z.input<typeof NoisyTopKOptionsSchema>;

/**
 * Noisy top-k gating (Shazeer et al. 2017): in training `h = x W_g + N(0,1)·softplus(x W_n)`;
 * gates are the softmax over the top-k of `h`. It also returns the smooth load estimate
 * P(expert in top-k) under the noise, which the CV² loss balances.
 *
 * @example
 * ```ts
 * const r = new NoisyTopKRouter({ dim: 64, numExperts: 8, k: 2 });
 * ```
 */
export class NoisyTopKRouter extends Router {
  readonly weight: tf.Variable;
  readonly noiseWeight: tf.Variable;
  private readonly dim: number;

  constructor(options: NoisyTopKOptions) {
    const o = parseConfig(NoisyTopKOptionsSchema, options, 'noisy router options');
    super(o.numExperts, o.k);
    this.dim = o.dim;
    // Zero init as in the reference implementation: routing starts uniform.
    this.weight = this.param('weight', tf.zeros([o.dim, o.numExperts]));
    this.noiseWeight = this.param('noiseWeight', tf.zeros([o.dim, o.numExperts]));
  }

  route(x: tf.Tensor2D, ctx: RouteContext = {}): RouteResult {
    const clean = tf.matMul(x, this.weight) as tf.Tensor2D;
    const noisy = this.training && this.numExperts > this.k;
    const std = noisy ? tf.add(tf.softplus(tf.matMul(x, this.noiseWeight)), 1e-2) : undefined;
    const logits = std
      ? (tf.add(clean, tf.mul(tf.randomNormal(clean.shape, 0, 1, 'float32', nextSeed()), std)) as tf.Tensor2D)
      : clean;
    const indices = this.chooseExperts(logits, this.k, ctx);
    const selected = gatherRows(logits, indices);
    const weights = tf.softmax(selected) as tf.Tensor2D;
    const probs = normalizeRows(
      tf.sum(tf.mul(oneHotFloat(indices, this.numExperts), tf.expandDims(weights, -1)), 1) as tf.Tensor2D,
    );
    const smoothLoad = std ? this.loadEstimate(clean, logits, std) : undefined;
    return { assignment: { kind: 'token', indices, weights }, logits, probs, smoothLoad };
  }

  /** P(clean_e + noise > k-th largest of the others), summed over tokens. */
  private loadEstimate(clean: tf.Tensor2D, noisy: tf.Tensor2D, std: tf.Tensor): tf.Tensor1D {
    // For an expert in the top-k the bar is the (k+1)-th value, otherwise the k-th.
    const threshold = withoutGradient(noisy, (h) => {
      const top = tf.topk(h, this.k + 1).values;
      const thresholdIn = tf.slice(top, [0, this.k], [-1, 1]);
      const thresholdOut = tf.slice(top, [0, this.k - 1], [-1, 1]);
      return tf.where(
        tf.greater(h, thresholdIn),
        tf.broadcastTo(thresholdIn, h.shape),
        tf.broadcastTo(thresholdOut, h.shape),
      );
    });
    const z = tf.div(tf.sub(clean, threshold), std);
    const cdf = tf.mul(0.5, tf.add(1, tf.erf(tf.div(z, Math.SQRT2))));
    return tf.sum(cdf, 0) as tf.Tensor1D;
  }

  flopsPerToken(): number {
    return 4 * this.dim * this.numExperts;
  }
}
