/** What the browser test's page and its Node side share: the layer and the reference input. */
import { tf, type MoELayerConfigInput } from '../../src/browser';

/** The layer of the test: small enough for a few dozen steps on SwiftShader in seconds. */
export const LAYER: MoELayerConfigInput = { dim: 16, hidden: 32, numExperts: 4, topK: 2, dispatch: 'sorted' };

/** The model name of the checkpoint Node saves and the page loads. */
export const MODEL_NAME = 'browser-moe';

/** The input both sides run the checkpoint's layer on. */
export function referenceInput(): tf.Tensor2D {
  return tf.randomNormal([8, 16], 0, 1, 'float32', 21) as tf.Tensor2D;
}
