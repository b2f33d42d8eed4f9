import {
  DuoFfnConfigSchema,
  type DuoFfnConfig,
  type DuoFfnConfigInput,
  type DuoRouting,
} from '../../config/duo';
import { parseConfig } from '../../config/parse';
import type { SlotContext } from '../../nn/ffn-slot';
import { tf } from '../../tf';
import { RoutedLayer, type Routing } from '../routed-layer';
import { DuoExperts } from './experts';
import { DUO_BIG, DUO_SKIP, DUO_SMALL } from './patterns';
import { DuoRouter } from './router';

/**
 * Duo-LLM's FFN slot (Alizadeh et al. 2024, "Duo-LLM: A Framework for Studying Adaptive
 * Computation in Large Language Models", arXiv 2410.10846): a small and a big FFN module beside
 * skip, one of the three per token (or per sequence, `routeBy: 'sequence'`), chosen by
 * {@link DuoRouter}. A routed layer like any other: a router over three "experts" of different
 * sizes ({@link DuoExperts}, expert 0 the zero output of skip), returning `{ y, aux }`.
 *
 * The paper's three stages map onto it: train the model with `routing: 'random'` (every module
 * and every pattern seen), search the best patterns with an oracle that imposes choices (`duoOracle`;
 * any caller can impose per-token choices [T, 1] through `ctx.imposedRouting` or router replay),
 * then `setRouting('learned')` and train the routers alone with the compute penalty
 * `losses.compute · mean_t Σ_c p_tc · cost_c` (cost: FLOPs relative to the big module).
 * Costs: a token runs at most one module, so the big path is what `flopsPerToken` and the active
 * parameters report (an upper bound); the measured share is the caller's (`patternCompute`).
 *
 * @example
 * ```ts
 * const duo = new DuoFfn({ dim: 32, smallHidden: 16, bigHidden: 64, routing: 'random' });
 * const { y, aux } = duo.forward(x);                  // aux.indices [T, 1]: 0 skip, 1 small, 2 big
 * const big = duo.forward(x, { imposedRouting: tf.fill([x.shape[0], 1], DUO_BIG, 'int32') as tf.Tensor2D });
 * duo.setRouting('learned');                          // stage 3: train the router
 * ```
 */
export class DuoFfn extends RoutedLayer {
  readonly config: DuoFfnConfig;
  readonly router: DuoRouter;
  readonly experts: DuoExperts;

  constructor(config: DuoFfnConfigInput) {
    const c = parseConfig(DuoFfnConfigSchema, config, 'Duo FFN config');
    super(c.dim, { dispatch: c.dispatch, losses: { aux: 0, z: 0, cv2: 0, seqAux: 0 } });
    this.config = c;
    this.router = this.child(
      'router',
      new DuoRouter({ dim: c.dim, routeBy: c.routeBy, routing: c.routing, randomProbs: c.randomProbs }),
    );
    this.experts = this.child(
      'experts',
      new DuoExperts({ dim: c.dim, smallHidden: c.smallHidden, bigHidden: c.bigHidden }),
    );
  }

  /** The current routing: `learned` (the router) or `random` (draws from `randomProbs`). */
  get routing(): DuoRouting {
    return this.router.mode;
  }

  /** Switches between random routing (training the modules) and the learned router. */
  setRouting(mode: DuoRouting): void {
    this.router.mode = mode;
  }

  /** FLOPs per token of skip, small and big (skip: 0). */
  choiceFlops(): readonly [number, number, number] {
    const e = this.experts;
    return [e.flopsOf(DUO_SKIP), e.flopsOf(DUO_SMALL), e.flopsOf(DUO_BIG)];
  }

  protected override route(input: tf.Tensor2D, ctx: SlotContext): Routing {
    return this.router.route(input, {
      valid: ctx.valid,
      imposed: ctx.imposedRouting,
      seqLen: ctx.seqLen,
    });
  }

  /** The learned router's compute penalty (no balance loss: the choices are not meant to be even). */
  protected override balanceLosses(
    route: Routing,
    _counts: tf.Tensor1D,
    ctx: SlotContext,
  ): Record<string, tf.Scalar> {
    const lambda = this.config.losses.compute;
    if (lambda === 0 || this.routing === 'random') return {};
    const flops = this.choiceFlops();
    const cost = tf.tensor1d(flops.map((f) => f / flops[DUO_BIG]));
    const perToken = tf.sum(tf.mul(route.probs, cost), -1);
    const expected = ctx.valid
      ? tf.div(tf.sum(tf.mul(perToken, ctx.valid)), tf.maximum(tf.sum(ctx.valid), 1))
      : tf.mean(perToken);
    return { compute: tf.mul(lambda, expected) as tf.Scalar };
  }

  /** One module per token at most: the small one is never used beside the big one. */
  override inactiveParams(): number {
    return this.experts.paramsOf(DUO_SMALL);
  }

  /** The router and the big module (the most a token can spend). */
  override flopsPerToken(): number {
    return this.router.flopsPerToken() + this.experts.flopsOf(DUO_BIG);
  }
}
