import type { z } from 'zod';
import { parseConfig } from '../../config/parse';
import { SigmoidLossFreeOptionsSchema } from './options';
import { fanInUniform } from '../../nn/init';
import { tf } from '../../tf';
import { countAssignments, gatherRows, normalizeRows } from '../ops';
import { RouteContext, RouteResult, Router } from './router';

/** Options of the router (see `SigmoidLossFreeOptionsSchema`: strict, sizes bounded). */
export type SigmoidLossFreeOptions = z.input<typeof SigmoidLossFreeOptionsSchema>;

/**
 * Auxiliary-loss-free balancing (Wang et al. 2024, DeepSeek-V3): sigmoid scores `s = σ(x W)`,
 * experts selected on `s + b`, weights from the unbiased `s` renormalised over the selected.
 * The bias `b` is a buffer, never trained by gradient: after each optimizer step it moves by
 * `u · sign(mean(c) - c_i)` from the counts `c` of the step's batches (padding tokens, marked by
 * `ctx.valid`, are not counted). The bias picks experts; it never enters the gate weights.
 *
 * @example
 * ```ts
 * const r = new SigmoidLossFreeRouter({ dim: 64, numExperts: 16, k: 2, biasUpdateRate: 1e-3 });
 * ```
 */
export class SigmoidLossFreeRouter extends Router {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  private readonly rate: number;
  private readonly scale: number;
  private readonly dim: number;
  private pending: tf.Tensor1D | undefined;

  constructor(options: SigmoidLossFreeOptions) {
    const o = parseConfig(SigmoidLossFreeOptionsSchema, options, 'sigmoid loss-free router options');
    super(o.numExperts, o.k);
    this.dim = o.dim;
    this.rate = o.biasUpdateRate ?? 1e-3;
    this.scale = o.routeScale ?? 1;
    this.weight = this.param('weight', fanInUniform([o.dim, o.numExperts], o.dim));
    this.bias = this.buffer('bias', tf.zeros([o.numExperts]));
  }

  route(x: tf.Tensor2D, ctx: RouteContext = {}): RouteResult {
    const logits = tf.matMul(x, this.weight) as tf.Tensor2D;
    const scores = tf.sigmoid(logits) as tf.Tensor2D;
    const indices = this.chooseExperts(tf.add(scores, this.bias) as tf.Tensor2D, this.k, ctx);
    const weights = tf.mul(normalizeRows(gatherRows(scores, indices)), this.scale) as tf.Tensor2D;
    if (this.training && this.rate > 0)
      this.recordCounts(countAssignments(indices, this.numExperts, ctx.valid));
    return { assignment: { kind: 'token', indices, weights }, logits, probs: normalizeRows(scores) };
  }

  private recordCounts(counts: tf.Tensor1D): void {
    const total = this.pending ? tf.add(this.pending, counts) : tf.clone(counts);
    this.pending?.dispose();
    this.pending = tf.keep(total as tf.Tensor1D);
  }

  /** The sign-rule bias update from the counts recorded since the last step. */
  override afterStep(): void {
    super.afterStep();
    if (!this.pending) return;
    const counts = this.pending;
    this.pending = undefined;
    tf.tidy(() => {
      const delta = tf.mul(tf.sign(tf.sub(tf.mean(counts), counts)), this.rate);
      this.bias.assign(tf.add(this.bias, delta));
    });
    counts.dispose();
  }

  flopsPerToken(): number {
    return 2 * this.dim * this.numExperts;
  }

  override dispose(): void {
    this.pending?.dispose();
    super.dispose();
  }
}
