import { tf } from '../tf';

export interface ContrastOptions {
  /** Plausibility threshold α: keep tokens with p_strong >= α · max p_strong (default 0.1). */
  alpha?: number;
  /** Contrast strength β (default 0.5). */
  beta?: number;
}

/**
 * SCMoE self-contrast (Shi et al. 2024): `(1 + β) z_strong − β z_weak` over the plausible set
 * `{v : z_strong_v >= max z_strong + log α}`, −∞ elsewhere. `strong` are the logits with the
 * usual top-k routing, `weak` those with rank-r routing (`MoELayer.forward(x, { rankOverride: r })`).
 * Inputs [N, V]; take the argmax of the result for greedy decoding.
 *
 * @example
 * ```ts
 * const z = selfContrastLogits(strongLogits, weakLogits, { alpha: 0.1, beta: 0.5 });
 * const prediction = tf.argMax(z, -1);
 * ```
 */
export function selfContrastLogits(
  strong: tf.Tensor2D,
  weak: tf.Tensor2D,
  o: ContrastOptions = {},
): tf.Tensor2D {
  const alpha = o.alpha ?? 0.1;
  const beta = o.beta ?? 0.5;
  if (!(alpha > 0 && alpha <= 1))
    throw new Error(`selfContrastLogits: alpha must be in (0, 1], got ${alpha}`);
  return tf.tidy(() => {
    const threshold = tf.add(tf.max(strong, -1, true), Math.log(alpha));
    const contrast = tf.sub(tf.mul(1 + beta, strong), tf.mul(beta, weak));
    return tf.where(
      tf.greaterEqual(strong, threshold),
      contrast,
      tf.fill(strong.shape, -Infinity),
    ) as tf.Tensor2D;
  });
}
