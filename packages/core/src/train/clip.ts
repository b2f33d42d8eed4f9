import { tf } from '../tf';
import { addAll } from './add-all';

/** Result of {@link clipByGlobalNorm}: new gradient tensors and the norm before clipping. */
export interface ClippedGrads {
  /** Gradients scaled by `min(1, maxNorm / norm)`, same keys; new tensors owned by the caller. */
  grads: Record<string, tf.Tensor>;
  /** Global L2 norm of the unclipped gradients (scalar tensor owned by the caller). */
  norm: tf.Scalar;
}

/**
 * Global L2 norm over all tensors, as one fused reduction: the per-tensor sums of squares are
 * added on the device, so there is no readback.
 *
 * @example
 * ```ts
 * globalNorm({ a: tf.tensor([3]), b: tf.tensor([4]) }).dataSync(); // [5]
 * ```
 */
export function globalNorm(tensors: Record<string, tf.Tensor>): tf.Scalar {
  return tf.tidy(() => {
    const sums = Object.values(tensors).map((t) => tf.sum(tf.square(t)));
    if (sums.length === 0) return tf.scalar(0);
    return tf.sqrt(addAll(sums)) as tf.Scalar;
  });
}

/**
 * Scales all gradients by one factor so that their global L2 norm is at most `maxNorm`
 * (no-op scale when already below). The scale is computed on the device; the input gradients
 * are not disposed.
 *
 * @example
 * ```ts
 * const { grads: clipped, norm } = clipByGlobalNorm(grads, 1.0);
 * optimizer.step(clipped);
 * tf.dispose([clipped, norm]);
 * ```
 */
export function clipByGlobalNorm(grads: Record<string, tf.Tensor>, maxNorm: number): ClippedGrads {
  if (!(maxNorm > 0) || !Number.isFinite(maxNorm)) {
    throw new Error(`clipByGlobalNorm: maxNorm must be a finite number > 0, got ${maxNorm}`);
  }
  return tf.tidy(() => {
    const norm = globalNorm(grads);
    // The epsilon keeps an all-zero gradient from dividing by zero; it shifts the scale by ~1e-6.
    const scale = tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6)));
    const clipped: Record<string, tf.Tensor> = {};
    for (const [name, g] of Object.entries(grads)) clipped[name] = tf.mul(g, scale);
    return { grads: clipped, norm };
  });
}
