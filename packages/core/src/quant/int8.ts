import { tf } from '../tf';
import { straightThrough } from './ternary';

function fakeQuantForward(bits: number, eps: number): (x: tf.Tensor) => tf.Tensor {
  const qmax = 2 ** (bits - 1) - 1;
  const qmin = -(2 ** (bits - 1));
  return straightThrough((x) => {
    const s = tf.div(qmax, tf.maximum(tf.max(tf.abs(x), -1, true), eps));
    return tf.div(tf.clipByValue(tf.round(tf.mul(x, s)), qmin, qmax), s);
  });
}

/**
 * BitNet activation quantization (fake-quant for training): per token, i.e. per slice along the
 * last axis, s = (2^(bits-1) - 1) / max(|x|, eps) and the value is clip(round(x·s), -2^(bits-1),
 * 2^(bits-1) - 1) / s; the gradient passes straight through (identity). The rounding error is at
 * most max|x| / 254 per token for 8 bits. Works for any rank >= 1 (`[T, D]`, `[B, L, D]`).
 *
 * @example
 * ```ts
 * const h = int8PerTokenFakeQuant(tf.randomNormal([2, 16, 64])); // same shape, 255 levels per token
 * ```
 */
export function int8PerTokenFakeQuant(x: tf.Tensor, bits = 8, eps = 1e-5): tf.Tensor {
  if (!Number.isInteger(bits) || bits < 2 || bits > 24) {
    throw new Error(`int8PerTokenFakeQuant: bits must be an integer in [2, 24], got ${bits}`);
  }
  if (!(eps > 0)) throw new Error(`int8PerTokenFakeQuant: eps must be > 0, got ${eps}`);
  if (x.rank < 1) throw new Error('int8PerTokenFakeQuant: expected a tensor of rank >= 1, got a scalar');
  return fakeQuantForward(bits, eps)(x);
}
