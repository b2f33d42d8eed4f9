import { backendCapabilities } from '../backend/capabilities';
import { tf } from '../tf';

function offsetsOf(sizes: number[]): number[] {
  const out = [0];
  for (const s of sizes) out.push(out[out.length - 1] + s);
  return out;
}

/**
 * Grouped GEMM (MegaBlocks' `gmm`): rows of `x` [N, K] come sorted by group, group e has
 * `sizes[e]` rows and is multiplied by `w[e]` (w [E, K, M]), plus `b[e]` when a bias [E, M] is
 * given: y [N, M]. One 2-D product per non-empty group, forward and backward; the gradient of
 * `w` is assembled per group, never through E full-size padded copies.
 *
 * @example
 * ```ts
 * const y = groupedMatMul(xSorted, w1, [3, 0, 5], b1); // 8 rows: 3 for expert 0, 5 for expert 2
 * ```
 */
export function groupedMatMul(x: tf.Tensor2D, w: tf.Tensor3D, sizes: number[], b?: tf.Tensor2D): tf.Tensor2D {
  const [e, k, m] = w.shape;
  if (sizes.length !== e)
    throw new Error(`groupedMatMul: ${sizes.length} group sizes for ${e} weight groups`);
  const offsets = offsetsOf(sizes);
  if (offsets[e] !== x.shape[0])
    throw new Error(`groupedMatMul: group sizes sum to ${offsets[e]}, x has ${x.shape[0]} rows`);
  if (x.shape[1] !== k) throw new Error(`groupedMatMul: x has ${x.shape[1]} columns, w expects ${k}`);
  const rows = (t: tf.Tensor, g: number) => tf.slice(t, [offsets[g], 0], [sizes[g], t.shape[1] as number]);
  const weight = (t: tf.Tensor, g: number) => tf.reshape(tf.slice(t, [g, 0, 0], [1, k, m]), [k, m]);
  const groups = sizes.map((n, g) => g).filter((g) => sizes[g] > 0);

  const forward = (xv: tf.Tensor, wv: tf.Tensor, bv?: tf.Tensor) =>
    tf.tidy(() => {
      if (groups.length === 0) return tf.zeros([0, m]);
      const parts = groups.map((g) =>
        tf.fused.matMul({
          a: rows(xv, g),
          b: weight(wv, g),
          bias: bv ? tf.slice(tf.reshape(bv, [-1]), [g * m], [m]) : undefined,
        }),
      );
      return parts.length === 1 ? parts[0] : tf.concat(parts);
    });

  const backward = (dy: tf.Tensor, xv: tf.Tensor, wv: tf.Tensor, withBias: boolean) =>
    tf.tidy(() => {
      const dxParts = groups.map((g) => tf.matMul(rows(dy, g), weight(wv, g), false, true));
      const dx =
        dxParts.length === 0 ? tf.zerosLike(xv) : dxParts.length === 1 ? dxParts[0] : tf.concat(dxParts);
      const dwParts = sizes.map((n, g) =>
        n > 0 ? tf.reshape(tf.matMul(rows(xv, g), rows(dy, g), true, false), [1, k, m]) : tf.zeros([1, k, m]),
      );
      if (!withBias) return [dx, tf.concat(dwParts)];
      const columnSum = backendCapabilities().slowColumnSum
        ? (t: tf.Tensor, n: number) => tf.matMul(tf.ones([1, n]), t)
        : (t: tf.Tensor) => tf.sum(t, 0, true);
      const dbParts = sizes.map((n, g) => (n > 0 ? columnSum(rows(dy, g), n) : tf.zeros([1, m])));
      return [dx, tf.concat(dwParts), tf.concat(dbParts)];
    });

  type Input = tf.Tensor | ((save: tf.Tensor[]) => void);
  if (b) {
    const op = tf.customGrad((...inputs: Input[]) => {
      const [xv, wv, bv] = inputs as tf.Tensor[];
      (inputs[3] as (s: tf.Tensor[]) => void)([xv, wv]);
      return {
        value: forward(xv, wv, bv),
        gradFunc: (dy: tf.Tensor, [xs, ws]: tf.Tensor[]) => backward(dy, xs, ws, true),
      };
    });
    return op(x, w, b) as tf.Tensor2D;
  }
  const op = tf.customGrad((...inputs: Input[]) => {
    const [xv, wv] = inputs as tf.Tensor[];
    (inputs[2] as (s: tf.Tensor[]) => void)([xv, wv]);
    return {
      value: forward(xv, wv),
      gradFunc: (dy: tf.Tensor, [xs, ws]: tf.Tensor[]) => backward(dy, xs, ws, false),
    };
  });
  return op(x, w) as tf.Tensor2D;
}
