import { Linear, Module, silu, tf } from '@moe-zoo/core';

/**
 * MoMa's auxiliary router for causal inference: `p = sigmoid(SiLU(x W1) W2)`, W1 [D, D/2],
 * W2 [D/2, E]. Trained after the main model with binary cross-entropy against the batch-level
 * expert-choice assignment; at inference a token goes to expert j when `p_j > 0.5`, so routing
 * depends on the token alone (no look at future tokens of the batch).
 */
export class AuxRouter extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;

  constructor(
    readonly dim: number,
    readonly numExperts: number,
    readonly hidden = Math.max(1, Math.floor(dim / 2)),
  ) {
    super();
    this.fc1 = this.child('fc1', new Linear(dim, hidden));
    this.fc2 = this.child('fc2', new Linear(hidden, numExperts));
  }

  /** Routing logits [T, E] (apply a sigmoid for probabilities). */
  logits(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.fc2.forward(silu(this.fc1.forward(x))) as tf.Tensor2D);
  }

  /** FLOPs per token (2 per multiply-add). */
  flopsPerToken(): number {
    return 2 * this.dim * this.hidden + 2 * this.hidden * this.numExperts;
  }
}
