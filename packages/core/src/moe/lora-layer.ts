import type { GeluFFN } from '../nn/ffn';
import { tf } from '../tf';
import { LoraExperts } from './experts/lora-bank';
import { RoutedLayer, type RoutedLayerSettings } from './routed-layer';
import type { DenseFfnWeights } from './upcycle';

/** The sizes every LoRA-expert layer shares (its config's common fields). */
export interface LoraLayerSizes {
  dim: number;
  hidden: number;
  numExperts: number;
  rank: number;
  alpha?: number;
}

/**
 * What MixLoRA's and DynMoLE's layers share: LoRA experts over one frozen FFN
 * ({@link LoraExperts}), the frozen FFN's output added once around the routed updates
 * (`FFN(x) + Σ w_e (FFN_e(x) - FFN(x))`), the trained FFN loaded with {@link loadBase}, and its
 * FLOPs counted once. Subclasses bring the router and the losses.
 */
export abstract class LoraRoutedLayer extends RoutedLayer {
  readonly experts: LoraExperts;

  protected constructor(sizes: LoraLayerSizes, settings: RoutedLayerSettings) {
    super(sizes.dim, settings);
    const { numExperts, dim, hidden, rank, alpha } = sizes;
    this.experts = this.child('experts', new LoraExperts({ numExperts, dim, hidden, rank, alpha }));
  }

  /** Copies the trained dense FFN into the frozen base. */
  loadBase(ffn: GeluFFN | DenseFfnWeights): void {
    this.experts.loadBase(ffn);
  }

  /** The frozen FFN's output plus the routed experts' weighted updates. */
  protected override combine(y: tf.Tensor2D, x: tf.Tensor2D): tf.Tensor2D {
    return tf.add(y, this.experts.baseForward(x)) as tf.Tensor2D;
  }

  /** The router and the routed experts (the base's count) plus the frozen FFN once. */
  override flopsPerToken(): number {
    return super.flopsPerToken() + 4 * this.dim * this.experts.hidden;
  }
}
