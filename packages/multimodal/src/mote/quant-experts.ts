import {
  activate,
  binarySTE,
  ExpertBank,
  fanInUniform,
  groupedMatMul,
  int8PerTokenFakeQuant,
  LIMITS,
  parseConfig,
  refineExpertWidth,
  sizeField,
  ternarySTEPerExpert,
  tf,
  type ActivationName,
} from '@moe-zoo/core';
import { z } from 'zod';

/** Low-bit weight formats of routed experts. */
export const ExpertWeightFormatSchema = z.enum(['ternary', 'binary']);
/** Low-bit weight formats of routed experts. */
export type ExpertWeightFormat = z.output<typeof ExpertWeightFormatSchema>;

/** Options of {@link QuantFfnExperts} (strict; `format: 'bogus'` is a `ConfigError` naming `format`). */
export const QuantFfnExpertsOptionsSchema = z
  .strictObject({
    numExperts: sizeField(LIMITS.numExperts),
    dim: sizeField(LIMITS.dim),
    hidden: sizeField(LIMITS.hidden),
    /** 'ternary' (absmean, BitNet b1.58; default) or 'binary' (sign · mean|W|). */
    format: ExpertWeightFormatSchema.default('ternary'),
    activation: z.enum(['gelu', 'relu', 'silu']).default('gelu'),
    /** Activation fake-quant bits per token (default 8). */
    activationBits: z.number().int().min(2).max(16).default(8),
  })
  .superRefine(refineExpertWidth);
/** Options of {@link QuantFfnExperts}. */
export type QuantFfnExpertsOptions = z.input<typeof QuantFfnExpertsOptionsSchema>;

/**
 * E two-layer FFN experts trained quantization-aware (MoTE's routed experts): latent float weights
 * `w1` [E, D, H], `w2` [E, H, D] are used as ternary (absmean, one scale per expert and matrix) or
 * binary values with a straight-through gradient; the inputs of both products are fake-quantized to
 * int8 per token; biases `b1` [E, H], `b2` [E, D] stay float. Parameter names match core's
 * FfnExperts, so core's `upcycle` initialises them from a dense FFN.
 *
 * @example
 * ```ts
 * const bank = new QuantFfnExperts({ numExperts: 4, dim: 48, hidden: 192 });
 * const y = bank.forwardAll(x); // [4, T, 48], each expert with ternary weights
 * ```
 */
export class QuantFfnExperts extends ExpertBank {
  readonly w1: tf.Variable;
  readonly b1: tf.Variable;
  readonly w2: tf.Variable;
  readonly b2: tf.Variable;
  readonly hidden: number;
  readonly format: ExpertWeightFormat;
  readonly activation: ActivationName;
  readonly activationBits: number;

  constructor(options: QuantFfnExpertsOptions) {
    const o = parseConfig(QuantFfnExpertsOptionsSchema, options, 'quantized experts options');
    super(o.numExperts, o.dim);
    this.hidden = o.hidden;
    this.format = o.format;
    this.activation = o.activation;
    this.activationBits = o.activationBits;
    const e = o.numExperts;
    this.w1 = this.param('w1', fanInUniform([e, o.dim, o.hidden], o.dim));
    this.b1 = this.param('b1', tf.zeros([e, o.hidden]));
    this.w2 = this.param('w2', fanInUniform([e, o.hidden, o.dim], o.hidden));
    this.b2 = this.param('b2', tf.zeros([e, o.dim]));
  }

  /** The weight as the forward pass uses it (quantized values, identity gradient to the latent weight). */
  quantized(w: tf.Tensor): tf.Tensor {
    if (this.format === 'ternary') return ternarySTEPerExpert(w);
    return tf.stack(tf.unstack(w).map((we) => binarySTE(we)));
  }

  private act(x: tf.Tensor): tf.Tensor {
    return int8PerTokenFakeQuant(x, this.activationBits);
  }

  forwardAll(x: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const e = this.numExperts;
      const xs = tf.broadcastTo(tf.expandDims(this.act(x), 0), [e, ...x.shape]);
      const h = activate(
        tf.add(tf.matMul(xs, this.quantized(this.w1)), tf.expandDims(this.b1, 1)),
        this.activation,
      );
      return tf.add(
        tf.matMul(this.act(h), this.quantized(this.w2)),
        tf.expandDims(this.b2, 1),
      ) as tf.Tensor3D;
    });
  }

  forwardSorted(x: tf.Tensor2D, sizes: number[]): tf.Tensor2D {
    return tf.tidy(() => {
      const w1 = this.quantized(this.w1) as tf.Tensor3D;
      const w2 = this.quantized(this.w2) as tf.Tensor3D;
      const h = activate(
        groupedMatMul(this.act(x) as tf.Tensor2D, w1, sizes, this.b1 as tf.Tensor2D),
        this.activation,
      );
      return groupedMatMul(this.act(h) as tf.Tensor2D, w2, sizes, this.b2 as tf.Tensor2D);
    });
  }

  paramsPerExpert(): number {
    return 2 * this.dim * this.hidden + this.hidden + this.dim;
  }

  /** Multiply-add FLOPs (2 per MAC) of one expert on one token (counted as for float weights). */
  flopsPerToken(): number {
    return 4 * this.dim * this.hidden;
  }
}
