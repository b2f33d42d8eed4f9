/**
 * One spoken-digit classification with its routing: a single forward pass of the audio
 * transformer gives the class probabilities and, per MoE layer, the experts each token (a pair
 * of log-mel frames) went to, their router probabilities and core's routing metrics.
 */
import {
  classificationOf,
  signalTensor,
  type AudioSignal,
  type AudioTransformer,
  type Classification,
} from '@moe-zoo/audio';
import { forwardWithRouting, type TokenLayerRouting } from './token-routing';

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
  const { probs, layers } = await forwardWithRouting(() => model.forward(signalTensor(model, signal)));
  return { ...classificationOf(probs), layers };
}
