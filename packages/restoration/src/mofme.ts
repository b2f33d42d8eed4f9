import {
  backendCapabilities,
  createRouter,
  ExpertBank,
  fanInUniform,
  gelu,
  GeluFFN,
  groupedMatMul,
  LIMITS,
  Linear,
  parseConfig,
  refineParamBudget,
  refineTopK,
  RoutedLayer,
  RouterConfigSchema,
  RouterInputSchema,
  sizeField,
  tf,
  type Router,
} from '@moe-zoo/core';
import { z } from 'zod';

/** How a feature-modulated expert computes gamma and beta. */
export type Modulation = 'linear' | 'vector';

/** Options of {@link FiLMExperts} (strict; sizes bounded). */
export const FiLMExpertsOptionsSchema = z.strictObject({
  numExperts: sizeField(LIMITS.numExperts),
  dim: sizeField(LIMITS.dim),
  /**
   * `linear` (the released code): gamma_e(u) = u Wg_e + bg_e, beta_e(u) = u Wb_e + bb_e, each
   * Linear(D -> D). `vector` (the paper figure): gamma_e, beta_e in R^D.
   */
  modulation: z.enum(['linear', 'vector']),
});
/** Options of {@link FiLMExperts}. */
export type FiLMExpertsOptions = z.input<typeof FiLMExpertsOptionsSchema>;

/** The expert of each row of a sorted batch: `sizes[e]` rows of expert e, in expert order. */
function ownerRows(sizes: readonly number[]): tf.Tensor1D {
  const owner = new Int32Array(sizes.reduce((a, s) => a + s, 0));
  let at = 0;
  sizes.forEach((s, e) => {
    owner.fill(e, at, at + s);
    at += s;
  });
  return tf.tensor1d(owner, 'int32');
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

  constructor(options: FiLMExpertsOptions) {
    const o = parseConfig(FiLMExpertsOptionsSchema, options, 'FiLM experts options');
    super(o.numExperts, o.dim);
    this.modulation = o.modulation;
    const e = o.numExperts;
    const d = o.dim;
    // tf.tidy frees the init intermediates (param() takes over only the final tensor).
    if (o.modulation === 'linear') {
      this.gammaW = this.param(
        'gammaW',
        tf.tidy(() => tf.mul(fanInUniform([e, d, d], d), 0.5)),
      );
      this.betaW = this.param(
        'betaW',
        tf.tidy(() => tf.mul(fanInUniform([e, d, d], d), 0.5)),
      );
    }
    this.gamma = this.param(
      'gamma',
      tf.tidy(() => tf.add(tf.ones([e, d]), tf.mul(fanInUniform([e, d], d), 0.5))),
    );
    this.beta = this.param(
      'beta',
      tf.tidy(() => tf.mul(fanInUniform([e, d], d), 0.1)),
    );
  }

  forwardAll(x: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      let g: tf.Tensor = tf.expandDims(this.gamma, 1); // [E, 1, D]
      let b: tf.Tensor = tf.expandDims(this.beta, 1);
      if (this.gammaW && this.betaW) {
        const gen = backendCapabilities().slowBatchedMatMul
          ? (w: tf.Tensor) => tf.transpose(this.fusedProduct(x, w), [1, 0, 2])
          : (w: tf.Tensor) =>
              tf.matMul(tf.broadcastTo(tf.expandDims(x, 0), [this.numExperts, ...x.shape]), w);
        g = tf.add(gen(this.gammaW), g);
        b = tf.add(gen(this.betaW), b);
      }
      return tf.add(tf.mul(g, tf.expandDims(x, 0)), b) as tf.Tensor3D;
    });
  }

  forwardSorted(x: tf.Tensor2D, sizes: number[]): tf.Tensor2D {
    return tf.tidy(() => {
      let g: tf.Tensor;
      let b: tf.Tensor;
      if (this.gammaW && this.betaW) {
        // Each expert's rows times its own [D, D] plus its bias (core's grouped GEMM): on wasm 4x
        // faster, forward and backward, than one [N, D] x [D, E*D] product masked to each row.
        g = groupedMatMul(x, this.gammaW as tf.Tensor3D, sizes, this.gamma as tf.Tensor2D);
        b = groupedMatMul(x, this.betaW as tf.Tensor3D, sizes, this.beta as tf.Tensor2D);
      } else {
        const rows = ownerRows(sizes);
        g = tf.gather(this.gamma, rows);
        b = tf.gather(this.beta, rows);
      }
      return tf.add(tf.mul(g, x), b) as tf.Tensor2D;
    });
  }

  /**
   * `x w_e` for every expert e as ONE [T, D] x [D, E*D] product and a reshape: [T, E, D]. For
   * backends where a batched [E, T, D] x [E, D, D] matMul is slow (`slowBatchedMatMul`, wasm).
   */
  private fusedProduct(x: tf.Tensor2D, w: tf.Tensor): tf.Tensor {
    const d = this.dim;
    return tf.reshape(tf.matMul(x, tf.reshape(tf.transpose(w, [1, 0, 2]), [d, -1])), [
      -1,
      this.numExperts,
      d,
    ]);
  }

  paramsPerExpert(): number {
    return this.modulation === 'linear' ? 2 * this.dim * this.dim + 2 * this.dim : 2 * this.dim;
  }

  flopsPerToken(): number {
    return this.modulation === 'linear' ? 4 * this.dim * this.dim + 2 * this.dim : 2 * this.dim;
  }
}

/** The largest adaptor width, as a multiple of `dim`. */
export const MAX_ADAPTOR_RATIO = 64;

/**
 * The MoFME layer's settings without `dim`: what a model's FFN-slot config holds (the model fills
 * in `dim`), like core's `MoESlotOptionsSchema`.
 */
export const MoFMESlotOptionsSchema = z.strictObject({
  numExperts: sizeField(LIMITS.numExperts),
  topK: sizeField(LIMITS.numExperts),
  modulation: z.enum(['linear', 'vector']).default('linear'),
  /**
   * `softmax` = plain KeepTopK router; `uncertainty` = UaR (MC-dropout, core's UncertaintyRouter).
   * Default: the released code's `Linear(D, E)` with bias.
   */
  router: RouterConfigSchema.prefault({ type: 'softmax', bias: true }),
  /** `dense`: every FM expert on every token (as in the released code); `sorted`: only the k chosen. */
  dispatch: z.enum(['dense', 'sorted']).default('dense'),
  /** Hidden width of the shared adaptor FFN, as a multiple of dim (default 4). */
  adaptorRatio: sizeField(MAX_ADAPTOR_RATIO).default(4),
  dropout: z.number().min(0).max(0.9).default(0),
  /** Switch aux-loss coefficient (MoFME uses none: default 0). */
  auxLoss: z.number().min(0).default(0),
  /**
   * What the router reads inside a transformer block: `residual` (default: the un-normalised
   * stream x, as in the released code's `Transformer_MoE_FiLM`) or `normed` (LN x, like the experts).
   */
  routerInput: RouterInputSchema.unwrap().default('residual'),
});
/** Parsed {@link MoFMESlotOptionsSchema}. */
export type MoFMESlotOptions = z.output<typeof MoFMESlotOptionsSchema>;
/** Input form of {@link MoFMESlotOptionsSchema} (defaults optional). */
export type MoFMESlotOptionsInput = z.input<typeof MoFMESlotOptionsSchema>;

/** The config of {@link MoFMELayer}: the slot options plus `dim` (zod, the single source of truth). */
export const MoFMEConfigSchema = MoFMESlotOptionsSchema.extend({
  dim: sizeField(LIMITS.dim),
})
  .superRefine(refineTopK)
  .superRefine(refineParamBudget((c) => mofmeSlotValues(c, c.dim), 'numExperts'));

/**
 * An upper estimate of the parameter values of a MoFME slot of width `dim`: FiLM experts (a
 * linear modulation is 4 dim^2 + 2 dim), router, gated basenet, adaptor.
 */
export function mofmeSlotValues(c: { numExperts: number; adaptorRatio?: number }, dim: number): number {
  const r = c.adaptorRatio ?? 4;
  return c.numExperts * (4 * dim * dim + 3 * dim + 1) + 4 * dim * dim + 2 * r * dim * dim + 4 * dim * (r + 1);
}
/** Parsed {@link MoFMEConfigSchema}. */
export type MoFMEConfig = z.output<typeof MoFMEConfigSchema>;
/** Input form of {@link MoFMEConfigSchema} (defaults optional). */
export type MoFMEConfigInput = z.input<typeof MoFMEConfigSchema>;

/**
 * The MoFME layer (Zhang et al., AAAI 2024, arXiv 2312.16610: efficient deweather MoE with
 * uncertainty-aware feature-wise linear modulation), an FFN slot returning `{ y, aux }` like core's
 * `MoELayer`:
 * `w = KeepTopK_k(router(x))`, `u = GELU(W_a x) * (W_b x)` (shared gated basenet; the block's
 * pre-norm supplies LN x), `y = Adaptor(sum_e w_e FM_e(u))` with the FM experts of
 * {@link FiLMExperts} and Adaptor = Linear(D -> rD) - GELU - Dropout - Linear(rD -> D).
 *
 * A core `RoutedLayer`: the router reads the block's un-normalised residual stream (the
 * released code's router, with bias; `routerInput: 'normed'` reads LN x), the experts read the
 * basenet's output, the adaptor combines; route, dispatch, balance loss (Switch aux only, off by default) and disposal are core's.
 *
 * @example
 * ```ts
 * const layer = new MoFMELayer({ dim: 48, numExperts: 8, topK: 2, modulation: 'linear' });
 * const { y, aux } = layer.forward(tokens); // tokens [T, 48]
 * const uar = new MoFMELayer({ dim: 48, numExperts: 8, topK: 2, router: { type: 'uncertainty' } });
 * ```
 */
export class MoFMELayer extends RoutedLayer {
  readonly config: MoFMEConfig;
  readonly router: Router;
  readonly wa: Linear;
  readonly wb: Linear;
  readonly experts: FiLMExperts;
  readonly adaptor: GeluFFN;

  constructor(config: MoFMEConfigInput) {
    const c = parseConfig(MoFMEConfigSchema, config, 'mofme layer config');
    super(c.dim, {
      dispatch: c.dispatch,
      losses: { aux: c.auxLoss, z: 0, cv2: 0, seqAux: 0 },
      routerInput: c.routerInput,
    });
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

  /** The shared gated basenet `u = GELU(W_a x) * (W_b x)`: what the FM experts modulate. */
  protected override expertInput(x: tf.Tensor2D): tf.Tensor2D {
    return tf.mul(gelu(this.wa.forward(x)), this.wb.forward(x)) as tf.Tensor2D;
  }

  /** The shared adaptor on the experts' mix. */
  protected override combine(y: tf.Tensor2D): tf.Tensor2D {
    return this.adaptor.forward(y) as tf.Tensor2D;
  }

  /**
   * FLOPs per token: router, basenet, the FM experts run (all E with dense dispatch, as in the
   * released code; the routed ones with sorted), adaptor. Parameters a token uses stay the
   * base's: all but the (E - k) FM experts it skips.
   */
  override flopsPerToken(): number {
    const { numExperts: e, adaptorRatio: r, dispatch } = this.config;
    const d = this.dim;
    const fm = (dispatch === 'dense' ? e : this.expertsPerToken()) * this.experts.flopsPerToken();
    return this.router.flopsPerToken() + 2 * 2 * d * d + fm + 2 * 2 * d * d * r;
  }
}
