import { backendCapabilities, tf } from '@moe-zoo/core';

/** Result of {@link maskedTopKGate}. */
export interface GateOutput {
  /** [B, E]: softmax over the selected experts of each row (rows sum to 1), 0 elsewhere; all 0 for a row with none. */
  weights: tf.Tensor2D;
  /**
   * [B × E] row-major, 1 where an expert may carry weight: the selected experts (routed and among
   * the row's top-k). On a backend without synchronous reads (webgpu), when some row has more
   * than k routed experts, the selection is made on the device and this is the routing mask (a
   * superset: the routed experts left out have weight exactly 0).
   */
  selected: Uint8Array;
  /** Selected (row, expert) pairs, Σ_r min(k, experts routed for row r), on every backend. */
  pairs: number;
}

/**
 * Row-wise selection of the k largest `probs` among the experts `mask` allows. Ties (e.g. the
 * uniform gate of a new, zero-initialised gating MLP) go to a different expert on each row
 * (row r prefers expert r mod E first), so no expert is shut out by its index. Host-side;
 * `probs` and `mask` are [B × E] row-major.
 */
export function selectTopK(probs: ArrayLike<number>, mask: Uint8Array, e: number, k: number): Uint8Array {
  if (mask.length % e !== 0)
    throw new Error(`selectTopK: mask length ${mask.length} is not a multiple of ${e}`);
  const out = new Uint8Array(mask.length);
  for (let r = 0; r < mask.length / e; r++) {
    const allowed: number[] = [];
    for (let j = 0; j < e; j++) if (mask[r * e + j]) allowed.push(j);
    const rank = (j: number) => (j - (r % e) + e) % e;
    allowed.sort((a, b) => probs[r * e + b] - probs[r * e + a] || rank(a) - rank(b));
    for (const j of allowed.slice(0, k)) out[r * e + j] = 1;
  }
  return out;
}

/**
 * The MoV-Adapter's dynamic gate: `P = softmax(logits + (1 − r)·(−1e9))` over the routed
 * experts `r`, keep the top-k of P, renormalise (equivalently, a softmax over the kept
 * logits). Gradients flow through the softmax only; the selection is a constant. The host reads
 * the probabilities back only when some row has more than k routed experts, and only where the
 * backend reads synchronously; elsewhere (webgpu) the same selection is made on the device
 * ({@link selectTopKOnDevice}) and `selected` is the routing mask (see {@link GateOutput}).
 *
 * @param logits gate logits [B, E]
 * @param routed [B × E] row-major 0/1 routing mask
 * @param k experts kept per row (3 in MoVA)
 *
 * @example
 * ```ts
 * const { weights, selected } = maskedTopKGate(logits, Uint8Array.from([1, 0, 1, 1]), 2);
 * ```
 */
export function maskedTopKGate(logits: tf.Tensor2D, routed: Uint8Array, k: number): GateOutput {
  const [b, e] = logits.shape;
  if (routed.length !== b * e)
    throw new Error(`maskedTopKGate: routing mask has ${routed.length} entries, logits are [${b}, ${e}]`);
  if (!Number.isInteger(k) || k < 1) throw new Error(`maskedTopKGate: k must be an integer >= 1, got ${k}`);
  const counts = Array.from({ length: b }, (_, r) => {
    let c = 0;
    for (let j = 0; j < e; j++) c += routed[r * e + j];
    return c;
  });
  const over = counts.some((c) => c > k);
  const pairs = counts.reduce((s, c) => s + Math.min(k, c), 0);
  let selected: Uint8Array;
  let penalty: () => tf.Tensor2D;
  if (over && !backendCapabilities().syncReadback) {
    // No synchronous read: the selection stays on the device.
    selected = routed.slice();
    penalty = () => tf.mul(tf.sub(selectTopKOnDevice(logits, routed, k), 1), 1e9) as tf.Tensor2D;
  } else {
    if (over) {
      const probs = tf.tidy(() => tf.softmax(tf.add(logits, maskPenalty(routed, b, e)))).dataSync();
      selected = selectTopK(probs, routed, e, k);
    } else {
      selected = routed.slice();
    }
    penalty = () => maskPenalty(selected, b, e);
  }
  const weights = tf.tidy(() => {
    // A row keeps min(k, routed) experts: it has weight exactly when something is routed.
    const any = Float32Array.from(counts, (c) => (c > 0 ? 1 : 0));
    const p = tf.softmax(tf.add(logits, penalty()));
    return tf.mul(p, tf.tensor2d(any, [b, 1])) as tf.Tensor2D;
  });
  return { weights, selected, pairs };
}

/**
 * {@link selectTopK} of the masked softmax of `logits` on the device: [B, E] float32, 1 where
 * the expert is routed and fewer than `k` routed experts of its row precede it (higher
 * probability, or equal probability and earlier in the row's tie order). The same selection as
 * the host's, without a readback; no gradient flows through it.
 */
export function selectTopKOnDevice(logits: tf.Tensor2D, routed: Uint8Array, k: number): tf.Tensor2D {
  const [b, e] = logits.shape;
  // ahead[r, a, j] = 1 where expert a precedes expert j in row r's tie order (see selectTopK).
  const ahead = new Float32Array(b * e * e);
  for (let r = 0; r < b; r++) {
    const rank = (j: number) => (j - (r % e) + e) % e;
    for (let a = 0; a < e; a++)
      for (let j = 0; j < e; j++) ahead[(r * e + a) * e + j] = rank(a) < rank(j) ? 1 : 0;
  }
  const select = tf.customGrad((...inputs: Array<tf.Tensor | ((save: tf.Tensor[]) => void)>) => {
    const x = inputs[0] as tf.Tensor;
    return {
      value: tf.tidy(() => {
        const mask = tf.tensor2d(Float32Array.from(routed), [b, e]);
        const p = tf.softmax(tf.add(x, maskPenalty(routed, b, e)));
        const pa = tf.expandDims(p, 2); // [B, E (a), 1]
        const pj = tf.expandDims(p, 1); // [B, 1, E (j)]
        const beats = tf.add(
          tf.cast(tf.greater(pa, pj), 'float32'),
          tf.mul(tf.cast(tf.equal(pa, pj), 'float32'), tf.tensor3d(ahead, [b, e, e])),
        );
        // Float sums (webgpu sums int32 wrongly): the routed experts ahead of each expert.
        const before = tf.sum(tf.mul(beats, tf.expandDims(mask, 2)), 1); // [B, E]
        return tf.mul(mask, tf.cast(tf.less(before, k), 'float32'));
      }),
      gradFunc: () => tf.zerosLike(x),
    };
  });
  return select(logits) as tf.Tensor2D;
}

function maskPenalty(mask: Uint8Array, b: number, e: number): tf.Tensor2D {
  return tf.tensor2d(
    Float32Array.from(mask, (m) => (m ? 0 : -1e9)),
    [b, e],
  );
}
