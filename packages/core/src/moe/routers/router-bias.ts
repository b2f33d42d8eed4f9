import { Module } from '../../nn/module';
import { tf } from '../../tf';

/**
 * The learned logit bias of a linear router (`x W + b`, MoFME's `Linear(D, E)`), with a
 * data-dependent start: zero until the first training batch, which sets it to `-mean_t(x_t W)` so
 * every expert has the same mean logit over that batch. Without it a residual stream whose tokens
 * share a large common component sends every token to the same k experts at step 1, and
 * renormalised top-k gives the others no gradient to recover. A buffer records that the start
 * was made, so a loaded checkpoint is never re-centred.
 *
 * @example
 * ```ts
 * const bias = new RouterBias(8);
 * const logits = bias.apply(tf.matMul(x, weight), this.training);
 * ```
 */
export class RouterBias extends Module {
  readonly value: tf.Variable;
  readonly centred: tf.Variable;
  /** The first training call ran: the flag is 1 from then on, nothing more to do. */
  private seenCentred = false;

  constructor(numExperts: number) {
    super();
    this.value = this.param('value', tf.zeros([numExperts]));
    this.centred = this.buffer('centred', tf.scalar(0));
  }

  /** `xw + b`; in training, the first call centres `b` on the batch first. */
  apply(xw: tf.Tensor2D, training: boolean): tf.Tensor2D {
    if (training && !this.seenCentred) {
      // On the device, no readback: centre only if the flag (maybe loaded) is still 0.
      tf.tidy(() => {
        const fresh = tf.equal(this.centred, 0);
        this.value.assign(tf.where(fresh, tf.neg(tf.mean(xw, 0)), this.value));
        this.centred.assign(tf.onesLike(this.centred));
      });
      this.seenCentred = true;
    }
    return tf.add(xw, this.value) as tf.Tensor2D;
  }
}

/** A linear router's logits `x W`, plus its bias when it has one. */
export function linearLogits(
  x: tf.Tensor,
  weight: tf.Tensor,
  bias: RouterBias | undefined,
  training: boolean,
): tf.Tensor2D {
  const xw = tf.matMul(x, weight) as tf.Tensor2D;
  return bias ? bias.apply(xw, training) : xw;
}
