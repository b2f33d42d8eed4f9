import { tf } from '../tf';
import { oneHotFloat } from './ops';

/**
 * Switch/Mixtral load-balancing loss: `S · Σ_i f_i · P_i`, with `f_i` the fraction of
 * (token, slot) assignments to expert i (`counts`, no gradient), `P_i` the mean router
 * probability of expert i and S the number of experts the router chooses from (default E, the
 * columns of `probs`; a router over a subset passes its size). Equals 1 when routing is uniform.
 * With `valid` [T] (1 = real token, 0 = padding) `P` averages the real tokens only; `counts`
 * must then count only them too (see `countAssignments`).
 *
 * @example
 * ```ts
 * const l = switchAuxLoss(probs, counts); // probs [T, E], counts [E]
 * ```
 */
export function switchAuxLoss(
  probs: tf.Tensor2D,
  counts: tf.Tensor1D,
  valid?: tf.Tensor1D,
  experts = probs.shape[1],
): tf.Scalar {
  return tf.tidy(() => {
    const f = tf.div(counts, tf.maximum(tf.sum(counts), 1));
    const p = valid
      ? tf.div(tf.sum(tf.mul(probs, tf.expandDims(valid, -1)), 0), tf.maximum(tf.sum(valid), 1e-9))
      : tf.mean(probs, 0);
    return tf.mul(experts, tf.sum(tf.mul(f, p))) as tf.Scalar;
  });
}

/**
 * GShard form: `E² · mean_i(me_i · ce_i)`, `me` the mean probability, `ce` the fraction of
 * tokens whose top-1 expert is i. Numerically `E · Σ me·ce`, i.e. Switch with top-1 counts.
 */
export function gshardAuxLoss(probs: tf.Tensor2D, top1: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const e = probs.shape[1];
    const ce = tf.div(tf.sum(oneHotFloat(top1, e), 0), probs.shape[0]);
    return tf.mul(e * e, tf.mean(tf.mul(tf.mean(probs, 0), ce))) as tf.Scalar;
  });
}

/** Router z-loss (ST-MoE): mean over tokens of logsumexp(logits)². */
export function zLoss(logits: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.square(tf.logSumExp(logits, -1))) as tf.Scalar);
}

/** Squared coefficient of variation var(x)/mean(x)² (population variance), 0 for a constant. */
export function cvSquared(x: tf.Tensor1D, eps = 1e-10): tf.Scalar {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x);
    return tf.div(variance, tf.add(tf.square(mean), eps)) as tf.Scalar;
  });
}

/**
 * Shazeer et al.'s balance loss: `CV²(importance) + CV²(load)`, importance = Σ_t gate weights
 * per expert (the combine matrix summed over tokens), load = the smooth load estimate or counts.
 */
export function importanceLoadLoss(gates: tf.Tensor2D, load: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.add(cvSquared(tf.sum(gates, 0) as tf.Tensor1D), cvSquared(load)) as tf.Scalar);
}

/**
 * Sequence-level auxiliary loss (DeepSeek-V2/V3): the Switch loss computed within each sequence
 * and averaged, so balance is asked of every sequence, not only of the batch.
 * `probs` [B·L, E], `indices` [B·L, k], `seqLen` L.
 */
export function sequenceAuxLoss(probs: tf.Tensor2D, indices: tf.Tensor2D, seqLen: number): tf.Scalar {
  return tf.tidy(() => {
    const [t, e] = probs.shape;
    if (t % seqLen !== 0)
      throw new Error(`sequenceAuxLoss: ${t} tokens is not a multiple of seqLen ${seqLen}`);
    const b = t / seqLen;
    const k = indices.shape[1];
    const counts = tf.sum(tf.reshape(oneHotFloat(indices, e), [b, seqLen * k, e]), 1); // [B, E]
    const f = tf.div(counts, seqLen * k);
    const p = tf.mean(tf.reshape(probs, [b, seqLen, e]), 1); // [B, E]
    return tf.mul(e, tf.mean(tf.sum(tf.mul(f, p), -1))) as tf.Scalar;
  });
}
