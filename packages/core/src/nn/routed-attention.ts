/**
 * What the routed attentions (`MoHAttention`, `JetMoeAttention`) share around their own maths:
 * their inputs as checked batches, the token-choice routing of the query tokens, and the aux they
 * return. Internal: not part of the public surface. Call inside a `tf.tidy`.
 */
import type { Router, RouteResult } from '../moe/routers/router';
import type { MoEAux } from '../moe/types';
import { tf } from '../tf';

/** A routed attention's inputs as batches, its query tokens flattened, and their routing. */
export interface RoutedAttentionCall {
  x3: tf.Tensor3D;
  kv3: tf.Tensor3D;
  b: number;
  lq: number;
  lk: number;
  /** The query tokens [B·Lq, dim]. */
  tokens: tf.Tensor2D;
  route: RouteResult;
  /** Chosen experts / heads [B·Lq, k] and their weights [B·Lq, k]. */
  indices: tf.Tensor2D;
  weights: tf.Tensor2D;
}

/**
 * Checks `x` and `kv` (both [B, L, D] or both [L, D], the same batch, `valid` one entry per query
 * token; errors name `who`), lifts them to batches and routes the query tokens with `router`,
 * which must choose per token.
 */
export function routeQueries(
  who: string,
  router: Router,
  dim: number,
  x: tf.Tensor,
  kv: tf.Tensor,
  valid: tf.Tensor1D | undefined,
): RoutedAttentionCall {
  if ((x.rank !== 2 && x.rank !== 3) || kv.rank !== x.rank) {
    throw new Error(`${who}: x [${x.shape}] and kv [${kv.shape}] must both be [B, L, D] or [L, D]`);
  }
  const x3: tf.Tensor3D = x.rank === 2 ? tf.expandDims(x, 0) : (x as tf.Tensor3D);
  const kv3: tf.Tensor3D = kv.rank === 2 ? tf.expandDims(kv, 0) : (kv as tf.Tensor3D);
  const [b, lq] = x3.shape;
  const lk = kv3.shape[1];
  if (kv3.shape[0] !== b) throw new Error(`${who}: batch of x [${x.shape}] and kv [${kv.shape}] differ`);
  if (valid && valid.size !== b * lq) {
    throw new Error(`${who}: ctx.valid has ${valid.size} entries for ${b * lq} tokens`);
  }
  const tokens = tf.reshape(x3, [b * lq, dim]) as tf.Tensor2D;
  const route = router.route(tokens, { valid });
  if (route.assignment.kind !== 'token') throw new Error(`${who}: the router must be token choice`);
  const { indices, weights } = route.assignment;
  return { x3, kv3, b, lq, lk, tokens, route, indices, weights };
}

/** The aux of a routed attention: its losses, loads and routing, marked `source: 'attention'`. */
export function routedAttentionAux(
  call: RoutedAttentionCall,
  counts: tf.Tensor1D,
  losses: Record<string, tf.Scalar>,
  valid: tf.Tensor1D | undefined,
): MoEAux {
  const aux: MoEAux = {
    losses,
    counts,
    probs: call.route.probs,
    dropped: tf.scalar(0),
    indices: call.indices,
    source: 'attention',
  };
  if (valid) aux.valid = tf.clone(valid);
  return aux;
}
