import type { z } from 'zod';
import { parseConfig } from '../../config/parse';
import { BalancedRouterOptionsSchema } from './options';
import { fanInUniform } from '../../nn/init';
import { requireSyncReadback } from '../../backend/readback';
import { tf } from '../../tf';
import { gatherRows, topkIndices } from '../ops';
import { RouteResult, Router } from './router';

/** Options of the router (see `BalancedRouterOptionsSchema`: strict, sizes bounded). */
export type BalancedRouterOptions = z.input<typeof BalancedRouterOptionsSchema>;

/**
 * Solves the balanced assignment greedily: (token, expert) pairs in decreasing score order,
 * each accepted while the token is free and the expert has room. Expert e has room for
 * floor(T/E) tokens, plus one for the first T mod E experts, so loads are exactly equal when E
 * divides T and differ by at most one otherwise.
 */
export function balancedAssignment(scores: Float32Array, tokens: number, experts: number): Int32Array {
  const order = new Uint32Array(tokens * experts);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  const room = Array.from(
    { length: experts },
    (_, e) => Math.floor(tokens / experts) + (e < tokens % experts ? 1 : 0),
  );
  const out = new Int32Array(tokens).fill(-1);
  let placed = 0;
  for (let i = 0; i < order.length && placed < tokens; i++) {
    const t = Math.floor(order[i] / experts);
    const e = order[i] % experts;
    if (out[t] >= 0 || room[e] === 0) continue;
    out[t] = e;
    room[e]--;
    placed++;
  }
  return out;
}

/**
 * BASE layers (Lewis et al. 2021): in training every expert gets the same number of tokens
 * (a balanced assignment of the scores `x W`), so no balancing loss is needed; in evaluation each
 * token takes its best expert. The weight is `σ(score)` of the chosen expert.
 *
 * The training assignment ({@link balancedAssignment}) is computed on the host from one
 * synchronous read of the scores. It is a sequential greedy over the T·E pairs in score order:
 * whether a pair is accepted depends on every pair before it (a lexicographically first matching,
 * a P-complete problem), so no fixed number of device steps reproduces it, and an approximate
 * device assignment (Sinkhorn, an auction with few rounds) would change the routing. Training
 * therefore needs `backendCapabilities().syncReadback` (wasm, cpu, tensorflow): on webgpu a
 * training `route` throws a `SyncReadbackError` naming this router ({@link needsSyncReadbackToTrain}
 * is true, so callers can leave such an arm out first). Evaluation (greedy top-1) runs on the
 * device on every backend, so a model trained elsewhere routes on webgpu.
 *
 * @example
 * ```ts
 * const r = new BalancedRouter({ dim: 64, numExperts: 8 });
 * ```
 */
export class BalancedRouter extends Router {
  readonly weight: tf.Variable;
  private readonly dim: number;

  constructor(options: BalancedRouterOptions) {
    const o = parseConfig(BalancedRouterOptionsSchema, options, 'balanced router options');
    super(o.numExperts, 1);
    this.dim = o.dim;
    this.weight = this.param('weight', fanInUniform([o.dim, o.numExperts], o.dim));
  }

  route(x: tf.Tensor2D): RouteResult {
    const logits = tf.matMul(x, this.weight) as tf.Tensor2D;
    const indices = this.training ? this.assign(logits) : topkIndices(logits, 1);
    const weights = tf.sigmoid(gatherRows(logits, indices)) as tf.Tensor2D;
    return {
      assignment: { kind: 'token', indices, weights },
      logits,
      probs: tf.softmax(logits) as tf.Tensor2D,
    };
  }

  /** The balanced training assignment [T, 1] of `logits` [T, E], from one synchronous read. */
  private assign(logits: tf.Tensor2D): tf.Tensor2D {
    requireSyncReadback(
      'balanced router (BASE layers) in training',
      'its balanced assignment is a sequential greedy computed on the host; train it on wasm, cpu or tensorflow (evaluation runs on every backend)',
    );
    const t = logits.shape[0];
    const scores = logits.dataSync() as Float32Array;
    return tf.tensor2d(balancedAssignment(scores, t, this.numExperts), [t, 1], 'int32');
  }

  override get needsSyncReadbackToTrain(): boolean {
    return true;
  }

  override get selfBalanced(): boolean {
    return true;
  }

  flopsPerToken(): number {
    return 2 * this.dim * this.numExperts;
  }
}
