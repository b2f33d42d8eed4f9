import {
  GeluFFN,
  LIMITS,
  MoELossConfigSchema,
  MoESlotOptionsSchema,
  moduleCosts,
  parseConfig,
  refineExpertWidth,
  RoutedLayer,
  sizeField,
  SoftmaxTopKRouter,
  tf,
} from '@moe-zoo/core';
import { z } from 'zod';
import { floatExpertBytes, quantBankBytes } from './memory';
import { QuantFfnExperts } from './quant-experts';

/**
 * A MoTE layer's settings without `dim` (what a model's FFN-slot config holds; the model fills in
 * `dim`): core's MoE slot options it uses (expert width, count, activation, dispatch) plus the
 * low-bit format and the Switch coefficient.
 */
export const MoTESlotOptionsSchema = MoESlotOptionsSchema.pick({
  hidden: true,
  numExperts: true,
  activation: true,
  dispatch: true,
  capacityFactor: true,
}).extend({
  /** 'ternary' (absmean, BitNet b1.58; default) or 'binary' routed experts. */
  format: z.enum(['ternary', 'binary']).default('ternary'),
  /** Switch balance-loss coefficient (default 0.01, as MoE-LLaVA). */
  aux: MoELossConfigSchema.shape.aux,
});
export type MoTESlotOptionsInput = z.input<typeof MoTESlotOptionsSchema>;

/** Config of {@link MoTELayer}: the {@link MoTESlotOptionsSchema slot options} plus the model width. */
export const MoTELayerConfigSchema = MoTESlotOptionsSchema.extend({
  dim: sizeField(LIMITS.dim),
}).superRefine(refineExpertWidth);
export type MoTELayerConfig = z.output<typeof MoTELayerConfigSchema>;
export type MoTELayerConfigInput = z.input<typeof MoTELayerConfigSchema>;

/**
 * A MoTE layer: `y = FFN_shared(x) + g_i*(x) · TFFN_i*(x)` — a frozen full-precision shared FFN
 * (the dense model's FFN) plus top-1 routed ternary (or binary) experts, `g` the top-1 softmax
 * probability (not renormalised, so the router keeps a gradient). A core `RoutedLayer`: router =
 * softmax top-1, experts = {@link QuantFfnExperts}, `combine` adds the shared FFN, Switch loss
 * `aux` (padding marked by `ctx.valid` left out). Children `shared` (frozen GeluFFN), `router`,
 * `experts`. `shared`, `hidden` and the `hidden` of every routed expert are the same width.
 *
 * @example
 * ```ts
 * const mote = new MoTELayer({ dim: 48, hidden: 192, numExperts: 4 });
 * mote.loadShared(denseFfn); // copies and freezes the shared expert
 * const { y, aux } = mote.forward(x);
 * ```
 */
export class MoTELayer extends RoutedLayer {
  readonly config: MoTELayerConfig;
  readonly shared: GeluFFN;
  readonly router: SoftmaxTopKRouter;
  readonly experts: QuantFfnExperts;

  constructor(config: MoTELayerConfigInput) {
    const c = parseConfig(MoTELayerConfigSchema, config, 'MoTE layer config');
    super(c.dim, {
      dispatch: c.dispatch,
      capacityFactor: c.capacityFactor,
      losses: { aux: c.aux, z: 0, cv2: 0, seqAux: 0 },
    });
    this.config = c;
    this.shared = this.child('shared', new GeluFFN(c.dim, c.hidden));
    this.shared.setTrainable(false);
    this.router = this.child(
      'router',
      new SoftmaxTopKRouter({ dim: c.dim, numExperts: c.numExperts, k: 1, normalize: false }),
    );
    this.experts = this.child(
      'experts',
      new QuantFfnExperts({
        numExperts: c.numExperts,
        dim: c.dim,
        hidden: c.hidden,
        format: c.format,
        activation: c.activation,
      }),
    );
  }

  /** Copies a dense FFN into the shared expert and keeps it frozen. */
  loadShared(ffn: GeluFFN): void {
    if (ffn.dim !== this.config.dim || ffn.hidden !== this.config.hidden) {
      throw new Error(
        `MoTELayer.loadShared: FFN is ${ffn.dim}→${ffn.hidden}, the layer needs ${this.config.dim}→${this.config.hidden}`,
      );
    }
    this.shared.loadStateDict(ffn.stateDict());
    this.shared.setTrainable(false);
  }

  /** The frozen shared FFN plus the routed experts' mix. */
  protected override combine(y: tf.Tensor2D, x: tf.Tensor2D): tf.Tensor2D {
    return tf.add(this.shared.forward(x), y) as tf.Tensor2D;
  }

  /** FLOPs per token: shared FFN, router, one routed expert. */
  override flopsPerToken(): number {
    return moduleCosts(this.shared).flopsPerToken + super.flopsPerToken();
  }

  /** Expert memory in bytes: the float32 shared FFN plus the packed low-bit routed experts. */
  expertBytes(): number {
    return floatExpertBytes(1, this.config.dim, this.config.hidden) + quantBankBytes(this.experts);
  }
}
