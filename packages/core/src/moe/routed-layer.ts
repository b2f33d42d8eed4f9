import type { RouterInput } from '../config/moe';
import type { CostReporter } from '../metrics/costs';
import type { FfnSlot, SlotContext } from '../nn/ffn-slot';
import { Module } from '../nn/module';
import { tf } from '../tf';
import { AdaptiveAuxCoefficient, type AdaptiveAuxOptions } from './adaptive-aux';
import { dispatch, type DispatchKind } from './dispatch';
import { assignmentCounts, combineMatrix } from './dispatch/dense';
import type { ExpertBank } from './experts/bank';
import { importanceLoadLoss, sequenceAuxLoss, switchAuxLoss, zLoss } from './losses';
import type { ExpertChoice, RouteResult, Router, TokenChoice } from './routers/router';
import type { MoEAux } from './types';

/** What a routed layer's `route` hook returns: a router's result plus any losses of its own. */
export interface Routing extends RouteResult {
  /** Extra loss terms of the routing (e.g. one balance loss per routing group), already scaled. */
  losses?: Record<string, tf.Scalar>;
}

/** Coefficients of the balancing losses the base adds (0 turns a term off). */
export interface BalanceCoefficients {
  /** Switch/Mixtral aux loss `E · Σ f_i P_i`. */
  aux: number;
  /** Router z-loss (routers with learned scores only). */
  z: number;
  /** CV² of importance and load. */
  cv2: number;
  /** Sequence-level aux loss (needs `ctx.seqLen`). */
  seqAux: number;
  /**
   * Skywork-MoE's adaptive aux coefficient: `aux` is its start, then the layer's drop rate moves
   * it after every step ({@link AdaptiveAuxCoefficient}); absent = `aux` stays fixed.
   */
  adaptiveAux?: Omit<AdaptiveAuxOptions, 'initial'>;
}

/** How a routed layer dispatches and balances. */
export interface RoutedLayerSettings {
  dispatch: DispatchKind;
  /** Capacity factor of `capacity` dispatch. */
  capacityFactor?: number;
  losses: BalanceCoefficients;
  /** What the router reads inside a transformer block (default `normed`, the tokens). */
  routerInput?: RouterInput;
}

/** Disposes each tensor of `made` once, except those in `keep` (the output, the caller's inputs). */
function release(made: readonly (tf.Tensor | undefined)[], keep: ReadonlySet<tf.Tensor | undefined>): void {
  for (const u of new Set(made)) if (u && !keep.has(u) && !u.isDisposed) u.dispose();
}

function tensorsOf(a: TokenChoice | ExpertChoice): tf.Tensor2D[] {
  return a.kind === 'token' ? [a.indices, a.weights] : [a.tokens, a.weights];
}

/** What router replay taps in a routed layer (see {@link RoutedLayer.setRoutingTap}). */
export interface RoutingTap {
  /** The experts [T, k] int32 the next call of `tokens` tokens must use (a new tensor the layer disposes). */
  impose?: (tokens: number) => tf.Tensor2D;
  /** Sees each call's chosen experts (token choice [T, k]; expert choice [E, C]); copy to keep. */
  record?: (indices: tf.Tensor2D, kind: 'token' | 'expert') => void;
}

/**
 * The one skeleton of every layer that routes tokens to experts (MoELayer, MoFME, MoTE, MoIIE's
 * group routers, MoMa's expert-choice groups): route → dispatch → balance losses → aux → disposal.
 * Subclasses own a router (or several) and an {@link ExpertBank} and override only what differs:
 *
 * - `routerInput(x, ctx)`: what the router reads (the tokens, or the block's residual stream
 *   `ctx.residual` with `settings.routerInput: 'residual'`);
 * - `route(input, ctx)`: the assignment (default `this.router.route`; MoIIE: one router per modality);
 * - `expertInput(x)`: what the experts read (default the tokens; MoFME: the shared basenet's output);
 * - `dispatchKind(ctx)`: the dispatch path of a call (default the configured one);
 * - `combine(y, x)`: what is added around the routed output (shared experts, an adaptor);
 * - `balanceLosses(...)`: the default adds the Switch / z / CV² / sequence terms the settings ask for,
 *   none for routers balanced by construction; the route hook may add its own (`Routing.losses`).
 *
 * Padding (`ctx.valid` = 0) counts in no balance loss and no load. Outside `tf.tidy`, `forward`
 * leaves nothing behind but `y` and the aux tensors. Costs (parameters a token skips, FLOPs per
 * token) are reported through {@link CostReporter}.
 *
 * @example
 * ```ts
 * class TinyMoE extends RoutedLayer {
 *   readonly router = this.child('router', new SoftmaxTopKRouter({ dim: 16, numExperts: 4, k: 1 }));
 *   readonly experts = this.child('experts', new FfnExperts({ numExperts: 4, dim: 16, hidden: 32 }));
 *   constructor() {
 *     super(16, { dispatch: 'sorted', losses: { aux: 0.01, z: 0, cv2: 0, seqAux: 0 } });
 *   }
 * }
 * const { y, aux } = new TinyMoE().forward(tf.randomNormal([8, 16]));
 * ```
 */
export abstract class RoutedLayer<C extends SlotContext = SlotContext>
  extends Module
  implements FfnSlot, CostReporter
{
  /** The router, for layers with one (layers with several override `route` and the cost methods). */
  abstract readonly router: Router | undefined;
  abstract readonly experts: ExpertBank;
  /** The adaptive aux coefficient, when `settings.losses.adaptiveAux` asks for one. */
  readonly adaptiveAux: AdaptiveAuxCoefficient | undefined;
  /** Router replay and recording (`recordRouting` / `replayRouting`, moe/routing-replay.ts). */
  private replay: RoutingTap = {};

  constructor(
    readonly dim: number,
    protected readonly settings: RoutedLayerSettings,
  ) {
    super();
    const adaptive = settings.losses.adaptiveAux;
    this.adaptiveAux = adaptive
      ? this.child('adaptiveAux', new AdaptiveAuxCoefficient({ initial: settings.losses.aux, ...adaptive }))
      : undefined;
  }

  /** x [T, dim] or [B, L, dim] -> `{ y, aux }`, y shaped like x. */
  forward(x: tf.Tensor, ctx: C = {} as C): { y: tf.Tensor; aux: MoEAux } {
    const d = this.dim;
    const name = this.constructor.name;
    if (x.shape[x.rank - 1] !== d) {
      throw new Error(`${name}: input last dimension is ${x.shape[x.rank - 1]}, dim is ${d}`);
    }
    const x2 = tf.reshape(x, [-1, d]) as tf.Tensor2D;
    const t = x2.shape[0];
    if (ctx.valid && ctx.valid.size !== t) {
      x2.dispose();
      throw new Error(`${name}: ctx.valid has ${ctx.valid.size} entries for ${t} tokens`);
    }
    const context: C = ctx.seqLen === undefined && x.rank === 3 ? { ...ctx, seqLen: x.shape[1] } : ctx;
    const made: (tf.Tensor | undefined)[] = [x2];
    try {
      return this.run(x, x2, context, made);
    } catch (e) {
      release(made, new Set([x, context.residual, context.routerState]));
      throw e;
    }
  }

  /**
   * Sets (or with `{}` clears) what router replay taps: `impose(tokens)` gives the experts [T, k]
   * this call must use, `record(indices)` sees each call's chosen experts. Used by
   * `recordRouting` / `replayRouting`; a layer whose routing cannot be imposed throws.
   */
  setRoutingTap(tap: RoutingTap): void {
    this.replay = tap;
  }

  /** The current router replay tap (`{}` when none). */
  get routingTap(): RoutingTap {
    return this.replay;
  }

  private run(
    x: tf.Tensor,
    x2: tf.Tensor2D,
    ctx: C,
    made: (tf.Tensor | undefined)[],
  ): { y: tf.Tensor; aux: MoEAux } {
    const imposed = this.replay.impose?.(x2.shape[0]);
    made.push(imposed);
    const context: C = imposed ? { ...ctx, imposedRouting: imposed } : ctx;
    const routerIn = this.routerInput(x2, context);
    made.push(routerIn);
    const route = tf.tidy(
      () => this.route(routerIn, context) as unknown as tf.TensorContainer,
    ) as unknown as Routing;
    if (imposed && (route.assignment.kind !== 'token' || route.assignment.indices !== imposed)) {
      made.push(route.logits, route.probs, route.smoothLoad, route.state, ...tensorsOf(route.assignment));
      throw new Error(
        `${this.constructor.name}: its routing cannot be imposed (router replay needs a token-choice top-k router ` +
          `that the layer calls through route(); ${this.router?.constructor.name ?? 'no router'} did not use it)`,
      );
    }
    made.push(route.logits, route.probs, route.smoothLoad, route.state, ...tensorsOf(route.assignment));
    made.push(...Object.values(route.losses ?? {}));
    const expertIn = tf.tidy(() => this.expertInput(x2));
    made.push(expertIn);
    const out = dispatch(this.dispatchKind(context), {
      x: expertIn,
      assignment: route.assignment,
      experts: this.experts,
      capacityFactor: this.settings.capacityFactor,
    });
    made.push(out.y, out.counts, out.dropped);
    if (this.adaptiveAux && this.training) {
      this.adaptiveAux.record(out.dropped, tensorsOf(route.assignment)[0].size);
    }
    const y = tf.tidy(() => this.combine(out.y, x2));
    made.push(y);
    const counts = context.valid
      ? assignmentCounts(route.assignment, this.experts.numExperts, context.valid)
      : out.counts;
    made.push(counts);
    const losses = tf.tidy(() => ({
      ...this.balanceLosses(route, counts, context),
      ...(route.losses ?? {}),
    }));
    const shaped = tf.reshape(y, x.shape);
    const indices = route.assignment.kind === 'token' ? route.assignment.indices : route.assignment.tokens;
    this.replay.record?.(indices, route.assignment.kind);
    const aux: MoEAux = { losses, counts, probs: route.probs, dropped: out.dropped, indices };
    if (context.valid) aux.valid = tf.clone(context.valid);
    if (route.state) aux.routerState = route.state;
    const keep = new Set<tf.Tensor>([
      shaped,
      counts,
      route.probs,
      out.dropped,
      indices,
      ...(route.state ? [route.state] : []),
      ...Object.values(losses),
    ]);
    release(made, new Set([...keep, x, context.residual, context.routerState]));
    return { y: shaped, aux };
  }

  /** What the router reads: the tokens [T, dim], or `ctx.residual` when configured and given. */
  protected routerInput(x: tf.Tensor2D, ctx: C): tf.Tensor2D {
    const r = ctx.residual;
    if (this.settings.routerInput !== 'residual' || !r) return x;
    if (r.size !== x.size) {
      throw new Error(
        `${this.constructor.name}: router input [${r.shape}] does not match the tokens [${x.shape}]`,
      );
    }
    return r.rank === 2 ? r : (tf.reshape(r, x.shape) as tf.Tensor2D);
  }

  /** The routing of the tokens; runs inside `tf.tidy`, so only the returned tensors survive. */
  protected route(input: tf.Tensor2D, ctx: C): Routing {
    if (!this.router) throw new Error(`${this.constructor.name}: no router; override route()`);
    return this.router.route(input, {
      tokenIds: ctx.tokenIds,
      valid: ctx.valid,
      state: ctx.routerState,
      imposed: ctx.imposedRouting,
    });
  }

  /** The dispatch path of this call: the configured one by default. */
  protected dispatchKind(_ctx: C): DispatchKind {
    return this.settings.dispatch;
  }

  /** What the experts read: the tokens [T, dim] by default. Runs inside `tf.tidy`. */
  protected expertInput(x: tf.Tensor2D): tf.Tensor2D {
    return x;
  }

  /** The layer's output from the routed experts' mix `y` [T, D] and the tokens `x`. Runs inside `tf.tidy`. */
  protected combine(y: tf.Tensor2D, _x: tf.Tensor2D): tf.Tensor2D {
    return y;
  }

  /**
   * The balancing terms the settings ask for, scaled by their coefficients. Runs inside `tf.tidy`.
   * `counts` counts real tokens only when `ctx.valid` marks padding.
   */
  protected balanceLosses(route: Routing, counts: tf.Tensor1D, ctx: C): Record<string, tf.Scalar> {
    const coef = this.settings.losses;
    const router = this.router;
    const balanced = router?.selfBalanced ?? false;
    const { probs, logits, assignment } = route;
    const out: Record<string, tf.Scalar> = {};
    const auxCoef = this.adaptiveAux?.value ?? coef.aux;
    if ((coef.aux > 0 || this.adaptiveAux) && !balanced) {
      out.aux = tf.mul(auxCoef, switchAuxLoss(probs, counts, ctx.valid));
    }
    if (coef.z > 0 && (router?.countParams() ?? 1) > 0) out.z = tf.mul(coef.z, zLoss(logits));
    if (coef.cv2 > 0 && !balanced) {
      const gates = combineMatrix(assignment, probs.shape[0], probs.shape[1]);
      out.cv2 = tf.mul(coef.cv2, importanceLoadLoss(gates, route.smoothLoad ?? counts));
    }
    if (coef.seqAux > 0 && !balanced && assignment.kind === 'token' && ctx.seqLen !== undefined) {
      out.seqAux = tf.mul(coef.seqAux, sequenceAuxLoss(probs, assignment.indices, ctx.seqLen));
    }
    return out;
  }

  /** Routed experts each token runs on average (the router's k, or its capacity factor). */
  expertsPerToken(): number {
    if (!this.router) throw new Error(`${this.constructor.name}: no router; override expertsPerToken()`);
    return this.router.expertsPerToken();
  }

  /** Parameters one token leaves unused: the routed experts it does not run. */
  inactiveParams(): number {
    return (this.experts.numExperts - this.expertsPerToken()) * this.experts.paramsPerExpert();
  }

  /** Parameters one token uses. */
  activeParams(): number {
    return this.countParams() - this.inactiveParams();
  }

  /** Forward FLOPs per token (2 per multiply-add): the router and the experts a token runs. */
  flopsPerToken(): number {
    const router = this.router?.flopsPerToken() ?? 0;
    return router + this.expertsPerToken() * this.experts.flopsPerToken();
  }
}
