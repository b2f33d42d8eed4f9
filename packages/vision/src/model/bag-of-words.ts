import { Embedding, Module, tf } from '@moe-zoo/core';

/**
 * A phrase encoder: the mean of learned word embeddings over the non-padding words (id 0 is
 * padding). Ids [..., W] (int32) -> [..., dim]; an all-padding phrase gives zeros.
 *
 * @example
 * ```ts
 * const bow = new BagOfWords(WORDS.length, 32);
 * const q = bow.forward(tf.tensor2d(tokens, [n, MAX_WORDS], 'int32')); // [n, 32]
 * ```
 */
export class BagOfWords extends Module {
  readonly embed: Embedding;

  constructor(
    readonly vocabSize: number,
    readonly dim: number,
  ) {
    super();
    this.embed = this.child('embed', new Embedding(vocabSize, dim, { std: 0.5 }));
  }

  forward(ids: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      // [..., W, 1]; times 1 so that it is stored as float32: webgpu's cast of a bool is a relabel,
      // and its sum over the words (a rank-3 transpose) then reads it wrongly.
      const mask = tf.expandDims(tf.mul(tf.cast(tf.notEqual(ids, 0), 'float32'), 1), -1);
      const sum = tf.sum(tf.mul(this.embed.forward(ids), mask), -2);
      return tf.div(sum, tf.maximum(tf.sum(mask, -2), 1));
    });
  }
}
