import { Conv2d, Module, parseConfig, tf } from '@moe-zoo/core';
import type { z } from 'zod';
import { ConvEncoderOptionsSchema } from './part-schemas';

/** Options of {@link ConvEncoder}. */
export type ConvEncoderOptions = z.input<typeof ConvEncoderOptionsSchema>;

/**
 * A small CNN vision encoder: optional average pooling, then 3×3 convolutions (stride 2 by
 * default) with ReLU, turning a greyscale `size`×`size` image into a grid of tokens
 * ((size / downsample / Π strides)² tokens of the last width), e.g. 32 px and three stride-2
 * layers -> 4×4 = 16 tokens; the output channels are standardised (see {@link calibrate}). Used
 * for the generalist base and for every expert.
 *
 * @example
 * ```ts
 * const enc = new ConvEncoder({ channels: [16, 32, 32] });
 * const tokens = enc.forward(images); // images [B, 32, 32] -> [B, 16, 32]
 * ```
 */
export class ConvEncoder extends Module {
  readonly convs: Conv2d[];
  readonly imageSize: number;
  readonly downsample: number;
  readonly strides: number[];
  /** Per-channel mean of the tokens, subtracted on output (0 until {@link calibrate}). */
  readonly outMean: tf.Variable;
  /** Per-channel standard deviation of the tokens, divided out on output (1 until {@link calibrate}). */
  readonly outStd: tf.Variable;

  constructor(readonly options: ConvEncoderOptions) {
    super();
    const { channels } = parseConfig(ConvEncoderOptionsSchema, options, 'conv encoder options');
    this.imageSize = options.imageSize ?? 32;
    this.downsample = options.downsample ?? 1;
    this.strides = options.strides ?? channels.map(() => 2);
    this.convs = this.childList(
      'convs',
      channels.map(
        (c, i) =>
          new Conv2d(i === 0 ? 1 : channels[i - 1], c, 3, { stride: this.strides[i], padding: 'same' }),
      ),
    );
    const out = channels[channels.length - 1];
    this.outMean = this.buffer('outMean', tf.zeros([out]));
    this.outStd = this.buffer('outStd', tf.ones([out]));
  }

  /** Token grid side. */
  get grid(): number {
    return this.imageSize / this.downsample / this.strides.reduce((a, b) => a * b, 1);
  }

  /** Tokens per image. */
  get tokens(): number {
    return this.grid * this.grid;
  }

  /** Token width. */
  get dim(): number {
    return this.options.channels[this.options.channels.length - 1];
  }

  /** images [B, H, W] or [B, H, W, 1] in [0, 1] -> tokens [B, grid², dim] (row-major). */
  forward(images: tf.Tensor): tf.Tensor3D {
    const s = this.imageSize;
    if (!(
      (images.rank === 3 || (images.rank === 4 && images.shape[3] === 1)) &&
      images.shape[1] === s &&
      images.shape[2] === s
    )) {
      throw new Error(
        `ConvEncoder: expected images [B, ${s}, ${s}] or [B, ${s}, ${s}, 1], got [${images.shape}]`,
      );
    }
    return tf.tidy(() => {
      let h: tf.Tensor = images.rank === 3 ? tf.expandDims(images, -1) : images;
      if (this.downsample > 1) h = tf.avgPool(h as tf.Tensor4D, this.downsample, this.downsample, 'valid');
      for (const conv of this.convs) h = tf.relu(conv.forward(h));
      const tokens = tf.reshape(h, [images.shape[0], this.tokens, this.dim]);
      return tf.div(tf.sub(tokens, this.outMean), this.outStd) as tf.Tensor3D;
    });
  }

  /**
   * Sets the output standardisation from a sample of images [N, H, W] so that every token
   * channel has mean 0 and standard deviation 1 over the sample (called once after pretraining,
   * so that encoders trained on different data hand comparable features to the answer models).
   */
  calibrate(images: tf.Tensor): void {
    tf.tidy(() => {
      this.outMean.assign(tf.zeros([this.dim]));
      this.outStd.assign(tf.ones([this.dim]));
      const t = tf.reshape(this.forward(images), [-1, this.dim]);
      const { mean, variance } = tf.moments(t, 0);
      this.outMean.assign(mean);
      this.outStd.assign(tf.maximum(tf.sqrt(variance), 1e-3));
    });
  }

  /** Forward FLOPs per image (2 per multiply-add). */
  flops(): number {
    let side = this.imageSize / this.downsample;
    let cin = 1;
    let total = this.downsample > 1 ? this.imageSize * this.imageSize : 0;
    this.options.channels.forEach((c, i) => {
      side /= this.strides[i];
      total += 2 * side * side * 9 * cin * c;
      cin = c;
    });
    return total;
  }
}
