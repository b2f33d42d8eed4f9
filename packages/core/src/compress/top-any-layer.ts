import { parseConfig } from '../config/parse';
import { ConfigError } from '../config/parse';
import type { ExpertBank } from '../moe/experts/bank';
import type { MoELayer } from '../moe/layer';
import type { Routing } from '../moe/routed-layer';
import type { MoEAux } from '../moe/types';
import type { SlotContext } from '../nn/ffn-slot';
import { tf } from '../tf';
import { TopAnyPruningOptionsSchema, type TopAnyPruningOptions } from './quant-options';
import { RebankedMoELayer } from './rebanked-layer';
import { SkipExpertBank } from './skip-bank';

/**
 * A trained MoE layer around a new bank (typically {@link MixedPrecisionExperts}) with MC#'s
 * online dynamic pruning (Huang et al. 2025, "MC#: Mixture Compressor for Mixture-of-Experts
 * Large Models"; MC-MoE's online dynamic pruning, arXiv:2410.06270): for each token, every expert
 * but its highest-weighted one is dropped when its gate weight divided by the sum of the token's
 * top-k weights is below `threshold`; the kept weights are rescaled to the original sum, so a
 * token left with one expert gets that expert's output times its top-k weights' sum (exactly the
 * expert's output for a router with normalised top-k weights). Dropped pairs go to the
 * {@link SkipExpertBank}'s zero id E and cost nothing: `aux.counts` has E + 1 entries, the last
 * counting them. A post-training layer: no balancing losses, and its routing cannot be imposed by
 * router replay. Costs (`activeParams`, `flopsPerToken`) are the static k-expert upper bound;
 * {@link TopAnyPrunedLayer.meanActiveExperts} measures what a batch used.
 *
 * @example
 * ```ts
 * const layer = new TopAnyPrunedLayer(moe, bank, { threshold: 0.25 });
 * const { y, aux } = layer.forward(x);
 * await layer.meanActiveExperts(aux); // between 1 and k
 * ```
 */
export class TopAnyPrunedLayer extends RebankedMoELayer {
  declare readonly experts: SkipExpertBank;
  readonly threshold: number;

  constructor(source: MoELayer, bank: ExpertBank, options: TopAnyPruningOptions = {}) {
    const o = parseConfig(TopAnyPruningOptionsSchema, options, 'top-any pruning options');
    if (bank.numExperts !== source.config.numExperts) {
      throw new Error(
        `TopAnyPrunedLayer: the bank has ${bank.numExperts} experts, the source ${source.config.numExperts}`,
      );
    }
    if (source.config.router.type === 'expert-choice') {
      throw new ConfigError('top-any pruning source', [
        { path: 'router.type', message: 'needs a token-choice (top-k) router' },
      ]);
    }
    super(source, new SkipExpertBank(bank), {
      dispatch: o.dispatch,
      losses: { aux: 0, z: 0, cv2: 0, seqAux: 0 },
    });
    this.threshold = o.threshold;
  }

  /** The experts without the skip id. */
  get bank(): ExpertBank {
    return this.experts.inner;
  }

  protected override route(input: tf.Tensor2D, ctx: SlotContext): Routing {
    const route = super.route(input, ctx);
    const a = route.assignment;
    if (a.kind !== 'token') throw new Error('TopAnyPrunedLayer: needs a token-choice (top-k) router');
    const w = a.weights;
    const total = tf.sum(w, 1, true);
    const keep = tf.logicalOr(
      tf.greaterEqual(tf.div(w, total), this.threshold),
      tf.equal(w, tf.max(w, 1, true)),
    );
    const kept = tf.where(keep, w, tf.zerosLike(w));
    const weights = tf.mul(tf.div(kept, tf.sum(kept, 1, true)), total) as tf.Tensor2D;
    const skip = tf.fill(a.indices.shape, this.bank.numExperts, 'int32');
    const indices = tf.where(keep, a.indices, skip) as tf.Tensor2D;
    return { ...route, assignment: { kind: 'token', indices, weights } };
  }

  /** Experts a token ran on average in a forward's `aux` (padding excluded): k minus the dropped share. */
  async meanActiveExperts(aux: MoEAux): Promise<number> {
    const counts = Array.from(await aux.counts.data());
    const pairs = counts.reduce((s, c) => s + c, 0);
    if (pairs === 0) return 0;
    const tokens = pairs / this.expertsPerToken();
    return (pairs - counts[this.bank.numExperts]) / tokens;
  }

  override inactiveParams(): number {
    return (this.bank.numExperts - this.expertsPerToken()) * this.bank.paramsPerExpert();
  }

  override flopsPerToken(): number {
    const shared = this.shared ? this.shared.numExperts * this.shared.flopsPerToken() : 0;
    return this.router.flopsPerToken() + this.expertsPerToken() * this.bank.flopsPerToken() + shared;
  }
}
