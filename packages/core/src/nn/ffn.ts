import { tf } from '../tf';
import { gelu, silu } from './activations';
import { Dropout } from './dropout';
import { Linear } from './linear';
import { Module } from './module';

/** Options of {@link GeluFFN}. */
export interface GeluFFNOptions {
  /** Dropout after the activation (default 0). */
  dropout?: number;
}

/**
 * The classic transformer feed-forward: `fc2(dropout(gelu(fc1(x))))`, dim -> hidden -> dim.
 * Accepts [T, dim] or [B, L, dim].
 *
 * @example
 * ```ts
 * const ffn = new GeluFFN(32, 128);
 * const y = ffn.forward(x); // same shape as x
 * ```
 */
export class GeluFFN extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;
  readonly drop: Dropout;

  constructor(
    readonly dim: number,
    readonly hidden: number,
    { dropout = 0 }: GeluFFNOptions = {},
  ) {
    super();
    this.fc1 = this.child('fc1', new Linear(dim, hidden));
    this.fc2 = this.child('fc2', new Linear(hidden, dim));
    this.drop = this.child('drop', new Dropout(dropout));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.fc2.forward(this.drop.forward(gelu(this.fc1.forward(x)))));
  }
}

/** Options of {@link SwiGLU}. */
export interface SwiGLUOptions {
  /** Biases in w1/w2/w3 (default false, as in LLaMA). */
  bias?: boolean;
}

/**
 * Gated feed-forward `w2(silu(w1 x) * w3 x)` with `w1`, `w3`: dim -> hidden and `w2`:
 * hidden -> dim. Accepts [T, dim] or [B, L, dim].
 *
 * @example
 * ```ts
 * const ffn = new SwiGLU(32, 86);
 * const y = ffn.forward(x); // same shape as x
 * ```
 */
export class SwiGLU extends Module {
  readonly w1: Linear;
  readonly w2: Linear;
  readonly w3: Linear;

  constructor(
    readonly dim: number,
    readonly hidden: number,
    { bias = false }: SwiGLUOptions = {},
  ) {
    super();
    this.w1 = this.child('w1', new Linear(dim, hidden, { bias }));
    this.w2 = this.child('w2', new Linear(hidden, dim, { bias }));
    this.w3 = this.child('w3', new Linear(dim, hidden, { bias }));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.w2.forward(tf.mul(silu(this.w1.forward(x)), this.w3.forward(x))));
  }
}
