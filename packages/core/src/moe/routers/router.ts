import { LIMITS } from '../../config/bounds';
import { ConfigError } from '../../config/parse';
import { Module } from '../../nn/module';
import type { tf } from '../../tf';
import { topkIndices } from '../ops';

/** Each token chose `k` experts: `indices` [T, k] int32 and their `weights` [T, k]. */
export interface TokenChoice {
  kind: 'token';
  indices: tf.Tensor2D;
  weights: tf.Tensor2D;
}

/** Each expert chose `C` tokens: `tokens` [E, C] int32 and their `weights` [E, C]. */
export interface ExpertChoice {
  kind: 'expert';
  tokens: tf.Tensor2D;
  weights: tf.Tensor2D;
}

/** What a router returns. Weights are gathered from the scores, never obtained through top-k. */
export interface RouteResult {
  assignment: TokenChoice | ExpertChoice;
  /** Raw router logits [T, E] (for the z-loss). */
  logits: tf.Tensor2D;
  /** The routing distribution [T, E] (rows sum to 1), for the balance losses and entropy. */
  probs: tf.Tensor2D;
  /** A differentiable per-expert load estimate [E] for CV² (noisy top-k); counts otherwise. */
  smoothLoad?: tf.Tensor1D;
  /**
   * The routing state a recurrent router hands to the next routed layer [T, S] (RMoE's GRU
   * state); absent for routers without one.
   */
  state?: tf.Tensor2D;
}

/** Optional per-call routing context. */
export interface RouteContext {
  /** Token ids [T] for routers that route by id (hash routing). */
  tokenIds?: Int32Array | tf.Tensor1D;
  /** 1 for real tokens, 0 for padding [T]: padding does not move a router's balancing state. */
  valid?: tf.Tensor1D;
  /** The previous routed layer's routing state [T, S] (recurrent routers; absent: the zero state). */
  state?: tf.Tensor2D;
  /**
   * Experts to use instead of the router's own choice [T, k] int32 (router replay): the weights
   * are still this call's scores gathered at them. Routers without a top-k choice ignore it.
   */
  imposed?: tf.Tensor2D;
}

/**
 * A router maps tokens [T, D] to an assignment of experts. Subclasses are one file each.
 *
 * @example
 * ```ts
 * const router = new SoftmaxTopKRouter({ dim: 64, numExperts: 8, k: 2 });
 * const { assignment, probs } = router.route(x); // assignment.kind === 'token'
 * ```
 */
export abstract class Router extends Module {
  constructor(
    readonly numExperts: number,
    readonly k: number,
  ) {
    super();
    if (!Number.isInteger(numExperts) || numExperts < 1 || numExperts > LIMITS.numExperts) {
      throw new ConfigError('router', [
        { path: 'numExperts', message: `must be an integer in [1, ${LIMITS.numExperts}], got ${numExperts}` },
      ]);
    }
    if (!Number.isInteger(k) || k < 1 || k > numExperts) {
      throw new ConfigError('router', [
        { path: 'k', message: `must be an integer in [1, numExperts=${numExperts}], got ${k}` },
      ]);
    }
  }

  abstract route(x: tf.Tensor2D, ctx?: RouteContext): RouteResult;

  /** The `k` experts of each token by `scores` [T, E], or `ctx.imposed` when a routing is replayed. */
  protected chooseExperts(scores: tf.Tensor2D, k: number, ctx?: RouteContext): tf.Tensor2D {
    const imposed = ctx?.imposed;
    if (!imposed) return topkIndices(scores, k);
    if (imposed.shape[0] !== scores.shape[0] || imposed.shape[1] !== k) {
      throw new Error(
        `${this.constructor.name}: the imposed routing is [${imposed.shape}], this call routes [${scores.shape[0]}, ${k}]`,
      );
    }
    return imposed;
  }

  /**
   * True when the assignment is balanced by construction or fixed (expert choice, BASE, hash):
   * a balance loss has nothing to act on, so routed layers add none.
   */
  get selfBalanced(): boolean {
    return false;
  }

  /**
   * True when routing in training reads device values back synchronously (BASE's host-side
   * balanced assignment): such a router trains only on a backend with
   * `backendCapabilities().syncReadback`, and throws a `SyncReadbackError` elsewhere. Callers that
   * pick arms per backend ask here instead of testing router types.
   */
  get needsSyncReadbackToTrain(): boolean {
    return false;
  }

  /** Routed experts a token runs on average: k, or the capacity factor for expert choice. */
  expertsPerToken(): number {
    return this.k;
  }

  /** FLOPs per token of the scoring (2·D·E for a linear router). */
  abstract flopsPerToken(): number;
}
