import { ConfigError, parseConfig } from '../config/parse';
import { FfnExperts } from '../moe/experts/ffn-bank';
import type { MoELayer } from '../moe/layer';
import type { Routing } from '../moe/routed-layer';
import type { SlotContext } from '../nn/ffn-slot';
import { tf } from '../tf';
import { copyState, ffnExpertsOf } from './layer-parts';
import { lowRankExperts } from './low-rank-bank';
import { CompressedExpertsOptionsSchema, type CompressedExpertsOptions } from './options';
import { RebankedMoELayer } from './rebanked-layer';
import { TieredExperts } from './tiered-bank';

/**
 * Compressed experts (He et al. 2025, "Efficiently Editing Mixture-of-Experts Models with
 * Compressed Experts", arXiv:2503.00634): each token runs its most important expert (the
 * router's top-1) in full, and its other k-1 activated experts as compact modules. Here the
 * compact module of expert e is the rank-r truncated SVD of its two projections (the paper trains
 * its compact modules; an SVD needs no training, and at rank min(dim, hidden) gives the source's
 * outputs back). The router's weights are gathered as in the source; the bank is a
 * {@link TieredExperts} of 2E ids, so `aux.counts` has 2E entries (full runs, then compact runs)
 * and `aux.indices` the tiered ids. A post-training layer: no balancing losses, and its routing
 * cannot be imposed by router replay.
 *
 * Active parameters per token, exactly: the router, the shared experts, one full expert and k-1
 * compact ones.
 *
 * @example
 * ```ts
 * const compressed = await compressExperts(moe, { rank: 8 });
 * compressed.activeParams(); // router + shared + full expert + (k-1) · compact expert
 * ```
 */
export class CompressedExpertsLayer extends RebankedMoELayer {
  declare readonly experts: TieredExperts;

  constructor(source: MoELayer, experts: TieredExperts, dispatch: 'dense' | 'sorted' = 'sorted') {
    if (experts.full.numExperts !== source.config.numExperts) {
      throw new Error(
        `CompressedExpertsLayer: the tiered bank has ${experts.full.numExperts} experts per tier, the source ${source.config.numExperts}`,
      );
    }
    super(source, experts, { dispatch, losses: { aux: 0, z: 0, cv2: 0, seqAux: 0 } });
  }

  /** The router's top-k, with every choice after the first moved to the compact tier. */
  protected override route(input: tf.Tensor2D, ctx: SlotContext): Routing {
    const route = super.route(input, ctx);
    const a = route.assignment;
    if (a.kind !== 'token') throw new Error('CompressedExpertsLayer: needs a token-choice (top-k) router');
    const k = a.indices.shape[1];
    const shift = tf.tensor2d(
      [Array.from({ length: k }, (_, j) => (j === 0 ? 0 : this.experts.full.numExperts))],
      [1, k],
      'int32',
    );
    return { ...route, assignment: { ...a, indices: tf.add(a.indices, shift) as tf.Tensor2D } };
  }

  override inactiveParams(): number {
    const { full, compact } = this.experts;
    const k = this.expertsPerToken();
    return (
      (full.numExperts - 1) * full.paramsPerExpert() +
      (compact.numExperts - (k - 1)) * compact.paramsPerExpert()
    );
  }

  override flopsPerToken(): number {
    const { full, compact } = this.experts;
    const shared = this.shared ? this.shared.numExperts * this.shared.flopsPerToken() : 0;
    return (
      this.router.flopsPerToken() +
      full.flopsPerToken() +
      (this.expertsPerToken() - 1) * compact.flopsPerToken() +
      shared
    );
  }
}

/**
 * Builds a {@link CompressedExpertsLayer} from a trained MoE layer with FFN experts: copies of its
 * router, experts and shared experts, plus each expert's rank-`rank` SVD as its compact module.
 * The source is untouched.
 *
 * @example
 * ```ts
 * const compressed = await compressExperts(moe, { rank: 8 });
 * const { y } = compressed.forward(x);
 * ```
 */
export async function compressExperts(
  source: MoELayer,
  options: CompressedExpertsOptions,
): Promise<CompressedExpertsLayer> {
  const o = parseConfig(CompressedExpertsOptionsSchema, options, 'compressed experts options');
  const bank = ffnExpertsOf(source, 'compressExperts');
  const most = Math.min(bank.dim, bank.hidden);
  if (o.rank > most) {
    throw new ConfigError('compressed experts options', [
      { path: 'rank', message: `${o.rank} exceeds min(dim, hidden) = ${most}` },
    ]);
  }
  if (source.config.router.type === 'expert-choice') {
    throw new ConfigError('compressed experts source', [
      { path: 'router.type', message: 'needs a token-choice (top-k) router' },
    ]);
  }
  const full = copyState(
    new FfnExperts({
      numExperts: bank.numExperts,
      dim: bank.dim,
      hidden: bank.hidden,
      activation: bank.activation,
    }),
    bank,
  );
  const compact = await lowRankExperts(bank, o.rank);
  return new CompressedExpertsLayer(source, new TieredExperts(full, compact), o.dispatch);
}
