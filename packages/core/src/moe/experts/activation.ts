import { tf } from '../../tf';

/** Expert activations by name. */
export type ActivationName = 'gelu' | 'relu' | 'silu';

/** Applies an activation by name (GELU is the tanh approximation). */
export function activate(x: tf.Tensor, name: ActivationName): tf.Tensor {
  switch (name) {
    case 'relu':
      return tf.relu(x);
    case 'silu':
      return tf.mul(x, tf.sigmoid(x));
    case 'gelu': {
      const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
      return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
    }
  }
}
