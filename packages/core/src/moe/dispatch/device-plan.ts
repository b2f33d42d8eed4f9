import { tf } from '../../tf';
import { oneHotFloat } from '../ops';

/**
 * A token-choice dispatch plan built on the device, with no readback: every expert owns a
 * padded group of `capacity` rows, so the group sizes are known on the host before the routing
 * is. Rows of expert e are [e·C, (e+1)·C); unused rows and dropped pairs point at a zero row.
 * Used where the backend has no cheap synchronous read (`syncReadback` false, webgpu).
 */
export interface DevicePlan {
  /** Padded rows per expert C. */
  capacity: number;
  /** [E·C]: the token of each sorted row, T for an unused row. */
  srcToken: tf.Tensor1D;
  /** [T, k]: the sorted row of each (token, slot), E·C where the pair was dropped. */
  slotPos: tf.Tensor2D;
  /** [E·C, 1]: the flat (token, slot) index t·k + j of each sorted row, T·k for an unused row. */
  srcSlot: tf.Tensor2D;
  /** Pairs routed to each expert before drops [E] (float32). */
  routed: tf.Tensor1D;
  /** Pairs dropped by the capacity (float32 scalar). */
  dropped: tf.Scalar;
}

/**
 * Builds the padded plan for token choice `indices` [T, k] with GShard's priority (first-choice
 * slots before second-choice ones, then token order), as the host plan does: each expert keeps
 * its first `capacity` pairs. Integer work is done in float32 (exact below 2^24): webgpu's
 * int32 transpose and sum kernels are wrong.
 */
export function planTokenChoiceOnDevice(indices: tf.Tensor2D, experts: number, capacity: number): DevicePlan {
  return tf.tidy(() => {
    const [t, k] = indices.shape;
    const c = capacity;
    const n = t * k;
    // Pairs in priority order p = j·T + t: [k·T, E] one-hot of the chosen expert.
    const onehot = oneHotFloat(indices, experts); // [T, k, E]
    const byPriority = tf.reshape(tf.transpose(onehot, [1, 0, 2]), [n, experts]);
    const rank = tf.sum(tf.mul(tf.cumsum(byPriority, 0, true), byPriority), -1); // [k·T]
    const expert = tf.sum(tf.mul(byPriority, tf.range(0, experts, 1, 'float32')), -1);
    const keep = tf.less(rank, c);
    const keptF = tf.cast(keep, 'float32');
    const priority = tf.range(0, n, 1, 'float32');
    // Dropped pairs go to distinct dump rows past E·C, so the scatter below never sums.
    const row = tf.where(keep, tf.add(tf.mul(expert, c), rank), tf.add(priority, experts * c));
    const rowTokenMajor = tf.reshape(tf.transpose(tf.reshape(row, [k, t])), [t, k]);
    const slotPos = tf.cast(tf.minimum(rowTokenMajor, experts * c), 'int32') as tf.Tensor2D;
    // Row -> (token + 1, flat slot + 1); 0 marks an unused row.
    const token = tf.mod(priority, t);
    const slot = tf.add(tf.mul(token, k), tf.floorDiv(priority, t));
    const sources = tf.scatterND(
      tf.reshape(tf.cast(row, 'int32'), [n, 1]),
      tf.stack([tf.add(token, 1), tf.add(slot, 1)], 1),
      [experts * c + n, 2],
    );
    const used = tf.slice(sources, [0, 0], [experts * c, 2]);
    const source = (col: number, empty: number) => {
      const v = tf.reshape(tf.slice(used, [0, col], [experts * c, 1]), [-1]);
      return tf.cast(tf.where(tf.greater(v, 0), tf.sub(v, 1), tf.fill([experts * c], empty)), 'int32');
    };
    return {
      capacity: c,
      srcToken: source(0, t) as tf.Tensor1D,
      slotPos,
      srcSlot: tf.reshape(source(1, n), [experts * c, 1]) as tf.Tensor2D,
      routed: tf.sum(byPriority, 0) as tf.Tensor1D,
      dropped: tf.sub(n, tf.sum(keptF)) as tf.Scalar,
    };
  });
}
