import { tf } from '../tf';

/** A ternary weight: `q` in {-1, 0, 1} (float32) and the scale γ; the dequantized weight is `q * scale`. */
export interface TernaryWeight {
  /** Ternary codes -1, 0, +1 as float32, same shape as the weight. */
  q: tf.Tensor;
  /** γ: a scalar (per tensor) or `[E, 1, ..., 1]` (per expert). */
  scale: tf.Tensor;
}

/**
 * Wraps `forward` as a straight-through estimator: the forward pass returns `forward(x)`, the
 * backward pass hands the upstream gradient to `x` unchanged (identity). Needed because
 * round/sign/clip have zero or no gradients in tfjs.
 *
 * @example
 * ```ts
 * const roundSTE = straightThrough((x) => tf.round(x));
 * tf.grad((x) => roundSTE(x).sum())(tf.tensor1d([0.3, 1.7])); // [1, 1]
 * ```
 */
export function straightThrough(forward: (x: tf.Tensor) => tf.Tensor): (x: tf.Tensor) => tf.Tensor {
  const op = tf.customGrad((...inputs: Array<tf.Tensor | ((save: tf.Tensor[]) => void)>) => {
    const x = inputs[0] as tf.Tensor;
    // customGrad does not scope the forward pass, so intermediates are tidied here.
    return { value: tf.tidy(() => forward(x)), gradFunc: (dy: tf.Tensor) => dy };
  });
  return (x) => op(x);
}

function quantizeWithScale(w: tf.Tensor, scale: tf.Tensor): tf.Tensor {
  // Adding +0 turns the -0 that round() yields for small negatives into +0, so a pack/unpack
  // round trip reproduces q * scale bit for bit.
  return tf.add(tf.clipByValue(tf.round(tf.div(w, scale)), -1, 1), 0);
}

/**
 * BitNet b1.58 absmean ternary quantization with one scale for the whole tensor:
 * γ = mean(|W|) + eps, q = clip(round(W / γ), -1, 1). `round` is half-to-even.
 *
 * @example
 * ```ts
 * const { q, scale } = absmeanTernary(tf.tensor1d([0.5, -1.2, 0.3, 2]));
 * // scale = 1.00001, q = [0, -1, 0, 1]
 * const w = tf.mul(q, scale); // dequantized
 * ```
 */
export function absmeanTernary(w: tf.Tensor, eps = 1e-5): { q: tf.Tensor; scale: tf.Scalar } {
  return tf.tidy(() => {
    const scale = tf.add(tf.mean(tf.abs(w)), eps) as tf.Scalar;
    return { q: quantizeWithScale(w, scale), scale };
  });
}

/**
 * {@link absmeanTernary} with one γ per leading index, for stacked expert weights `[E, D, H]`
 * (any rank >= 2): γ_e = mean(|W_e|) + eps, returned with shape `[E, 1, 1]`.
 *
 * @example
 * ```ts
 * const { q, scale } = absmeanTernaryPerExpert(tf.randomNormal([4, 8, 16]));
 * scale.shape; // [4, 1, 1]
 * ```
 */
export function absmeanTernaryPerExpert(w: tf.Tensor, eps = 1e-5): TernaryWeight {
  if (w.rank < 2)
    throw new Error(
      `absmeanTernaryPerExpert: expected a weight of rank >= 2 ([E, D, H]), got shape [${w.shape.join(', ')}]`,
    );
  return tf.tidy(() => {
    const axes = w.shape.slice(1).map((_, i) => i + 1);
    const scale = tf.add(tf.mean(tf.abs(w), axes, true), eps);
    return { q: quantizeWithScale(w, scale), scale };
  });
}

const ternaryForward = straightThrough((w) => {
  const { q, scale } = absmeanTernary(w);
  return tf.mul(q, scale);
});

const ternaryForwardPerExpert = straightThrough((w) => {
  const { q, scale } = absmeanTernaryPerExpert(w);
  return tf.mul(q, scale);
});

const binaryForward = straightThrough((w) => {
  const sign = tf.where(tf.greaterEqual(w, 0), tf.onesLike(w), tf.onesLike(w).neg());
  return tf.mul(sign, tf.mean(tf.abs(w)));
});

/**
 * Fake-quantizes a latent float weight to ternary for quantization-aware training: the forward
 * value is the dequantized {@link absmeanTernary} weight q·γ, the gradient passes to `w` unchanged.
 *
 * @example
 * ```ts
 * const w = tf.variable(tf.randomNormal([8, 4]));
 * const y = tf.matMul(x, ternarySTE(w)); // trains w through the ternary forward
 * ```
 */
export function ternarySTE(w: tf.Tensor): tf.Tensor {
  return ternaryForward(w);
}

/**
 * {@link ternarySTE} with one γ per expert for stacked weights `[E, D, H]`
 * (see {@link absmeanTernaryPerExpert}).
 *
 * @example
 * ```ts
 * const w1 = tf.variable(tf.randomNormal([4, 8, 16]));
 * const wq = ternarySTEPerExpert(w1); // [4, 8, 16], values ±γ_e or 0
 * ```
 */
export function ternarySTEPerExpert(w: tf.Tensor): tf.Tensor {
  if (w.rank < 2)
    throw new Error(
      `ternarySTEPerExpert: expected a weight of rank >= 2 ([E, D, H]), got shape [${w.shape.join(', ')}]`,
    );
  return ternaryForwardPerExpert(w);
}

/**
 * Binary baseline for the ternary-vs-binary ablation: forward sign(W)·mean(|W|) with sign(0) = +1,
 * straight-through (identity) gradient.
 *
 * @example
 * ```ts
 * binarySTE(tf.tensor1d([0.5, -1, 0, 2])); // [0.875, -0.875, 0.875, 0.875]
 * ```
 */
export function binarySTE(w: tf.Tensor): tf.Tensor {
  return binaryForward(w);
}
