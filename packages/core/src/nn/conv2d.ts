import { tf } from '../tf';
import { fanInUniform } from './init';
import { Module } from './module';

/** Options of {@link Conv2d}. */
export interface Conv2dOptions {
  /** Stride, one number or [strideH, strideW] (default 1). */
  stride?: number | [number, number];
  /** 'valid' (no padding, default) or 'same' (output size ceil(input / stride)). */
  padding?: 'same' | 'valid';
  /** Add a learned bias (default true). */
  bias?: boolean;
}

/**
 * 2-D convolution on NHWC input ([B, H, W, in] or [H, W, in]) with `weight` [kh, kw, in, out]
 * and optional `bias` [out], initialised Uniform(-1/sqrt(fanIn), 1/sqrt(fanIn)) with
 * fanIn = kh * kw * in, as in PyTorch.
 *
 * @example
 * ```ts
 * const conv = new Conv2d(1, 8, 3, { padding: 'same' });
 * const y = conv.forward(tf.zeros([2, 28, 28, 1])); // [2, 28, 28, 8]
 * ```
 */
export class Conv2d extends Module {
  readonly weight: tf.Variable;
  readonly bias?: tf.Variable;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: 'same' | 'valid';

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: number | [number, number],
    { stride = 1, padding = 'valid', bias = true }: Conv2dOptions = {},
  ) {
    super();
    this.kernelSize = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
    this.stride = typeof stride === 'number' ? [stride, stride] : stride;
    this.padding = padding;
    const [kh, kw] = this.kernelSize;
    const fanIn = kh * kw * inChannels;
    this.weight = this.param('weight', fanInUniform([kh, kw, inChannels, outChannels], fanIn));
    if (bias) this.bias = this.param('bias', fanInUniform([outChannels], fanIn));
  }

  forward(x: tf.Tensor): tf.Tensor {
    if ((x.rank !== 3 && x.rank !== 4) || x.shape[x.rank - 1] !== this.inChannels) {
      throw new Error(
        `Conv2d: expected NHWC input [B, H, W, ${this.inChannels}] or [H, W, ${this.inChannels}], got [${x.shape}]`,
      );
    }
    return tf.tidy(() => {
      const y = tf.conv2d(x as tf.Tensor4D, this.weight as tf.Tensor4D, this.stride, this.padding);
      return this.bias ? tf.add(y, this.bias) : y;
    });
  }
}
