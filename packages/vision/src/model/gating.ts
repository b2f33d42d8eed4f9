import { tf } from '@moe-zoo/core';

/** Result of {@link maskedTopKGate}. */
export interface GateOutput {
  /** [B, E]: softmax over the selected experts of each row (rows sum to 1), 0 elsewhere; all 0 for a row with none. */
  weights: tf.Tensor2D;
  /** [B × E] row-major, 1 where an expert is selected (routed and among the row's top-k). */
  selected: Uint8Array;
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
 * the probabilities back only when some row has more than k routed experts.
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
  let selected = routed;
  let over = false;
  for (let r = 0; r < b && !over; r++) {
    let c = 0;
    for (let j = 0; j < e; j++) c += routed[r * e + j];
    over = c > k;
  }
  if (over) {
    const probs = tf.tidy(() => tf.softmax(tf.add(logits, maskPenalty(routed, b, e)))).dataSync();
    selected = selectTopK(probs, routed, e, k);
  } else {
    selected = routed.slice();
  }
  const weights = tf.tidy(() => {
    const any = new Float32Array(b);
    for (let r = 0; r < b; r++) for (let j = 0; j < e; j++) any[r] = Math.max(any[r], selected[r * e + j]);
    const p = tf.softmax(tf.add(logits, maskPenalty(selected, b, e)));
    return tf.mul(p, tf.tensor2d(any, [b, 1])) as tf.Tensor2D;
  });
  return { weights, selected };
}

function maskPenalty(mask: Uint8Array, b: number, e: number): tf.Tensor2D {
  return tf.tensor2d(
    Float32Array.from(mask, (m) => (m ? 0 : -1e9)),
    [b, e],
  );
}
