import { tf } from '../tf';
import { nextSeed } from '../utils/random';
import type { ExpertBank } from './experts/bank';
import { upcycle, type DenseFfnWeights } from './upcycle';

/**
 * EvoMoE's expert diversification (Nie et al. 2021, arXiv 2112.14397): after a phase that trains
 * one shared expert, every expert of `experts` starts as a copy of it ({@link upcycle}) with an
 * independent random mask on its weight matrices: each weight is zeroed with probability
 * `maskRatio` and the kept ones are scaled by 1 / (1 - maskRatio), so each expert is an unbiased,
 * different view of the shared one. Biases are copied unmasked. Draws follow the global seed.
 *
 * @example
 * ```ts
 * diversifyExperts(moe.experts, { w1, b1, w2, b2 }, 0.5); // 8 different halves of one expert
 * ```
 */
export function diversifyExperts(experts: ExpertBank, shared: DenseFfnWeights, maskRatio: number): void {
  if (!(maskRatio >= 0 && maskRatio < 1)) {
    throw new Error(`diversifyExperts: maskRatio must be in [0, 1), got ${maskRatio}`);
  }
  upcycle(experts, shared);
  if (maskRatio === 0) return;
  for (const [, target] of experts.namedParameters()) {
    if (target.rank < 3) continue; // biases [E, H]: copied as they are
    tf.tidy(() => {
      const u = tf.randomUniform(target.shape, 0, 1, 'float32', nextSeed());
      const keep = tf.cast(tf.greaterEqual(u, maskRatio), 'float32');
      target.assign(tf.mul(target, tf.mul(keep, 1 / (1 - maskRatio))));
    });
  }
}
