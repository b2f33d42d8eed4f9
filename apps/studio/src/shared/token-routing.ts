/**
 * One forward pass with its routing: the output probabilities and, per routed layer, the experts
 * each token went to, their router probabilities and core's routing metrics, all from the model's
 * own `aux` of that pass.
 */
import { routingMetricsAsync, tf, type MoEAux, type RoutingMetrics } from '@moe-zoo/core';

/** The routing of one routed layer for one input. */
export interface TokenLayerRouting {
  /** Chosen experts [tokens, k], row-major. */
  indices: Int32Array;
  /** Router probabilities [tokens, experts], row-major. */
  probs: Float32Array;
  tokens: number;
  k: number;
  numExperts: number;
  metrics: RoutingMetrics;
}

/**
 * Runs `forward` (in eval mode, called inside a `tf.tidy`) and reads back the softmax of its
 * logits (one sample) and every routed layer's routing; everything else it made is released.
 *
 * @example
 * ```ts
 * const { probs, layers } = await forwardWithRouting(() => model.forward(x));
 * ```
 */
export async function forwardWithRouting(
  forward: () => { logits: tf.Tensor; aux: MoEAux[] },
): Promise<{ probs: number[]; layers: TokenLayerRouting[] }> {
  const kept = tf.tidy(() => {
    const { logits, aux } = forward();
    return [tf.softmax(logits), ...aux.flatMap((a) => [a.indices, a.probs, a.counts, a.dropped])];
  });
  const [probsTensor, ...routing] = kept;
  try {
    const probs = Array.from(await probsTensor.data());
    const layers: TokenLayerRouting[] = [];
    for (let l = 0; l < routing.length; l += 4) {
      const aux: MoEAux = {
        losses: {},
        indices: routing[l] as tf.Tensor2D,
        probs: routing[l + 1] as tf.Tensor2D,
        counts: routing[l + 2] as tf.Tensor1D,
        dropped: routing[l + 3] as tf.Scalar,
      };
      const [tokens, k] = aux.indices.shape;
      layers.push({
        indices: (await aux.indices.data()) as Int32Array,
        probs: (await aux.probs.data()) as Float32Array,
        tokens,
        k,
        numExperts: aux.counts.shape[0],
        metrics: await routingMetricsAsync(aux),
      });
    }
    return { probs, layers };
  } finally {
    tf.dispose(kept);
  }
}
