import {
  countAssignments,
  FfnExperts,
  gelu,
  LIMITS,
  Linear,
  Module,
  moduleCosts,
  normalizeRows,
  parseConfig,
  refineExpertWidth,
  refineTopK,
  sizeField,
  SoftmaxTopKRouter,
  switchAuxLoss,
  tf,
  topkIndices,
  type CostReporter,
  type MoEAux,
} from '@moe-zoo/core';
import { z } from 'zod';

/**
 * A bottleneck adapter `up(gelu(down(x)))`, dim → hidden → dim, with the up-projection
 * zero-initialised so a fresh adapter leaves the frozen backbone unchanged. The dense baselines
 * ("one adapter per rate", "one adapter for all rates") use it.
 */
export class BottleneckAdapter extends Module {
  readonly down: Linear;
  readonly up: Linear;

  constructor(
    readonly dim: number,
    readonly hidden: number,
  ) {
    super();
    this.down = this.child('down', new Linear(dim, hidden));
    this.up = this.child('up', new Linear(hidden, dim, { zeroInit: true }));
  }

  /** x [T, dim] → [T, dim]. */
  forward(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.up.forward(gelu(this.down.forward(x))) as tf.Tensor2D);
  }
}

/** Options of {@link MomeAdapter} (strict; sizes bounded; `topK` at most `numExperts`). */
export const MomeAdapterOptionsSchema = z
  .strictObject({
    dim: sizeField(LIMITS.dim),
    /** Routed bottleneck experts. */
    numExperts: sizeField(LIMITS.numExperts),
    topK: sizeField(LIMITS.numExperts),
    /** Bottleneck width of each routed expert. */
    hidden: sizeField(LIMITS.hidden),
    /** Bottleneck width of the always-on shared expert (0 = none). */
    sharedHidden: sizeField(LIMITS.hidden, 0),
    /**
     * Rate keys with their own router (the "per-rate routers" ablation); omitted = one router
     * shared by every rate (MoME).
     */
    perRateRouters: z.array(z.string().max(64)).max(256).readonly().optional(),
    /** Coefficient of the Switch load-balancing loss (default 0.01). */
    auxLoss: z.number().min(0).optional(),
  })
  .superRefine(refineTopK)
  .superRefine(refineExpertWidth);
/** Options of {@link MomeAdapter}. */
export type MomeAdapterOptions = z.input<typeof MomeAdapterOptionsSchema>;

/**
 * The MoME module (Cappellazzo et al. 2025): top-k routed bottleneck-adapter experts plus an
 * always-on shared expert, `y = shared(x) + Σ_{i ∈ topk(softmax(x W_r))} g_i E_i(x)` with the k
 * gates renormalised, and ONE router used at every compression rate, so a compressed token and
 * the tokens it pools can pick the same experts. Up-projections start at zero. Returns core's
 * `MoEAux` (Switch balance loss).
 *
 * The experts are stored as core's `FfnExperts` ([E, D, H] / [E, H, D]) but run as two plain
 * matrix products over the concatenated bottlenecks (D → E·H, gate, E·H → D): exact dense
 * dispatch, and much faster on wasm than E batched products of tiny experts (which is why it is
 * not a core `RoutedLayer`, whose dispatch runs the expert bank). Its costs are reported through
 * core's `CostReporter` (`moduleCosts`).
 */
export class MomeAdapter extends Module implements CostReporter {
  readonly experts: FfnExperts;
  readonly shared: BottleneckAdapter | undefined;
  readonly routers: SoftmaxTopKRouter[];
  readonly options: MomeAdapterOptions;
  private readonly routerOf: Map<string, number> | undefined;

  constructor(options: MomeAdapterOptions) {
    super();
    const o = parseConfig(MomeAdapterOptionsSchema, options, 'MoME adapter options');
    this.options = o;
    this.experts = this.child(
      'experts',
      new FfnExperts({ numExperts: o.numExperts, dim: o.dim, hidden: o.hidden, activation: 'gelu' }),
    );
    this.experts.w2.assign(tf.zerosLike(this.experts.w2));
    this.shared =
      o.sharedHidden > 0 ? this.child('shared', new BottleneckAdapter(o.dim, o.sharedHidden)) : undefined;
    const keys = o.perRateRouters;
    this.routerOf = keys ? new Map(keys.map((k, i) => [k, i])) : undefined;
    this.routers = this.childList(
      'routers',
      Array.from(
        { length: keys ? keys.length : 1 },
        () => new SoftmaxTopKRouter({ dim: o.dim, numExperts: o.numExperts, k: o.topK }),
      ),
    );
  }

  /** The router used at `rateKey`. */
  routerFor(rateKey: string): SoftmaxTopKRouter {
    if (!this.routerOf) return this.routers[0];
    const i = this.routerOf.get(rateKey);
    if (i === undefined)
      throw new Error(
        `MomeAdapter: no router for rate ${rateKey} (has ${[...this.routerOf.keys()].join(', ')})`,
      );
    return this.routers[i];
  }

  /** x [T, dim] at the given rate → `{ y [T, dim], aux }`. */
  forward(x: tf.Tensor2D, rateKey: string): { y: tf.Tensor2D; aux: MoEAux } {
    const { numExperts: e, topK: k, hidden } = this.options;
    const t = x.shape[0];
    const router = this.routerFor(rateKey);
    const probs = tf.tidy(() => tf.softmax(tf.matMul(x, router.weight)) as tf.Tensor2D);
    const indices = topkIndices(probs, k);
    const counts = countAssignments(indices, e);
    const y = tf.tidy(() => {
      // [T, E], constant. The one-hots times a float 1, so that they are float32 on every backend:
      // webgpu sums int32 wrongly (architecture.md section 3), and wasm's one-hot ignores a dtype.
      const mask = tf.sum(tf.mul(tf.oneHot(indices, e), tf.scalar(1, 'float32')), 1);
      const gates = normalizeRows(tf.mul(probs, mask) as tf.Tensor2D); // renormalised top-k
      const d = this.options.dim;
      const w1 = tf.reshape(tf.transpose(this.experts.w1, [1, 0, 2]), [d, e * hidden]);
      const h = gelu(tf.add(tf.matMul(x, w1), tf.reshape(this.experts.b1, [e * hidden])));
      const gated = tf.reshape(tf.mul(tf.reshape(h, [t, e, hidden]), tf.expandDims(gates, -1)), [
        t,
        e * hidden,
      ]);
      const w2 = tf.reshape(this.experts.w2, [e * hidden, d]);
      let out = tf.add(tf.matMul(gated, w2), tf.matMul(gates, this.experts.b2));
      if (this.shared) out = tf.add(out, this.shared.forward(x));
      return out as tf.Tensor2D;
    });
    const coef = this.options.auxLoss ?? 0.01;
    const losses: Record<string, tf.Scalar> =
      coef > 0 ? { aux: tf.mul(coef, switchAuxLoss(probs, counts)) as tf.Scalar } : {};
    return { y, aux: { losses, counts, probs, dropped: tf.scalar(0), indices } };
  }

  /**
   * Parameters one token leaves unused: the routed experts it does not pick and the routers of
   * other rates (it uses one router, k routed experts and the shared expert).
   */
  inactiveParams(): number {
    const router = this.routers[0].countParams();
    const shared = this.shared ? this.shared.countParams() : 0;
    return this.countParams() - (router + this.options.topK * this.experts.paramsPerExpert() + shared);
  }

  /** FLOPs per token: router, k routed experts, shared expert (the sparse count). */
  flopsPerToken(): number {
    const shared = this.shared ? moduleCosts(this.shared).flopsPerToken : 0;
    return this.routers[0].flopsPerToken() + this.options.topK * this.experts.flopsPerToken() + shared;
  }
}
