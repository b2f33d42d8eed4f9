/**
 * The scaled dot-product core shared by the attention modules (`MultiHeadAttention`,
 * `MoHAttention`, `JetMoeAttention`): one place for the backend-shaped score product and the
 * mask handling. Internal: not part of the public surface.
 */
import { backendCapabilities } from '../backend/capabilities';
import { tf } from '../tf';
import type { Dropout } from './dropout';

/** Largest broadcast product (elements) {@link matMulBT} materialises at once. */
const MUL_SUM_LIMIT = 1 << 22;

/**
 * `a` [..., M, K] times `b` [..., N, K] transposed -> [..., M, N]. Where the backend pays a large
 * cost per batch entry of a batched matMul (see {@link BackendCapabilities}), small per-entry
 * products are computed as a broadcast multiply-and-sum instead, in chunks of at most
 * MUL_SUM_LIMIT elements.
 */
export function matMulBT(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const [m, k] = a.shape.slice(-2);
  const n = b.shape[b.rank - 2];
  const perEntry = m * n * k;
  const caps = backendCapabilities();
  if (!caps.slowSmallBatchedMatMul || perEntry > caps.smallMatMulEntry) return tf.matMul(a, b, false, true);
  const lead = a.shape.slice(0, -2);
  const batch = tf.util.sizeFromShape(lead);
  const a4 = tf.reshape(a, [batch, m, 1, k]);
  const b4 = tf.reshape(b, [batch, 1, n, k]);
  const chunk = Math.floor(MUL_SUM_LIMIT / perEntry);
  const parts: tf.Tensor[] = [];
  for (let start = 0; start < batch; start += chunk) {
    const size = Math.min(chunk, batch - start);
    const ac = size === batch ? a4 : tf.slice(a4, [start, 0, 0, 0], [size, m, 1, k]);
    const bc = size === batch ? b4 : tf.slice(b4, [start, 0, 0, 0], [size, 1, n, k]);
    parts.push(tf.sum(tf.mul(ac, bc), -1));
  }
  return tf.reshape(parts.length === 1 ? parts[0] : tf.concat(parts, 0), [...lead, m, n]);
}

/** Added to masked-out scores: large enough to vanish under softmax, finite so rows of all -inf do not NaN. */
const MASKED = -1e9;

/**
 * An attention mask as float scores, broadcastable to [B, H, Lq, Lk]: [Lq, Lk], or [B, 1, Lq, Lk]
 * for a per-sample mask. `mask` is [Lq, Lk] or [B, Lq, Lk], boolean (true = may attend) or
 * additive float; `who` names the module in the shape error.
 */
export function additiveMask(mask: tf.Tensor, b: number, lq: number, lk: number, who: string): tf.Tensor {
  const ok =
    (mask.rank === 2 && mask.shape[0] === lq && mask.shape[1] === lk) ||
    (mask.rank === 3 && mask.shape[0] === b && mask.shape[1] === lq && mask.shape[2] === lk);
  if (!ok) throw new Error(`${who}: mask [${mask.shape}] must be [${lq}, ${lk}] or [${b}, ${lq}, ${lk}]`);
  const additive =
    mask.dtype === 'bool' ? tf.mul(tf.sub(1, tf.cast(mask, 'float32')), MASKED) : tf.cast(mask, 'float32');
  return mask.rank === 3 ? tf.expandDims(additive, 1) : additive;
}

/**
 * Scaled dot-product attention of heads: `softmax(q kᵀ / sqrt(hd) + mask) v` with queries
 * `qh` [B, H, Lq, hd], keys `kh` [B, H, Lk, hd], values transposed `vt` [B, H, hd, Lk] and an
 * optional additive mask broadcastable to the scores [B, H, Lq, Lk]; dropout on the probabilities.
 * Returns [B, H, Lq, hd].
 */
export function attendHeads(
  qh: tf.Tensor,
  kh: tf.Tensor,
  vt: tf.Tensor,
  mask: tf.Tensor | undefined,
  drop: Dropout,
): tf.Tensor {
  const headDim = qh.shape[qh.rank - 1];
  let scores = tf.mul(matMulBT(qh, kh), 1 / Math.sqrt(headDim));
  if (mask) scores = tf.add(scores, mask);
  return matMulBT(drop.forward(tf.softmax(scores, -1)), vt);
}
