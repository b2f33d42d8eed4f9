import {
  assignmentTensors,
  createRouter,
  disposeExcept,
  routeTidy,
  dispatch,
  ExpertBank,
  fanInUniform,
  gelu,
  GeluFFN,
  Linear,
  Module,
  parseConfig,
  refineTopK,
  RouterConfigSchema,
  switchAuxLoss,
  tf,
  type MoEAux,
  type ResidualReadingFfn,
  type Router,
} from '@moe-zoo/core';
import { z } from 'zod';

/** How a feature-modulated expert computes gamma and beta. */
export type Modulation = 'linear' | 'vector';

/** Options of {@link FiLMExperts}. */
export interface FiLMExpertsOptions {
  numExperts: number;
  dim: number;
  /**
   * `linear` (the released code): gamma_e(u) = u Wg_e + bg_e, beta_e(u) = u Wb_e + bb_e, each
   * Linear(D -> D). `vector` (the paper figure): gamma_e, beta_e in R^D.
   */
  modulation: Modulation;
}

/**
 * E feature-modulated experts (MoFME's FM_e): `FM_e(u) = gamma_e(u) * u + beta_e(u)`. An
 * {@link ExpertBank}, so core's dense and sorted dispatch paths run it unchanged. gamma starts
 * at 1 and beta at 0 (biases / vectors), so every expert starts near the identity.
 *
 * @example
 * ```ts
 * const fm = new FiLMExperts({ numExperts: 8, dim: 48, modulation: 'vector' });
 * const all = fm.forwardAll(u); // [8, T, 48]
 * ```
 */
export class FiLMExperts extends ExpertBank {
  readonly modulation: Modulation;
  readonly gammaW?: tf.Variable;
  readonly betaW?: tf.Variable;
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;

  constructor(o: FiLMExpertsOptions) {
    super(o.numExperts, o.dim);
    this.modulation = o.modulation;
    const e = o.numExperts;
    const d = o.dim;
    if (o.modulation === 'linear') {
      this.gammaW = this.param('gammaW', tf.mul(fanInUniform([e, d, d], d), 0.5));
      this.betaW = this.param('betaW', tf.mul(fanInUniform([e, d, d], d), 0.5));
    }
    this.gamma = this.param('gamma', tf.add(tf.ones([e, d]), tf.mul(fanInUniform([e, d], d), 0.5)));
    this.beta = this.param('beta', tf.mul(fanInUniform([e, d], d), 0.1));
  }

  forwardAll(x: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const e = this.numExperts;
      let g: tf.Tensor = tf.expandDims(this.gamma, 1); // [E, 1, D]
      let b: tf.Tensor = tf.expandDims(this.beta, 1);
      if (this.gammaW && this.betaW) {
        // One [T, D] x [D, E*D] product per generator (a batched [E, T, D] matMul is slow on wasm).
        const d = this.dim;
        const gen = (w: tf.Tensor) =>
          tf.transpose(
            tf.reshape(tf.matMul(x, tf.reshape(tf.transpose(w, [1, 0, 2]), [d, -1])), [-1, e, d]),
            [1, 0, 2],
          );
        g = tf.add(gen(this.gammaW), g);
        b = tf.add(gen(this.betaW), b);
      }
      return tf.add(tf.mul(g, tf.expandDims(x, 0)), b) as tf.Tensor3D;
    });
  }

  forwardSorted(x: tf.Tensor2D, sizes: number[]): tf.Tensor2D {
    return tf.tidy(() => {
      const owner = new Int32Array(x.shape[0]);
      let at = 0;
      sizes.forEach((s, e) => {
        owner.fill(e, at, at + s);
        at += s;
      });
      const rows = tf.tensor1d(owner, 'int32');
      let g: tf.Tensor = tf.gather(this.gamma, rows);
      let b: tf.Tensor = tf.gather(this.beta, rows);
      if (this.gammaW && this.betaW) {
        const d = this.dim;
        // One [N, D] x [D, E*D] product, then each row keeps its own expert's block.
        const wg = tf.reshape(tf.transpose(this.gammaW, [1, 0, 2]), [d, -1]);
        const wb = tf.reshape(tf.transpose(this.betaW, [1, 0, 2]), [d, -1]);
        const pick = (w: tf.Tensor) => {
          const all = tf.reshape(tf.matMul(x, w), [-1, this.numExperts, d]);
          const mask = tf.expandDims(tf.oneHot(rows, this.numExperts), -1);
          return tf.sum(tf.mul(all, mask), 1);
        };
        g = tf.add(pick(wg), g);
        b = tf.add(pick(wb), b);
      }
      return tf.add(tf.mul(g, x), b) as tf.Tensor2D;
    });
  }

  paramsPerExpert(): number {
    return this.modulation === 'linear' ? 2 * this.dim * this.dim + 2 * this.dim : 2 * this.dim;
  }

  flopsPerToken(): number {
    return this.modulation === 'linear' ? 4 * this.dim * this.dim + 2 * this.dim : 2 * this.dim;
  }
}

/** The config of {@link MoFMELayer}: the single source of truth (zod). */
export const MoFMEConfigSchema = z
  .object({
    dim: z.number().int().positive(),
    numExperts: z.number().int().min(1),
    topK: z.number().int().min(1),
    modulation: z.enum(['linear', 'vector']).default('linear'),
    /** `softmax` = plain KeepTopK router; `uncertainty` = UaR (MC-dropout, core's UncertaintyRouter). */
    router: RouterConfigSchema.prefault({ type: 'softmax' }),
    /** `dense`: every FM expert on every token (as in the released code); `sorted`: only the k chosen. */
    dispatch: z.enum(['dense', 'sorted']).default('dense'),
    /** Hidden width of the shared adaptor FFN, as a multiple of dim (default 4). */
    adaptorRatio: z.number().int().positive().default(4),
    dropout: z.number().min(0).max(0.9).default(0),
    /** Switch aux-loss coefficient (MoFME uses none: default 0). */
    auxLoss: z.number().min(0).default(0),
    /**
     * What the router reads inside a transformer block: `normed` (LN x, like the experts) or
     * `residual` (the un-normalised stream x, as in the released code's `Transformer_MoE_FiLM`).
     */
    routerInput: z.enum(['normed', 'residual']).default('normed'),
  })
  .superRefine(refineTopK);
/** Parsed {@link MoFMEConfigSchema}. */
export type MoFMEConfig = z.output<typeof MoFMEConfigSchema>;
/** Input form of {@link MoFMEConfigSchema} (defaults optional). */
export type MoFMEConfigInput = z.input<typeof MoFMEConfigSchema>;

/**
 * The MoFME layer (methods.md 3.2), a drop-in FFN slot returning `{ y, aux }` like core's
 * `MoELayer`:
 * `w = KeepTopK_k(router(x))`, `u = GELU(W_a x) * (W_b x)` (shared gated basenet; the block's
 * pre-norm supplies LN x), `y = Adaptor(sum_e w_e FM_e(u))` with the FM experts of
 * {@link FiLMExperts} and Adaptor = Linear(D -> rD) - GELU - Dropout - Linear(rD -> D).
 *
 * @example
 * ```ts
 * const layer = new MoFMELayer({ dim: 48, numExperts: 8, topK: 2, modulation: 'linear' });
 * const { y, aux } = layer.forward(tokens); // tokens [T, 48]
 * const uar = new MoFMELayer({ dim: 48, numExperts: 8, topK: 2, router: { type: 'uncertainty' } });
 * ```
 */
export class MoFMELayer extends Module implements ResidualReadingFfn {
  readonly config: MoFMEConfig;
  readonly router: Router;
  readonly wa: Linear;
  readonly wb: Linear;
  readonly experts: FiLMExperts;
  readonly adaptor: GeluFFN;

  constructor(config: MoFMEConfigInput) {
    super();
    const c = parseConfig(MoFMEConfigSchema, config, 'mofme layer config');
    this.config = c;
    this.router = this.child('router', createRouter(c.router, c.dim, c.numExperts, c.topK));
    this.wa = this.child('wa', new Linear(c.dim, c.dim));
    this.wb = this.child('wb', new Linear(c.dim, c.dim));
    this.experts = this.child(
      'experts',
      new FiLMExperts({ numExperts: c.numExperts, dim: c.dim, modulation: c.modulation }),
    );
    this.adaptor = this.child('adaptor', new GeluFFN(c.dim, c.dim * c.adaptorRatio, { dropout: c.dropout }));
  }

  /** True when configured with `routerInput: 'residual'` (a transformer block then passes x too). */
  get readsResidual(): boolean {
    return this.config.routerInput === 'residual';
  }

  /** x [T, D] or [B, L, D] -> same shape, plus the routing aux (no balance loss unless `auxLoss`). */
  forward(x: tf.Tensor): { y: tf.Tensor; aux: MoEAux } {
    return this.run(x, x);
  }

  /** Experts on `normed` (LN x), router on `residual` (x); both [T, D]. */
  forwardWithResidual(normed: tf.Tensor, residual: tf.Tensor): { y: tf.Tensor; aux: MoEAux } {
    return this.run(normed, residual);
  }

  private run(x: tf.Tensor, routerX: tf.Tensor): { y: tf.Tensor; aux: MoEAux } {
    const d = this.config.dim;
    if (x.shape[x.rank - 1] !== d) {
      throw new Error(`MoFMELayer: input last dimension is ${x.shape[x.rank - 1]}, config.dim is ${d}`);
    }
    if (routerX.size !== x.size) {
      throw new Error(`MoFMELayer: router input [${routerX.shape}] does not match the tokens [${x.shape}]`);
    }
    const x2 = tf.reshape(x, [-1, d]) as tf.Tensor2D;
    const r2 = routerX === x ? x2 : (tf.reshape(routerX, [-1, d]) as tf.Tensor2D);
    const route = routeTidy(this.router, r2);
    if (route.assignment.kind !== 'token') throw new Error('MoFMELayer: needs a token-choice router');
    const u = tf.tidy(() => tf.mul(gelu(this.wa.forward(x2)), this.wb.forward(x2))) as tf.Tensor2D;
    const out = dispatch(this.config.dispatch, { x: u, assignment: route.assignment, experts: this.experts });
    const y = this.adaptor.forward(out.y);
    const losses: Record<string, tf.Scalar> = {};
    if (this.config.auxLoss > 0) {
      losses.aux = tf.mul(this.config.auxLoss, switchAuxLoss(route.probs, out.counts));
    }
    const shaped = tf.reshape(y, x.shape);
    const { indices } = route.assignment;
    disposeExcept(
      [u, out.y, y, x2, r2, route.logits, route.smoothLoad, ...assignmentTensors(route.assignment)],
      [shaped, out.counts, route.probs, out.dropped, indices],
    );
    return {
      y: shaped,
      aux: { losses, counts: out.counts, probs: route.probs, dropped: out.dropped, indices },
    };
  }

  /** Parameters a token uses: all but the (E - k) FM experts it skips. */
  activeParams(): number {
    return this.countParams() - (this.config.numExperts - this.config.topK) * this.experts.paramsPerExpert();
  }

  /** FLOPs per token: router, basenet, the FM experts run (E dense, k sorted), adaptor. */
  flopsPerToken(): number {
    const { dim: d, numExperts: e, topK: k, adaptorRatio: r } = this.config;
    const fm = (this.config.dispatch === 'dense' ? e : k) * this.experts.flopsPerToken();
    return this.router.flopsPerToken() + 2 * 2 * d * d + fm + 2 * 2 * d * d * r;
  }
}
