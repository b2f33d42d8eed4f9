import type { tf } from '../tf';

/**
 * Routing statistics of one MoE call, computed on the routed (token, slot) assignments.
 * Numbers, not tensors: they are read back once per training step for logging.
 */
export interface RoutingMetrics {
  /** Fraction of (token, slot) assignments per expert, length E, sums to 1 (before drops). */
  load: number[];
  /** (max load - mean load) / mean load. 0 means perfectly balanced. */
  maxVio: number;
  /** Mean entropy (nats) of the per-token routing distribution. */
  entropy: number;
  /** Fraction of (token, slot) assignments dropped by capacity limits. */
  dropRate: number;
  /** Experts that received no token. */
  unusedExperts: number;
}

/**
 * What an MoE layer returns besides its output: named scalar loss terms, already multiplied by
 * their coefficients (the trainer adds them to the task loss), and tensors from which the
 * routing metrics can be read.
 */
export interface MoEAux {
  /** Scaled loss terms by name (`aux`, `z`, `cv2`, `seqAux`, ...). */
  losses: Record<string, tf.Scalar>;
  /** Per-expert assignment counts [E] (float32, no gradient). */
  counts: tf.Tensor1D;
  /** Routing probabilities [T, E] (the router's distribution, used for entropy). */
  probs: tf.Tensor2D;
  /** Number of (token, slot) assignments dropped (scalar, no gradient). */
  dropped: tf.Scalar;
  /** Chosen experts [T, k] (int32); for expert choice the chosen tokens [E, C]. */
  indices: tf.Tensor2D;
  /**
   * 1 for real tokens, 0 for padding [T], when the caller marked padding: `counts` and the
   * balance losses already leave padding out, and routing metrics read only the real rows.
   */
  valid?: tf.Tensor1D;
  /**
   * The routing state this layer's recurrent router hands to the next routed layer [T, S]
   * (RMoE's GRU state; see `RecurrentRouter`); absent for other routers.
   */
  routerState?: tf.Tensor2D;
  /**
   * `'attention'` when a routed attention made it (MoH's routed heads, JetMoE's attention experts:
   * `counts` and `probs` are over heads / attention experts); absent for FFN slots. A block lists
   * its FFN slot's aux first, then its attention's, so code that pairs aux with the MoE FFN layers
   * (`moeLayers()[l]`) reads `ffnAux(aux)`.
   */
  source?: 'attention';
}

/** Output of any FFN slot: a dense FFN returns a tensor, a routed layer returns `{ y, aux }`. */
export type FfnOutput = tf.Tensor | { y: tf.Tensor; aux: MoEAux };
