import type { z } from 'zod';
import { parseConfig } from '../../config/parse';
import { fanInUniform } from '../../nn/init';
import { tf } from '../../tf';
import { gatherRows, normalizeRows } from '../ops';
import { NormalizedSoftmaxOptionsSchema } from './options';
import { RouteResult, Router, type RouteContext } from './router';

/** Options of the router (see `NormalizedSoftmaxOptionsSchema`: strict, sizes bounded). */
export type NormalizedSoftmaxOptions = z.input<typeof NormalizedSoftmaxOptionsSchema>;

/** Added to the variance before the square root, so a token with equal logits stays finite. */
const VARIANCE_EPS = 1e-9;

/**
 * Skywork-MoE's gating logit normalisation of router logits `z` [T, E]: per token (row)
 * `λ · (z - mean(z)) / sqrt(var(z) + ε)`, the population variance over the experts. Every row of
 * the result has mean 0 and standard deviation λ (up to ε), whatever the scale of `z`.
 *
 * @example
 * ```ts
 * const probs = tf.softmax(standardizeLogits(logits, 2)); // each row's logits: mean 0, std 2
 * ```
 */
export function standardizeLogits(logits: tf.Tensor2D, scale: number): tf.Tensor2D {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(logits, -1, true);
    const centred = tf.sub(logits, mean);
    return tf.mul(tf.div(centred, tf.sqrt(tf.add(variance, VARIANCE_EPS))), scale) as tf.Tensor2D;
  });
}

/**
 * Token-choice router with Skywork-MoE's gating logit normalisation (Wei et al. 2024,
 * arXiv 2406.06563): the logits `x W` are standardised per token and scaled by λ
 * ({@link standardizeLogits}) before the softmax, `p = softmax(λ · (z - μ) / σ)`; top-k of `p`,
 * weights gathered from `p`. A small router weight can no longer leave the distribution flat:
 * λ alone sets how sharp it is, which the paper reports gives sharper, more diverse routing.
 * `logits` in the result are the raw `x W` (for the z-loss).
 *
 * @example
 * ```ts
 * const r = new NormalizedSoftmaxRouter({ dim: 64, numExperts: 16, k: 2, scale: 2 });
 * const { probs } = r.route(x); // softmax of logits with per-token mean 0 and std 2
 * ```
 */
export class NormalizedSoftmaxRouter extends Router {
  readonly weight: tf.Variable;
  readonly scale: number;
  private readonly normalize: boolean;
  private readonly dim: number;

  constructor(options: NormalizedSoftmaxOptions) {
    const o = parseConfig(NormalizedSoftmaxOptionsSchema, options, 'normalized softmax router options');
    super(o.numExperts, o.k);
    this.dim = o.dim;
    this.scale = o.scale ?? 1;
    this.normalize = o.normalize ?? true;
    this.weight = this.param('weight', fanInUniform([o.dim, o.numExperts], o.dim));
  }

  route(x: tf.Tensor2D, ctx: RouteContext = {}): RouteResult {
    const logits = tf.matMul(x, this.weight) as tf.Tensor2D;
    const probs = tf.softmax(standardizeLogits(logits, this.scale)) as tf.Tensor2D;
    const indices = this.chooseExperts(probs, this.k, ctx);
    const raw = gatherRows(probs, indices);
    const weights = this.normalize ? normalizeRows(raw) : raw;
    return { assignment: { kind: 'token', indices, weights }, logits, probs };
  }

  /** The matmul (2·D·E) plus the standardisation (about 5·E). */
  flopsPerToken(): number {
    return 2 * this.dim * this.numExperts + 5 * this.numExperts;
  }
}
