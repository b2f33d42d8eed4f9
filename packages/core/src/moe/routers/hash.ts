import type { z } from 'zod';
import { parseConfig } from '../../config/parse';
import { HashRouterOptionsSchema } from './options';
import { requireSyncReadback } from '../../backend/readback';
import { tf } from '../../tf';
import { oneHotFloat } from '../ops';
import { RouteContext, RouteResult, Router } from './router';

/** Options of the router (see `HashRouterOptionsSchema`: strict, sizes bounded). */
export type HashRouterOptions = z.input<typeof HashRouterOptionsSchema>;

function mix(id: number, seed: number): number {
  let h = (id ^ seed) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Token ids given as a tensor, read back (synchronously: only where the backend can). */
function readIds(ids: tf.Tensor1D): tf.TypedArray {
  requireSyncReadback(
    'hash router with token ids given as a tensor',
    'pass the token ids as an Int32Array (RouteContext.tokenIds)',
  );
  return ids.dataSync();
}

/**
 * Hash routing (Roller et al. 2021): a fixed, parameter-free map from token id to one expert
 * (weight 1). Without token ids it hashes the position. The hash (32-bit integer mixing) runs on
 * the host: give the ids as an `Int32Array` (the caller has them: a tokenizer's output, positions)
 * and no backend reads anything back. Ids given as a tensor are read back synchronously, which
 * only a backend with `backendCapabilities().syncReadback` does; elsewhere (webgpu) that is a
 * `SyncReadbackError`.
 *
 * @example
 * ```ts
 * const r = new HashRouter({ numExperts: 8 });
 * r.route(x, { tokenIds }); // the same id always goes to the same expert
 * ```
 */
export class HashRouter extends Router {
  private readonly seed: number;

  constructor(options: HashRouterOptions) {
    const o = parseConfig(HashRouterOptionsSchema, options, 'hash router options');
    super(o.numExperts, 1);
    this.seed = o.seed ?? 0x5bd1e995;
  }

  route(x: tf.Tensor2D, ctx: RouteContext = {}): RouteResult {
    const t = x.shape[0];
    const ids = ctx.tokenIds instanceof tf.Tensor ? readIds(ctx.tokenIds) : ctx.tokenIds;
    if (ids && ids.length !== t)
      throw new Error(`hash router: tokenIds has ${ids.length} entries for ${t} tokens`);
    const experts = new Int32Array(t);
    for (let i = 0; i < t; i++) experts[i] = mix(ids ? ids[i] : i, this.seed) % this.numExperts;
    const indices = tf.tensor2d(experts, [t, 1], 'int32');
    const probs = oneHotFloat(tf.reshape(indices, [-1]), this.numExperts) as tf.Tensor2D;
    return { assignment: { kind: 'token', indices, weights: tf.ones([t, 1]) }, logits: probs, probs };
  }

  override get selfBalanced(): boolean {
    return true;
  }

  flopsPerToken(): number {
    return 0;
  }
}
