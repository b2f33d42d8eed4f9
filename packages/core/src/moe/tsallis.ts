import { tf } from '../tf';

/**
 * Tsallis entropy of each row of a distribution `p` [T, E] with index q (q ≠ 1):
 * `S_q(p) = (1 - Σ_i p_i^q) / (q - 1)` [T]. It is 0 for a one-hot row and largest,
 * `(1 - E^(1-q)) / (q - 1)`, for the uniform row; as q → 1 it tends to the Shannon entropy
 * (nats). DynMoLE (Li et al. 2025, arXiv 2504.00661) switches its routing on it and adds its mean
 * as a loss ({@link tsallisEntropyLoss}).
 *
 * @example
 * ```ts
 * tsallisEntropy(tf.tensor2d([[0.5, 0.5]]), 2); // [0.5]: (1 - 0.25 - 0.25) / 1
 * ```
 */
export function tsallisEntropy(p: tf.Tensor2D, q: number): tf.Tensor1D {
  if (!(q > 0) || Math.abs(q - 1) <= 1e-6)
    throw new Error(`tsallisEntropy: q must be > 0 and not 1, got ${q}`);
  return tf.tidy(() => {
    // p^q through exp(q·log p) with p clipped away from 0 (0^q = 0 for q > 0; keeps the gradient finite).
    const powered = tf.exp(tf.mul(q, tf.log(tf.maximum(p, 1e-12))));
    return tf.div(tf.sub(1, tf.sum(powered, -1)), q - 1) as tf.Tensor1D;
  });
}

/**
 * DynMoLE's Tsallis-entropy loss: the mean of {@link tsallisEntropy} over the tokens (over the
 * real ones when `valid` [T] marks padding). Minimising it makes the router confident, so more
 * tokens take the sparse branch of the hybrid routing.
 *
 * @example
 * ```ts
 * const loss = tf.mul(0.01, tsallisEntropyLoss(probs, 1.1));
 * ```
 */
export function tsallisEntropyLoss(p: tf.Tensor2D, q: number, valid?: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const s = tsallisEntropy(p, q);
    if (!valid) return tf.mean(s) as tf.Scalar;
    return tf.div(tf.sum(tf.mul(s, valid)), tf.maximum(tf.sum(valid), 1)) as tf.Scalar;
  });
}
