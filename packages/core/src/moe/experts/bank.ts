import { LIMITS } from '../../config/bounds';
import { ConfigError } from '../../config/parse';
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
    const wrong = [
      ['numExperts', numExperts, LIMITS.numExperts],
      ['dim', dim, LIMITS.dim],
    ] as const;
    const issues = wrong
      .filter(([, v, max]) => !(Number.isInteger(v) && v >= 1 && v <= max))
      .map(([path, v, max]) => ({ path, message: `must be an integer in [1, ${max}], got ${v}` }));
    if (issues.length > 0) throw new ConfigError('expert bank', issues);
  }

  /** Every expert on every token: [T, D] -> [E, T, D] (the dense reference path). */
  abstract forwardAll(x: tf.Tensor2D): tf.Tensor3D;

  /**
   * Each expert on its own tokens: rows of `x` [N, D] are sorted by expert, expert e owning the
   * next `sizes[e]` rows (possibly 0). Returns [N, D] in the same order.
   */
  abstract forwardSorted(x: tf.Tensor2D, sizes: number[]): tf.Tensor2D;

  /** Parameters of one expert. */
  abstract paramsPerExpert(): number;

  /** Multiply-add FLOPs (2 per MAC) of one expert on one token. */
  abstract flopsPerToken(): number;
}
