import { tf } from '@moe-zoo/core';
import type { AvSet } from './data';

/** A batch of audio-visual digits as tensors. */
export interface AvBatch {
  /** [B, audioTokens, audioDims] */
  audio: tf.Tensor3D;
  /** [B, videoTokens, videoDims] */
  video: tf.Tensor3D;
  /** [B] int32 digits */
  y: tf.Tensor1D;
}

/** Copies the samples `idx` of a set into tensors. */
export function avBatch(set: AvSet, idx: ArrayLike<number>): AvBatch {
  const a = set.audioTokens * set.audioDims;
  const v = set.videoTokens * set.videoDims;
  const audio = new Float32Array(idx.length * a);
  const video = new Float32Array(idx.length * v);
  const y = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    const j = idx[i];
    if (!(j >= 0 && j < set.n)) throw new Error(`avBatch: sample index ${j} outside [0, ${set.n})`);
    audio.set(set.audio.subarray(j * a, (j + 1) * a), i * a);
    video.set(set.video.subarray(j * v, (j + 1) * v), i * v);
    y[i] = set.y[j];
  }
  return {
    audio: tf.tensor3d(audio, [idx.length, set.audioTokens, set.audioDims]),
    video: tf.tensor3d(video, [idx.length, set.videoTokens, set.videoDims]),
    y: tf.tensor1d(y, 'int32'),
  };
}

/**
 * Token compression by average pooling over time: [B, L, D] → [B, L / rate, D], token j the mean
 * of tokens j·rate .. j·rate + rate − 1 (Matryoshka AVSR's `AvgPool1d(rate)`). `rate` must divide L.
 *
 * @example
 * ```ts
 * avgPoolTokens(tf.zeros([2, 24, 64]), 4).shape; // [2, 6, 64]
 * ```
 */
export function avgPoolTokens(x: tf.Tensor3D, rate: number): tf.Tensor3D {
  const [b, l, d] = x.shape;
  if (!Number.isInteger(rate) || rate < 1 || l % rate !== 0)
    throw new Error(`avgPoolTokens: rate ${rate} must be a positive integer dividing the ${l} tokens`);
  if (rate === 1) return tf.clone(x);
  return tf.tidy(() => tf.mean(tf.reshape(x, [b, l / rate, rate, d]), 2) as tf.Tensor3D);
}
