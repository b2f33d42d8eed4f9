import { tf } from '../tf';

/**
 * Indices of the k largest entries of each row, with no gradient path: tfjs has no TopK
 * gradient, so the selection is wrapped in a custom gradient that returns zeros.
 */
export function topkIndices(scores: tf.Tensor2D, k: number): tf.Tensor2D {
  return withoutGradient(scores, (s) => tf.topk(s, k).indices) as tf.Tensor2D;
}

/**
 * Computes `f(x)` as a constant for autodiff: ops without gradients in tfjs (TopK, comparisons)
 * may be used inside `f` even when `x` depends on trainable variables.
 */
export function withoutGradient<T extends tf.Tensor>(x: tf.Tensor, f: (x: tf.Tensor) => T): T {
  return unaryCustomGrad(x, f, () => tf.zeros(x.shape)) as T;
}

/**
 * `tf.customGrad` for one input. The forward runs in its own tidy (customGrad does not scope
 * it). Tensors the gradient needs besides the input must be listed in `keep`: the forward pass
 * of `tf.variableGrads` is tidied before the backward pass runs, and only tensors saved with
 * the op survive it; the gradient function receives them in the same order.
 */
export function unaryCustomGrad(
  x: tf.Tensor,
  f: (x: tf.Tensor) => tf.Tensor,
  gradFunc: (dy: tf.Tensor, kept: tf.Tensor[]) => tf.Tensor,
  keep: tf.Tensor[] = [],
): tf.Tensor {
  const op = tf.customGrad((...inputs: Array<tf.Tensor | ((save: tf.Tensor[]) => void)>) => {
    const input = inputs[0] as tf.Tensor;
    const save = inputs[1] as (tensors: tf.Tensor[]) => void;
    save(keep);
    return {
      value: tf.tidy(() => f(input)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => gradFunc(dy, saved),
    };
  });
  return op(x);
}

/**
 * One-hot float32 encoding [..., depth] of int32 `indices`. Built as tfjs's int32 one-hot times a
 * float 1 so that it is a real float32 tensor on every backend: webgpu's int32 sum and transpose
 * kernels are wrong (and its int32 -> float32 cast is a relabel), and wasm's OneHot ignores a
 * float dtype. Sum or transpose one-hot masks through this, never tf.oneHot directly.
 */
export function oneHotFloat(indices: tf.Tensor, depth: number): tf.Tensor {
  return tf.mul(tf.oneHot(indices, depth), tf.scalar(1, 'float32'));
}

/** Gathers `values[t, indices[t, j]]` -> [T, k], differentiable with respect to `values`. */
export function gatherRows(values: tf.Tensor2D, indices: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const mask = oneHotFloat(indices, values.shape[1]); // [T, k, E]
    return tf.sum(tf.mul(tf.expandDims(values, 1), mask), -1) as tf.Tensor2D;
  });
}

/** Divides each row by its sum (plus eps), e.g. top-k weights renormalised to sum 1. */
export function normalizeRows(w: tf.Tensor2D, eps = 1e-9): tf.Tensor2D {
  return tf.div(w, tf.add(tf.sum(w, -1, true), eps));
}

/**
 * Per-expert assignment counts [E] from [T, k] indices (float32, no gradient); with `valid` [T]
 * (1 = real token, 0 = padding) only the real tokens' assignments count.
 */
export function countAssignments(indices: tf.Tensor2D, experts: number, valid?: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const onehot = oneHotFloat(indices, experts); // [T, k, E]
    if (!valid) return tf.sum(tf.reshape(onehot, [-1, experts]), 0);
    return tf.sum(tf.mul(tf.sum(onehot, 1), tf.expandDims(valid, -1)), 0);
  });
}

/**
 * Moves rows with a gather whose gradient is also a gather (the stock gradient of tf.gather is a
 * segment sum, slow on wasm). `forward[m]` picks source row `forward[m]` (or a zero row when it
 * equals the number of source rows); `backward` [S, r] lists, for each source row, the output
 * rows that copied it (padding with M = output length), so dsrc = sum_r dy[backward[:, r]].
 */
export function routeRows(
  src: tf.Tensor2D,
  forward: tf.Tensor1D,
  backward: tf.Tensor2D,
  forwardNeedsZero: boolean,
  backwardNeedsZero: boolean,
): tf.Tensor2D {
  return unaryCustomGrad(
    src,
    (x) => tf.gather(forwardNeedsZero ? tf.concat([x, tf.zeros([1, x.shape[1] as number])]) : x, forward),
    (dy, [back]) => {
      const padded = backwardNeedsZero ? tf.concat([dy, tf.zeros([1, dy.shape[1] as number])]) : dy;
      const [s, r] = back.shape;
      const g = tf.gather(padded, tf.reshape(back, [-1]));
      return r === 1 ? g : tf.sum(tf.reshape(g, [s, r, -1]), 1);
    },
    [backward],
  ) as tf.Tensor2D;
}
