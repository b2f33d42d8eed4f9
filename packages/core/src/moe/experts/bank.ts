import { Module } from '../../nn/module';
import type { tf } from '../../tf';

/**
 * A bank of E experts mapping [n, D] -> [n, D]. FFN, SwiGLU, FiLM, ternary and adapter experts
 * implement it; the dispatchers only use this interface.
 */
export abstract class ExpertBank extends Module {
  constructor(
    readonly numExperts: number,
    readonly dim: number,
  ) {
    super();
  }

  /** Every expert on every token: [T, D] -> [E, T, D] (the dense reference path). */
  abstract forwardAll(x: tf.Tensor2D): tf.Tensor3D;

  /**
   * Expert e on its own tokens: `groups[e]` is [n_e, D] (n_e may be 0 — then `undefined`), the
   * result has the same layout. Implementations slice their stacked weights once per call.
   */
  abstract forwardGroups(groups: (tf.Tensor2D | undefined)[]): (tf.Tensor2D | undefined)[];

  /** Parameters of one expert. */
  abstract paramsPerExpert(): number;

  /** Multiply-add FLOPs (2 per MAC) of one expert on one token. */
  abstract flopsPerToken(): number;
}
