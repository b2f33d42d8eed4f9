import type { ExpertBank } from '../moe/experts/bank';
import type { MoELayer } from '../moe/layer';
import { RoutedLayer, type RoutedLayerSettings } from '../moe/routed-layer';
import type { Router } from '../moe/routers';
import type { SlotContext } from '../nn/ffn-slot';
import { tf } from '../tf';
import { copyRouter, copySharedExperts, copyState } from './layer-parts';

/**
 * A trained {@link MoELayer} with its routed bank replaced by a compressed one (subspace-merged
 * experts, Li et al. 2025, arXiv:2506.23266; compressed experts, He et al. 2025,
 * arXiv:2503.00634): copies of the source's router and shared experts (own variables, same
 * weights) around `experts`, with the source's dispatch and balancing settings unless `settings`
 * overrides them. The routing is the source's; a `FfnSlot` like the source.
 *
 * @example
 * ```ts
 * const layer = new RebankedMoELayer(moe, await lowRankExperts(moe.experts as FfnExperts, 8));
 * const { y } = layer.forward(x);
 * ```
 */
export class RebankedMoELayer extends RoutedLayer<SlotContext> {
  readonly router: Router;
  readonly experts: ExpertBank;
  readonly shared: ExpertBank | undefined;

  constructor(source: MoELayer, experts: ExpertBank, settings: Partial<RoutedLayerSettings> = {}) {
    const c = source.config;
    if (experts.dim !== c.dim) {
      throw new Error(`RebankedMoELayer: the bank's dim is ${experts.dim}, the layer's ${c.dim}`);
    }
    super(c.dim, {
      dispatch: c.dispatch,
      capacityFactor: c.capacityFactor,
      losses: c.losses,
      routerInput: c.routerInput,
      ...settings,
    });
    this.router = this.child('router', copyRouter(source));
    this.experts = this.child('experts', experts);
    const shared = copySharedExperts(source);
    this.shared = shared ? this.child('shared', shared) : undefined;
    if (this.adaptiveAux && source.adaptiveAux) copyState(this.adaptiveAux, source.adaptiveAux);
    this.train(source.training);
  }

  protected override combine(y: tf.Tensor2D, x: tf.Tensor2D): tf.Tensor2D {
    return this.shared ? (tf.add(y, tf.sum(this.shared.forwardAll(x), 0)) as tf.Tensor2D) : y;
  }

  /** FLOPs per token: the router, the routed experts a token runs and the shared experts. */
  override flopsPerToken(): number {
    const shared = this.shared ? this.shared.numExperts * this.shared.flopsPerToken() : 0;
    return super.flopsPerToken() + shared;
  }
}
