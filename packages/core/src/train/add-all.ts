import { tf } from '../tf';

/**
 * Most inputs one `tf.addN` gets. The webgpu backend binds one storage buffer per input, and
 * adapters may allow as few as 8 per shader stage (lavapipe does): a 25-input AddN there fails
 * GPU validation and its result is garbage. Chunking costs nothing measurable elsewhere.
 */
const MAX_ADDN_INPUTS = 4;

/** The element-wise sum of same-shaped tensors (at least one), as `tf.addN` but in chunks every backend binds. */
export function addAll<T extends tf.Tensor>(tensors: readonly T[]): T {
  if (tensors.length === 0) throw new Error('addAll: no tensors to add');
  return tf.tidy(() => {
    let level: tf.Tensor[] = [...tensors];
    while (level.length > 1) {
      const next: tf.Tensor[] = [];
      for (let i = 0; i < level.length; i += MAX_ADDN_INPUTS) {
        const chunk = level.slice(i, i + MAX_ADDN_INPUTS);
        next.push(chunk.length === 1 ? chunk[0] : tf.addN(chunk));
      }
      level = next;
    }
    return level[0].clone();
  }) as T;
}
