import { gelu, silu } from '../../nn/activations';
import { tf } from '../../tf';

/** Expert activations by name. */
export type ActivationName = 'gelu' | 'relu' | 'silu';

/** Applies an activation by name (GELU is the tanh approximation). */
export function activate(x: tf.Tensor, name: ActivationName): tf.Tensor {
  return name === 'relu' ? tf.relu(x) : name === 'silu' ? silu(x) : gelu(x);
}
