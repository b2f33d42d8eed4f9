import {
  gelu,
  LayerNorm,
  Linear,
  Module,
  moduleCosts,
  MultiHeadAttention,
  parseConfig,
  tf,
} from '@moe-zoo/core';
import type { z } from 'zod';
import { AnswerHeadOptionsSchema } from './part-schemas';

/** Options of {@link AnswerHead} (see `AnswerHeadOptionsSchema`). */
export type AnswerHeadOptions = z.input<typeof AnswerHeadOptionsSchema>;

/**
 * The answer head shared by every answer model (the "language model" of the miniature). It
 * mixes two views of the visual tokens, both driven by the question vector q:
 * question-conditioned attention pooling (q is the single query) followed by an MLP over
 * [pooled; q], plus `readouts` linear readouts of the flattened, normalised token grid mixed by
 * softmax weights computed from q (a question picks which spatial readout answers it, e.g. the
 * second letter slot). Logits are the sum of both.
 */
export class AnswerHead extends Module {
  readonly norm: LayerNorm;
  readonly pool: MultiHeadAttention;
  readonly fc1: Linear;
  readonly fc2: Linear;
  readonly readout: Linear;
  readonly mix: Linear;

  constructor(readonly options: AnswerHeadOptions) {
    super();
    const { dim, heads, tokens, numAnswers } = parseConfig(
      AnswerHeadOptionsSchema,
      options,
      'answer head options',
    );
    const k = options.readouts ?? 4;
    this.norm = this.child('norm', new LayerNorm(dim));
    this.pool = this.child('pool', new MultiHeadAttention(dim, heads));
    this.fc1 = this.child('fc1', new Linear(2 * dim, dim));
    this.fc2 = this.child('fc2', new Linear(dim, numAnswers));
    this.readout = this.child('readout', new Linear(tokens * dim, k * numAnswers));
    this.mix = this.child('mix', new Linear(dim, k));
  }

  /** x [B, L, dim] visual tokens, q [B, dim] question -> logits [B, numAnswers]. */
  forward(x: tf.Tensor, q: tf.Tensor): tf.Tensor2D {
    const { tokens, dim, numAnswers } = this.options;
    if (x.rank !== 3 || x.shape[1] !== tokens || x.shape[2] !== dim)
      throw new Error(`AnswerHead: tokens must be [B, ${tokens}, ${dim}], got [${x.shape}]`);
    return tf.tidy(() => {
      const b = x.shape[0];
      const xn = this.norm.forward(x);
      const pooled = tf.squeeze(this.pool.forward(tf.expandDims(q, 1), xn), [1]);
      const mlp = this.fc2.forward(gelu(this.fc1.forward(tf.concat([pooled, q], -1))));
      const k = this.mix.outFeatures;
      const reads = tf.reshape(this.readout.forward(tf.reshape(xn, [b, tokens * dim])), [b, k, numAnswers]);
      const w = tf.expandDims(tf.softmax(this.mix.forward(q)), -1); // [B, k, 1]
      return tf.add(mlp, tf.sum(tf.mul(reads, w), 1)) as tf.Tensor2D;
    });
  }

  /**
   * Forward FLOPs per sample (core's `moduleCosts` of each projection): the pooling attention
   * (one query over the `tokens` keys: q and out projections once, k and v projections per key,
   * scores and mixing 2 · 2 · tokens · dim) and the MLP, readout and mix projections, once each.
   */
  flops(): number {
    const { dim: d, tokens: l } = this.options;
    const flops = (m: Module) => moduleCosts(m).flopsPerToken;
    const { q, k, v, out } = this.pool;
    const pool = flops(q) + l * (flops(k) + flops(v)) + 2 * 2 * l * d + flops(out);
    return pool + [this.fc1, this.fc2, this.readout, this.mix].reduce((s, m) => s + flops(m), 0);
  }
}
