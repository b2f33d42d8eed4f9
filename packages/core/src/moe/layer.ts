import { MoELayerConfig, MoELayerConfigInput, MoELayerConfigSchema } from '../config/moe';
import { parseConfig } from '../config/parse';
import type { SlotContext } from '../nn/ffn-slot';
import { tf } from '../tf';
import type { ExpertBank } from './experts/bank';
import { FfnExperts } from './experts/ffn-bank';
import { MpoExperts } from './experts/mpo-bank';
import { SwiGluExperts } from './experts/swiglu-bank';
import { topkIndices } from './ops';
import { RoutedLayer, type Routing } from './routed-layer';
import { createRouter, Router, type SharedRouterParts } from './routers';

/** Per-call options of {@link MoELayer.forward}: the slot context plus SCMoE's weak path. */
export interface MoEForwardOptions extends SlotContext {
  /**
   * SCMoE's weak path: route every token only to its rank-r expert (0-based) with weight 1.
   * Only for token-choice routers.
   */
  rankOverride?: number;
}

function buildExperts(c: MoELayerConfig, numExperts: number, hidden: number): ExpertBank {
  if (c.expert === 'swiglu') return new SwiGluExperts({ numExperts, dim: c.dim, hidden });
  if (c.expert === 'mpo')
    return new MpoExperts({ numExperts, dim: c.dim, hidden, activation: c.activation, ...c.mpo });
  return new FfnExperts({ numExperts, dim: c.dim, hidden, activation: c.activation });
}

/**
 * A Mixture-of-Experts FFN layer built from a zod-validated config: a router, a bank of routed
 * experts with stacked weights, optional always-on shared experts, and one of three dispatch
 * paths. `forward` returns `{ y, aux }`; `aux.losses` holds the balancing terms already scaled
 * by their coefficients — the trainer adds them, so balancing is on unless set to 0.
 *
 * @example
 * ```ts
 * const moe = new MoELayer({ dim: 64, hidden: 128, numExperts: 8, topK: 2, dispatch: 'sorted' });
 * const { y, aux } = moe.forward(x);          // x [T, 64] or [B, L, 64]
 * const balance = aux.losses.aux;             // 0.01 · E · Σ f_i P_i
 * ```
 */
export class MoELayer extends RoutedLayer<MoEForwardOptions> {
  readonly config: MoELayerConfig;
  readonly router: Router;
  readonly experts: ExpertBank;
  readonly shared: ExpertBank | undefined;

  /**
   * @param config the layer's settings
   * @param shared router parts the model shares across its layers (RMoE's GRU cell), not owned here
   */
  constructor(config: MoELayerConfigInput, shared: SharedRouterParts = {}) {
    const c = parseConfig(MoELayerConfigSchema, config, 'moe layer config');
    super(c.dim, {
      dispatch: c.dispatch,
      capacityFactor: c.capacityFactor,
      losses: c.losses,
      routerInput: c.routerInput,
    });
    this.config = c;
    this.router = this.child('router', createRouter(c.router, c.dim, c.numExperts, c.topK, shared));
    this.experts = this.child('experts', buildExperts(c, c.numExperts, c.hidden));
    this.shared =
      c.sharedExperts > 0
        ? this.child('shared', buildExperts(c, c.sharedExperts, c.sharedHidden ?? c.hidden))
        : undefined;
  }

  protected override route(input: tf.Tensor2D, ctx: MoEForwardOptions): Routing {
    const route = super.route(input, ctx);
    if (ctx.rankOverride === undefined) return route;
    const rank = ctx.rankOverride;
    const e = this.config.numExperts;
    if (!Number.isInteger(rank) || rank < 0 || rank >= e) {
      throw new Error(`MoELayer: rankOverride must be an integer in [0, ${e}), got ${rank}`);
    }
    const ranked = topkIndices(route.probs, rank + 1);
    const indices = tf.slice(ranked, [0, rank], [-1, 1]) as tf.Tensor2D;
    return { ...route, assignment: { kind: 'token', indices, weights: tf.ones(indices.shape) } };
  }

  protected override combine(y: tf.Tensor2D, x: tf.Tensor2D): tf.Tensor2D {
    return this.shared ? (tf.add(y, tf.sum(this.shared.forwardAll(x), 0)) as tf.Tensor2D) : y;
  }

  /** FLOPs per token of the sparse paths (router + k experts + shared experts). */
  override flopsPerToken(): number {
    const shared = this.shared ? this.shared.numExperts * this.shared.flopsPerToken() : 0;
    return super.flopsPerToken() + shared;
  }
}
