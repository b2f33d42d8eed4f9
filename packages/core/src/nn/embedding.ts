import { tf } from '../tf';
import { normalInit } from './init';
import { Module } from './module';

/** Options of {@link Embedding}. */
export interface EmbeddingOptions {
  /** Standard deviation of the normal init (default 1, as in PyTorch). */
  std?: number;
}

/**
 * Lookup table `weight` [vocab, dim]: int32 ids of any shape map to vectors of shape [..., dim].
 *
 * @example
 * ```ts
 * const emb = new Embedding(100, 32);
 * const x = emb.forward(tf.tensor2d([[1, 2, 3]], [1, 3], 'int32')); // [1, 3, 32]
 * ```
 */
export class Embedding extends Module {
  readonly weight: tf.Variable;

  constructor(
    readonly vocabSize: number,
    readonly dim: number,
    { std = 1 }: EmbeddingOptions = {},
  ) {
    super();
    this.weight = this.param('weight', normalInit([vocabSize, dim], std));
  }

  forward(ids: tf.Tensor): tf.Tensor {
    if (ids.dtype !== 'int32') {
      throw new Error(`Embedding: ids must be an int32 tensor, got ${ids.dtype} (use tf.cast(ids, 'int32'))`);
    }
    return tf.gather(this.weight, ids);
  }
}
