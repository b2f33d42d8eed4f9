import { parseConfig } from '../config/parse';
import { combineMatrix } from '../moe/dispatch/dense';
import type { MoELayer } from '../moe/layer';
import { countAssignments } from '../moe/ops';
import { tf } from '../tf';
import { CalibrationOptionsSchema, type CalibrationOptions } from './options';

/** What one routed layer's experts did on calibration tokens (see {@link calibrateExperts}). */
export interface ExpertCalibration {
  /** Calibration tokens seen. */
  tokens: number;
  /** Experts each token chose. */
  k: number;
  /** Top-k assignments per expert [E]. */
  counts: number[];
  /** Share of the top-k assignments per expert [E]: `counts / (tokens · k)`, summing to 1. */
  usage: number[];
  /**
   * Router-weighted output norm per expert [E]: `Σ_{t routed to e} g_{t,e} · ||expert_e(x_t)||`,
   * normalised to sum to 1 (all 0 when no expert produced any output).
   */
  saliency: number[];
  /**
   * Cosine similarity of the experts' outputs on all calibration tokens [E][E] (each expert run on
   * every token, outputs flattened): what Sub-MoE groups experts by.
   */
  similarity: number[][];
}

/**
 * Calibration statistics of one MoE layer, computed with its own router (in evaluation mode, so
 * no jitter and no bias update; the mode is restored after) and its own expert bank: expert
 * usage and the router-weighted output norm used to choose which experts to prune (as in
 * expert-pruning work such as Lu et al. 2024, "Not All Experts are Equal", arXiv:2402.14800), and
 * the output similarity Sub-MoE clusters by (Li et al. 2025, arXiv:2506.23266). The routing is
 * the router's top-k, the same choice `setRoutingTap`'s `record` sees in an evaluation forward.
 * Tokens are processed `chunk` at a time; each chunk is read back once.
 *
 * @example
 * ```ts
 * const stats = await calibrateExperts(moe, calibrationTokens); // tokens [T, D] or [B, L, D]
 * const { layer } = pruneExperts(moe, { count: 6, by: 'saliency' }, stats);
 * ```
 */
export async function calibrateExperts(
  layer: MoELayer,
  tokens: tf.Tensor,
  options: CalibrationOptions = {},
): Promise<ExpertCalibration> {
  const o = parseConfig(CalibrationOptionsSchema, options, 'calibration options');
  const d = layer.dim;
  const e = layer.experts.numExperts;
  if (tokens.shape[tokens.rank - 1] !== d || tokens.size === 0) {
    throw new Error(`calibrateExperts: tokens are [${tokens.shape}], the layer needs [T, ${d}] with T ≥ 1`);
  }
  if (o.routerInput && o.routerInput.size !== tokens.size) {
    throw new Error(
      `calibrateExperts: routerInput is [${o.routerInput.shape}], the tokens [${tokens.shape}]`,
    );
  }
  const total = tokens.size / d;
  const counts = new Float64Array(e);
  const saliency = new Float64Array(e);
  const gram = new Float64Array(e * e);
  let k = 0;
  const router = layer.router;
  const wasTraining = router.training;
  router.eval();
  try {
    for (let start = 0; start < total; start += o.chunk) {
      const n = Math.min(o.chunk, total - start);
      const parts = tf.tidy(() => {
        const rows = (t: tf.Tensor) => tf.slice(tf.reshape(t, [total, d]), [start, 0], [n, d]) as tf.Tensor2D;
        const x = rows(tokens);
        const { assignment } = router.route(o.routerInput ? rows(o.routerInput) : x);
        if (assignment.kind !== 'token') {
          throw new Error(`calibrateExperts: ${router.constructor.name} routes by expert choice, not top-k`);
        }
        const y = layer.experts.forwardAll(x); // [E, n, D]
        const norms = tf.sqrt(tf.sum(tf.square(y), -1)); // [E, n]
        const gates = tf.transpose(combineMatrix(assignment, n, e)); // [E, n]
        const flat = tf.reshape(y, [e, n * d]);
        return {
          k: assignment.indices.shape[1],
          counts: countAssignments(assignment.indices, e),
          saliency: tf.sum(tf.mul(gates, norms), 1),
          gram: tf.matMul(flat, flat, false, true),
        };
      });
      try {
        k = parts.k;
        add(counts, await parts.counts.data());
        add(saliency, await parts.saliency.data());
        add(gram, await parts.gram.data());
      } finally {
        tf.dispose([parts.counts, parts.saliency, parts.gram]);
      }
    }
  } finally {
    router.train(wasTraining);
  }
  const salienceSum = saliency.reduce((s, v) => s + v, 0);
  return {
    tokens: total,
    k,
    counts: Array.from(counts),
    usage: Array.from(counts, (c) => c / (total * k)),
    saliency: Array.from(saliency, (s) => (salienceSum > 0 ? s / salienceSum : 0)),
    similarity: Array.from({ length: e }, (_, i) =>
      Array.from({ length: e }, (_, j) => {
        const norm = Math.sqrt(gram[i * e + i] * gram[j * e + j]);
        return norm > 0 ? gram[i * e + j] / norm : i === j ? 1 : 0;
      }),
    ),
  };
}

function add(into: Float64Array, values: ArrayLike<number>): void {
  for (let i = 0; i < into.length; i++) into[i] += values[i];
}
