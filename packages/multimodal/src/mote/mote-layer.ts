import {
  dispatch,
  GeluFFN,
  Module,
  SoftmaxTopKRouter,
  switchAuxLoss,
  tf,
  type MoEAux,
  type ActivationName,
} from '@moe-zoo/core';
import type { SparseParams } from '../vqa/slots';
import { floatExpertBytes, quantBankBytes } from './memory';
import { QuantFfnExperts, type ExpertWeightFormat } from './quant-experts';

/** Options of {@link MoTELayer}. */
export interface MoTELayerOptions {
  dim: number;
  /** Width of the shared FFN and of each routed expert. */
  hidden: number;
  /** Routed low-bit experts (top-1). */
  numExperts: number;
  format?: ExpertWeightFormat;
  /** Switch balance-loss coefficient (default 0.01, as MoE-LLaVA). */
  aux?: number;
  dispatch?: 'dense' | 'sorted';
  activation?: ActivationName;
}

/**
 * A MoTE layer: `y = FFN_shared(x) + g_i*(x) · TFFN_i*(x)` — a frozen full-precision shared FFN
 * (the dense model's FFN) plus top-1 routed ternary (or binary) experts, `g` the top-1 softmax
 * probability (not renormalised, so the router keeps a gradient). Children `shared` (frozen GeluFFN),
 * `router`, `experts` ({@link QuantFfnExperts}).
 *
 * @example
 * ```ts
 * const mote = new MoTELayer({ dim: 48, hidden: 192, numExperts: 4 });
 * mote.loadShared(denseFfn); // copies and freezes the shared expert
 * const { y, aux } = mote.forward(x);
 * ```
 */
export class MoTELayer extends Module implements SparseParams {
  readonly shared: GeluFFN;
  readonly router: SoftmaxTopKRouter;
  readonly experts: QuantFfnExperts;
  readonly auxCoef: number;
  readonly dispatchKind: 'dense' | 'sorted';

  constructor(readonly options: MoTELayerOptions) {
    super();
    const { dim, hidden, numExperts } = options;
    this.shared = this.child('shared', new GeluFFN(dim, hidden));
    this.shared.setTrainable(false);
    this.router = this.child('router', new SoftmaxTopKRouter({ dim, numExperts, k: 1, normalize: false }));
    this.experts = this.child(
      'experts',
      new QuantFfnExperts({
        numExperts,
        dim,
        hidden,
        format: options.format,
        activation: options.activation,
      }),
    );
    this.auxCoef = options.aux ?? 0.01;
    this.dispatchKind = options.dispatch ?? 'sorted';
  }

  /** Copies a dense FFN into the shared expert and keeps it frozen. */
  loadShared(ffn: GeluFFN): void {
    if (ffn.dim !== this.options.dim || ffn.hidden !== this.options.hidden) {
      throw new Error(
        `MoTELayer.loadShared: FFN is ${ffn.dim}→${ffn.hidden}, the layer needs ${this.options.dim}→${this.options.hidden}`,
      );
    }
    this.shared.loadStateDict(ffn.stateDict());
    this.shared.setTrainable(false);
  }

  /** x [T, dim] → `{ y, aux }` (aux.losses.aux = coefficient × Switch loss). */
  forward(x: tf.Tensor): { y: tf.Tensor; aux: MoEAux } {
    const x2 = tf.reshape(x, [-1, this.options.dim]) as tf.Tensor2D;
    const route = this.router.route(x2);
    const out = dispatch(this.dispatchKind, { x: x2, assignment: route.assignment, experts: this.experts });
    const y = tf.tidy(() => tf.reshape(tf.add(this.shared.forward(x2), out.y), x.shape));
    const losses: Record<string, tf.Scalar> = {};
    if (this.auxCoef > 0)
      losses.aux = tf.tidy(() => tf.mul(this.auxCoef, switchAuxLoss(route.probs, out.counts)));
    const indices = route.assignment.kind === 'token' ? route.assignment.indices : route.assignment.tokens;
    tf.dispose([out.y, route.logits, route.assignment.weights]);
    if (x2 !== x) x2.dispose();
    return { y, aux: { losses, counts: out.counts, probs: route.probs, dropped: out.dropped, indices } };
  }

  /** A token skips all routed experts but one. */
  inactiveParams(): number {
    return (this.experts.numExperts - 1) * this.experts.paramsPerExpert();
  }

  /** FLOPs per token: shared FFN, router, one routed expert. */
  flopsPerToken(): number {
    return (
      4 * this.options.dim * this.options.hidden + this.router.flopsPerToken() + this.experts.flopsPerToken()
    );
  }

  /** Expert memory in bytes: the float32 shared FFN plus the packed low-bit routed experts. */
  expertBytes(): number {
    return floatExpertBytes(1, this.options.dim, this.options.hidden) + quantBankBytes(this.experts);
  }
}
