/**
 * One spoken-digit classification with its routing: a single forward pass of the audio
 * transformer gives the class probabilities and, per MoE layer, the experts each token (a pair
 * of log-mel frames) went to, their router probabilities and core's routing metrics.
 */
import { routingMetricsAsync, tf, type MoEAux, type RoutingMetrics } from '@moe-zoo/core';
import {
  classificationOf,
  signalTensor,
  type AudioSignal,
  type AudioTransformer,
  type Classification,
} from '@moe-zoo/audio';

/** The routing of one MoE layer for one clip. */
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

/** What {@link classifyWithRouting} returns. */
export interface RoutedClassification extends Classification {
  layers: TokenLayerRouting[];
}

/**
 * Classifies a decoded signal in eval mode and reads each MoE layer's routing from the same
 * forward pass (the model's own `aux`).
 *
 * @example
 * ```ts
 * const { word, layers } = await classifyWithRouting(model, decodeWav(bytes));
 * ```
 */
export async function classifyWithRouting(
  model: AudioTransformer,
  signal: AudioSignal,
): Promise<RoutedClassification> {
  model.eval();
  // Everything the forward pass makes is released here except the class probabilities and the
  // routing tensors of each layer, which are read back below.
  const kept = tf.tidy(() => {
    const { logits, aux } = model.forward(signalTensor(model, signal));
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
    return { ...classificationOf(probs), layers };
  } finally {
    tf.dispose(kept);
  }
}
