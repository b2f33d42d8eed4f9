import { tf } from '../tf';
import { nextSeed } from '../utils/random';
import type { ExpertBank } from './experts/bank';

/** Weights of a dense FFN `act(x w1 + b1) w2 + b2` (w1 [D, H], w2 [H, D]). */
export interface DenseFfnWeights {
  w1: tf.Tensor;
  b1?: tf.Tensor;
  w2: tf.Tensor;
  b2?: tf.Tensor;
  /** SwiGLU's up projection [D, H]. */
  w3?: tf.Tensor;
}

/**
 * Sparse upcycling (Komatsuzaki et al. 2023): every expert of `experts` becomes a copy of a
 * trained dense FFN, optionally with relative Gaussian noise so the copies can diverge.
 * Names follow the bank's parameters (`w1`, `b1`, `w2`, `b2`, `w3`); shapes are checked.
 *
 * @example
 * ```ts
 * upcycle(moe.experts, { w1: ffn.fc1.weight, b1: ffn.fc1.bias, w2: ffn.fc2.weight, b2: ffn.fc2.bias });
 * ```
 */
export function upcycle(experts: ExpertBank, dense: DenseFfnWeights, noise = 0): void {
  const targets = Object.fromEntries(experts.namedParameters());
  for (const [name, source] of Object.entries(dense)) {
    if (!source) continue;
    const target = targets[name];
    if (!target) throw new Error(`upcycle: the expert bank has no parameter "${name}"`);
    const expected = target.shape.slice(1);
    if (!tf.util.arraysEqual(source.shape, expected)) {
      throw new Error(`upcycle: "${name}" has shape [${source.shape}], each expert needs [${expected}]`);
    }
    tf.tidy(() => {
      let stacked = tf.broadcastTo(tf.expandDims(source, 0), target.shape);
      if (noise > 0) {
        const scale = tf.mul(noise, tf.sqrt(tf.add(tf.mean(tf.square(source)), 1e-12)));
        stacked = tf.add(stacked, tf.mul(tf.randomNormal(target.shape, 0, 1, 'float32', nextSeed()), scale));
      }
      target.assign(stacked);
    });
  }
  const missing = Object.keys(targets).filter((n) => !(n in dense));
  if (missing.length) throw new Error(`upcycle: no dense weights for [${missing.join(', ')}]`);
}
