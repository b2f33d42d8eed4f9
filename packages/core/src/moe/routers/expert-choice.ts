import type { z } from 'zod';
import { parseConfig } from '../../config/parse';
import { ExpertChoiceOptionsSchema } from './options';
import { fanInUniform } from '../../nn/init';
import { tf } from '../../tf';
import { oneHotFloat, topkIndices } from '../ops';
import { RouteResult, Router } from './router';

/** Options of the router (see `ExpertChoiceOptionsSchema`: strict, sizes bounded). */
export type ExpertChoiceOptions = z.input<typeof ExpertChoiceOptionsSchema>;

/**
 * Expert-choice routing: each expert takes its top-C tokens by score, so loads are equal by
 * construction; a token may get zero or several experts. The weight is the token's score.
 *
 * @example
 * ```ts
 * const r = new ExpertChoiceRouter({ dim: 64, numExperts: 4, capacityFactor: 1, scoring: 'sigmoid' });
 * ```
 */
export class ExpertChoiceRouter extends Router {
  readonly weight: tf.Variable;
  readonly capacityFactor: number;
  private readonly scoring: 'softmax' | 'sigmoid';
  private readonly dim: number;

  constructor(options: ExpertChoiceOptions) {
    const o = parseConfig(ExpertChoiceOptionsSchema, options, 'expert-choice router options');
    super(o.numExperts, 1);
    this.dim = o.dim;
    this.capacityFactor = o.capacityFactor ?? 1;
    if (!(this.capacityFactor > 0))
      throw new Error(`expert-choice: capacityFactor must be > 0, got ${o.capacityFactor}`);
    this.scoring = o.scoring ?? 'softmax';
    this.weight = this.param('weight', fanInUniform([o.dim, o.numExperts], o.dim));
  }

  /** Tokens each expert takes for a batch of `tokens`. */
  capacity(tokens: number): number {
    return Math.max(1, Math.min(tokens, Math.round((this.capacityFactor * tokens) / this.numExperts)));
  }

  route(x: tf.Tensor2D): RouteResult {
    const logits = tf.matMul(x, this.weight) as tf.Tensor2D;
    const scores = (this.scoring === 'softmax' ? tf.softmax(logits) : tf.sigmoid(logits)) as tf.Tensor2D;
    const byExpert = tf.transpose(scores) as tf.Tensor2D; // [E, T]
    const tokens = topkIndices(byExpert, this.capacity(x.shape[0]));
    const weights = tf.sum(
      tf.mul(oneHotFloat(tokens, x.shape[0]), tf.expandDims(byExpert, 1)),
      -1,
    ) as tf.Tensor2D;
    const probs = (
      this.scoring === 'softmax' ? scores : tf.div(scores, tf.sum(scores, -1, true))
    ) as tf.Tensor2D;
    return { assignment: { kind: 'expert', tokens, weights }, logits, probs };
  }

  override get selfBalanced(): boolean {
    return true;
  }

  /** A token runs `capacityFactor` experts on average. */
  override expertsPerToken(): number {
    return this.capacityFactor;
  }

  flopsPerToken(): number {
    return 2 * this.dim * this.numExperts;
  }
}
