import { MoELayerConfig, MoELayerConfigInput, MoELayerConfigSchema } from '../config/moe';
import { parseConfig } from '../config/parse';
import { Module } from '../nn/module';
import { tf } from '../tf';
import { dispatch } from './dispatch';
import { combineMatrix } from './dispatch/dense';
import type { ExpertBank } from './experts/bank';
import { FfnExperts } from './experts/ffn-bank';
import { SwiGluExperts } from './experts/swiglu-bank';
import { importanceLoadLoss, sequenceAuxLoss, switchAuxLoss, zLoss } from './losses';
import { disposeExcept, topkIndices } from './ops';
import {
  assignmentTensors,
  createRouter,
  routeTidy,
  ExpertChoice,
  RouteContext,
  Router,
  TokenChoice,
} from './routers';
import type { MoEAux } from './types';

/** Per-call options of {@link MoELayer.forward}. */
export interface MoEForwardOptions extends RouteContext {
  /** Sequence length for the sequence-level aux loss when x is [T, D] (inferred for [B, L, D]). */
  seqLen?: number;
  /**
   * SCMoE's weak path: route every token only to its rank-r expert (0-based) with weight 1.
   * Only for token-choice routers.
   */
  rankOverride?: number;
}

/** Routers whose assignment is balanced by construction or fixed: no aux loss applies. */
const SELF_BALANCED = new Set(['expert-choice', 'hash', 'balanced']);

function buildExperts(c: MoELayerConfig, numExperts: number, hidden: number): ExpertBank {
  return c.expert === 'swiglu'
    ? new SwiGluExperts({ numExperts, dim: c.dim, hidden })
    : new FfnExperts({ numExperts, dim: c.dim, hidden, activation: c.activation });
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
export class MoELayer extends Module {
  readonly config: MoELayerConfig;
  readonly router: Router;
  readonly experts: ExpertBank;
  readonly shared: ExpertBank | undefined;

  constructor(config: MoELayerConfigInput) {
    super();
    const c = parseConfig(MoELayerConfigSchema, config, 'moe layer config');
    this.config = c;
    this.router = this.child('router', createRouter(c.router, c.dim, c.numExperts, c.topK));
    this.experts = this.child('experts', buildExperts(c, c.numExperts, c.hidden));
    this.shared =
      c.sharedExperts > 0
        ? this.child('shared', buildExperts(c, c.sharedExperts, c.sharedHidden ?? c.hidden))
        : undefined;
  }

  forward(x: tf.Tensor, options: MoEForwardOptions = {}): { y: tf.Tensor; aux: MoEAux } {
    const d = this.config.dim;
    if (x.shape[x.shape.length - 1] !== d) {
      throw new Error(`MoELayer: input last dimension is ${x.shape[x.shape.length - 1]}, config.dim is ${d}`);
    }
    const seqLen = options.seqLen ?? (x.rank === 3 ? x.shape[1] : undefined);
    const x2 = tf.reshape(x, [-1, d]) as tf.Tensor2D;
    const route = routeTidy(this.router, x2, options);
    const assignment =
      options.rankOverride === undefined
        ? route.assignment
        : this.rankAssignment(route.probs, options.rankOverride);
    const out = dispatch(this.config.dispatch, {
      x: x2,
      assignment,
      experts: this.experts,
      capacityFactor: this.config.capacityFactor,
    });
    let y = out.y;
    if (this.shared) {
      const shared = this.shared;
      y = tf.tidy(() => tf.add(out.y, tf.sum(shared.forwardAll(x2), 0)) as tf.Tensor2D);
    }
    const losses = tf.tidy(() =>
      this.losses(route.logits, route.probs, out.counts, assignment, route.smoothLoad, seqLen),
    );
    const indices = assignment.kind === 'token' ? assignment.indices : assignment.tokens;
    const shaped = tf.reshape(y, x.shape);
    const aux = { losses, counts: out.counts, probs: route.probs, dropped: out.dropped, indices };
    disposeExcept(
      [
        x2,
        out.y,
        y,
        route.logits,
        route.smoothLoad,
        ...assignmentTensors(route.assignment),
        ...assignmentTensors(assignment),
      ],
      [shaped, aux.counts, aux.probs, aux.dropped, indices],
    );
    return { y: shaped, aux };
  }

  private rankAssignment(probs: tf.Tensor2D, rank: number): TokenChoice {
    const e = this.config.numExperts;
    if (!Number.isInteger(rank) || rank < 0 || rank >= e) {
      throw new Error(`MoELayer: rankOverride must be an integer in [0, ${e}), got ${rank}`);
    }
    const ranked = topkIndices(probs, rank + 1);
    const indices = tf.slice(ranked, [0, rank], [-1, 1]) as tf.Tensor2D;
    return { kind: 'token', indices, weights: tf.ones(indices.shape) as tf.Tensor2D };
  }

  private losses(
    logits: tf.Tensor2D,
    probs: tf.Tensor2D,
    counts: tf.Tensor1D,
    assignment: TokenChoice | ExpertChoice,
    smoothLoad: tf.Tensor1D | undefined,
    seqLen: number | undefined,
  ): Record<string, tf.Scalar> {
    const coef = this.config.losses;
    const balanced = SELF_BALANCED.has(this.config.router.type);
    const out: Record<string, tf.Scalar> = {};
    if (coef.aux > 0 && !balanced) out.aux = tf.mul(coef.aux, switchAuxLoss(probs, counts));
    if (coef.z > 0 && this.config.router.type !== 'hash') out.z = tf.mul(coef.z, zLoss(logits));
    if (coef.cv2 > 0 && !balanced) {
      const gates = combineMatrix(assignment, probs.shape[0], this.config.numExperts);
      out.cv2 = tf.mul(coef.cv2, importanceLoadLoss(gates, smoothLoad ?? counts));
    }
    if (coef.seqAux > 0 && !balanced && assignment.kind === 'token' && seqLen !== undefined) {
      out.seqAux = tf.mul(coef.seqAux, sequenceAuxLoss(probs, assignment.indices, seqLen));
    }
    return out;
  }

  /** Parameters used per token: router, shared experts and k routed experts. */
  activeParams(): number {
    const inactive = this.experts.numExperts - this.expertsPerToken();
    return this.countParams() - inactive * this.experts.paramsPerExpert();
  }

  /** Routed experts each token runs on average (k; the capacity factor for expert choice). */
  expertsPerToken(): number {
    const r = this.config.router;
    return r.type === 'expert-choice'
      ? r.capacityFactor
      : r.type === 'hash' || r.type === 'balanced'
        ? 1
        : this.config.topK;
  }

  /** FLOPs per token of the sparse paths (router + k experts + shared experts). */
  flopsPerToken(): number {
    const shared = this.shared ? this.shared.numExperts * this.shared.flopsPerToken() : 0;
    return this.router.flopsPerToken() + this.expertsPerToken() * this.experts.flopsPerToken() + shared;
  }
}
