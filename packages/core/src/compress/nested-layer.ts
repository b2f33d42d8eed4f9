import { ConfigError, parseConfig } from '../config/parse';
import type { FfnExperts } from '../moe/experts/ffn-bank';
import type { MoELayer } from '../moe/layer';
import type { Routing } from '../moe/routed-layer';
import type { MoEAux } from '../moe/types';
import type { SlotContext } from '../nn/ffn-slot';
import { tf } from '../tf';
import type { FfnWeights } from './dequantized-bank';
import { ffnExpertsOf } from './layer-parts';
import { NestedBitExperts } from './nested-bank';
import { NestedBitOptionsSchema, type NestedBitOptions } from './quant-options';
import { RebankedMoELayer } from './rebanked-layer';

/** What a batch of (token, expert) pairs cost at the widths they were served at. */
export interface NestedServingCost {
  /** Mean width of the served pairs, in bits. */
  meanBits: number;
  /** Pairs served at each view (the layer's `views` order). */
  pairsPerView: number[];
  /** Expert bytes read per token (`NestedBitExperts.bytesReadAt` summed over its pairs). */
  bytesPerToken: number;
  /** Expert bit-FLOPs per token: Σ over its pairs of FLOPs × weight bits. */
  bitFlopsPerToken: number;
}

/**
 * A trained MoE layer served from one nested 8-bit store ({@link NestedBitExperts}) at a bit width
 * chosen per (token, expert) pair by a rule on the gate (D²-MoE-style dynamic bit widths over
 * Matryoshka-nested codes, Nair et al. 2025, arXiv:2502.06786): a pair whose gate weight divided
 * by the sum of the token's top-k weights reaches `views[v].minWeight` (the first such v) runs
 * at `views[v].bits`, so a token's dominant expert reads more bits than its minor ones. Weights
 * and experts are the router's; `aux.counts` has V·E entries (view-major). A post-training layer:
 * no balancing losses, routing not imposable by router replay.
 *
 * @example
 * ```ts
 * const layer = new NestedBitMoELayer(moe, { views: [{ bits: 8, minWeight: 0.6 }, { bits: 2, minWeight: 0 }] });
 * const { y, aux } = layer.forward(x);
 * (await layer.servingCost(aux)).bytesPerToken;
 * ```
 */
export class NestedBitMoELayer extends RebankedMoELayer {
  declare readonly experts: NestedBitExperts;
  readonly minWeights: readonly number[];

  /**
   * `weights`: the source experts' weights already read back (`await ffnWeightsOfAsync(bank)`: no
   * synchronous read, for webgpu); read here (synchronously) when absent.
   */
  constructor(source: MoELayer, options: NestedBitOptions = {}, weights?: FfnWeights) {
    const o = parseConfig(NestedBitOptionsSchema, options, 'nested bit options');
    if (source.config.router.type === 'expert-choice') {
      throw new ConfigError('nested bit source', [
        { path: 'router.type', message: 'needs a token-choice (top-k) router' },
      ]);
    }
    const bank: FfnExperts = ffnExpertsOf(source, 'NestedBitMoELayer');
    super(
      source,
      new NestedBitExperts(
        bank,
        o.views.map((v) => v.bits),
        weights,
      ),
      { dispatch: o.dispatch, losses: { aux: 0, z: 0, cv2: 0, seqAux: 0 } },
    );
    this.minWeights = o.views.map((v) => v.minWeight);
  }

  /** The view of each (token, slot) pair [T, k] int32, from the renormalised gate weights [T, k]. */
  viewOf(weights: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const share = tf.div(weights, tf.sum(weights, 1, true));
      const below = this.minWeights.map((m) => tf.cast(tf.less(share, m), 'int32'));
      return tf.addN(below) as tf.Tensor2D;
    });
  }

  protected override route(input: tf.Tensor2D, ctx: SlotContext): Routing {
    const route = super.route(input, ctx);
    const a = route.assignment;
    if (a.kind !== 'token') throw new Error('NestedBitMoELayer: needs a token-choice (top-k) router');
    const offset = tf.mul(this.viewOf(a.weights), tf.scalar(this.experts.sourceExperts, 'int32'));
    const indices = tf.add(a.indices, offset) as tf.Tensor2D;
    return { ...route, assignment: { ...a, indices } };
  }

  /** Widths, bytes read and bit-FLOPs of a forward's pairs, from its `aux.counts` (padding excluded). */
  async servingCost(aux: MoEAux): Promise<NestedServingCost> {
    const counts = await aux.counts.data();
    const e = this.experts.sourceExperts;
    const views = this.experts.views;
    const pairsPerView = views.map((_, v) =>
      Array.from(counts.slice(v * e, (v + 1) * e)).reduce((s, c) => s + c, 0),
    );
    const pairs = pairsPerView.reduce((s, c) => s + c, 0);
    const tokens = pairs / this.expertsPerToken();
    const per = (f: (bits: number) => number) =>
      pairs === 0 ? 0 : views.reduce((s, b, v) => s + pairsPerView[v] * f(b), 0) / tokens;
    return {
      meanBits: pairs === 0 ? 0 : views.reduce((s, b, v) => s + pairsPerView[v] * b, 0) / pairs,
      pairsPerView,
      bytesPerToken: per((b) => this.experts.bytesReadAt(b)),
      bitFlopsPerToken: per((b) => b * this.experts.sourceFlopsPerToken()),
    };
  }

  override inactiveParams(): number {
    return (this.experts.sourceExperts - this.expertsPerToken()) * this.experts.sourceParamsPerExpert();
  }

  override flopsPerToken(): number {
    const shared = this.shared ? this.shared.numExperts * this.shared.flopsPerToken() : 0;
    return this.router.flopsPerToken() + this.expertsPerToken() * this.experts.sourceFlopsPerToken() + shared;
  }
}
