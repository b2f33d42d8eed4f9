/**
 * The one TensorFlow.js instance every moe-zoo package uses. Model packages import `tf` from
 * `@moe-zoo/core` instead of `@tensorflow/tfjs`, so that kernels registered by {@link initBackend}
 * and variables created by one package are seen by all.
 */
import * as tf from '@tensorflow/tfjs';

export { tf };
export type Tensor = tf.Tensor;
export type Variable = tf.Variable;
