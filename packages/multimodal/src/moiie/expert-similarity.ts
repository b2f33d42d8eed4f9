import { tf, type ExpertBank } from '@moe-zoo/core';

/**
 * Mean cosine similarity between the outputs of every pair of experts on the same tokens `x`
 * [T, dim]: 1 while up-cycled copies still compute the same function, lower as they diverge.
 * Read back with an awaited read, so it runs on every backend.
 *
 * @example
 * ```ts
 * const cos = await expertOutputCosine(layer.experts, tf.randomNormal([256, dim]) as tf.Tensor2D);
 * ```
 */
export async function expertOutputCosine(experts: ExpertBank, x: tf.Tensor2D): Promise<number> {
  const e = experts.numExperts;
  if (e < 2) return NaN;
  const offDiagonal = tf.tidy(() => {
    const y = experts.forwardAll(x); // [E, T, D]
    const unit = tf.div(y, tf.add(tf.norm(y, 'euclidean', -1, true), 1e-12));
    const flat = tf.reshape(tf.transpose(unit, [1, 0, 2]), [x.shape[0], e, -1]); // [T, E, D]
    const gram = tf.matMul(flat, flat, false, true); // [T, E, E], ones on the diagonal
    return tf.sub(tf.sum(gram), x.shape[0] * e);
  });
  try {
    return (await offDiagonal.data())[0] / (x.shape[0] * e * (e - 1));
  } finally {
    offDiagonal.dispose();
  }
}
