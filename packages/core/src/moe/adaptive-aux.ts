import { Module } from '../nn/module';
import { tf } from '../tf';

/** The rule's settings (`MoELossConfigSchema.adaptiveAux` plus the starting coefficient). */
export interface AdaptiveAuxOptions {
  /** α at step 0 (the layer's configured `aux` coefficient). */
  initial: number;
  /** ξ: the target coefficient per unit of drop rate, `α̂ = ξ · d`. */
  sensitivity: number;
  /** β: the weight of the previous α in the moving average. */
  smoothing: number;
}

/**
 * One step of Skywork-MoE's adaptive auxiliary-loss coefficient (Wei et al. 2024,
 * arXiv 2406.06563): the target `α̂ = ξ · d` grows with the layer's token drop rate `d`, and
 * `α ← β · α + (1 - β) · α̂` follows it smoothly. A layer that drops many tokens gets a stronger
 * balance loss; a balanced one (d = 0) lets its coefficient decay towards 0, so the loss stops
 * pulling against the task once it is not needed.
 *
 * @example
 * ```ts
 * adaptiveAuxStep(0.01, 0.3, { sensitivity: 0.1, smoothing: 0.9 }); // 0.9·0.01 + 0.1·0.03 = 0.012
 * ```
 */
export function adaptiveAuxStep(
  alpha: number,
  dropRate: number,
  o: Pick<AdaptiveAuxOptions, 'sensitivity' | 'smoothing'>,
): number {
  return o.smoothing * alpha + (1 - o.smoothing) * o.sensitivity * dropRate;
}

/**
 * A routed layer's adaptive aux coefficient α ({@link adaptiveAuxStep}), a training-time rule.
 * In training the layer records the (token, slot) pairs it routed and dropped on every call;
 * `afterStep()` turns the step's drop rate into the new α, on the device (no readback). α is a
 * scalar buffer: it multiplies the layer's Switch loss and is saved in checkpoints. A step with no
 * recorded call leaves α unchanged.
 *
 * @example
 * ```ts
 * const coef = new AdaptiveAuxCoefficient({ initial: 0.01, sensitivity: 0.1, smoothing: 0.9 });
 * coef.record(dropped, 256); // in a training forward
 * coef.afterStep();          // α ← 0.9·α + 0.1·0.1·(dropped / 256)
 * ```
 */
export class AdaptiveAuxCoefficient extends Module {
  /** α (float32 scalar buffer). */
  readonly value: tf.Variable;
  readonly sensitivity: number;
  readonly smoothing: number;
  private dropped: tf.Scalar | undefined;
  private routed = 0;

  constructor(o: AdaptiveAuxOptions) {
    super();
    this.sensitivity = o.sensitivity;
    this.smoothing = o.smoothing;
    this.value = this.buffer('value', tf.scalar(o.initial));
  }

  /** Adds one call's dropped pairs (a scalar tensor) out of `routed` routed pairs. */
  record(dropped: tf.Scalar, routed: number): void {
    const total = tf.tidy(() => (this.dropped ? tf.add(this.dropped, dropped) : tf.clone(dropped)));
    this.dropped?.dispose();
    this.dropped = tf.keep(total as tf.Scalar);
    this.routed += routed;
  }

  /** α ← β·α + (1-β)·ξ·d from the pairs recorded since the last step. */
  override afterStep(): void {
    super.afterStep();
    const dropped = this.dropped;
    const routed = this.routed;
    this.dropped = undefined;
    this.routed = 0;
    if (!dropped || routed === 0) {
      dropped?.dispose();
      return;
    }
    tf.tidy(() => {
      const rate = tf.div(tf.cast(dropped, 'float32'), routed);
      const target = tf.mul(rate, this.sensitivity);
      this.value.assign(tf.add(tf.mul(this.value, this.smoothing), tf.mul(target, 1 - this.smoothing)));
    });
    dropped.dispose();
  }

  override dispose(): void {
    this.dropped?.dispose();
    super.dispose();
  }
}
