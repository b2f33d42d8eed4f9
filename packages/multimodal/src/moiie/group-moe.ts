import {
  dispatch,
  FfnExperts,
  gatherRows,
  Module,
  normalizeRows,
  parseConfig,
  SoftmaxTopKRouter,
  tf,
  topkIndices,
  type FfnOutput,
  type MoEAux,
} from '@moe-zoo/core';
import { z } from 'zod';
import type { ContextualFfn, SparseParams, TokenContext } from '../vqa/slots';

/** One routing group: the tokens of `modalities` are routed by their own router over `experts`. */
export const RoutingGroupSchema = z.object({
  /** Name of the group; its balance loss is reported as `aux_<name>`. */
  name: z.string().regex(/^[a-z][a-z0-9]*$/, 'lowercase letters and digits'),
  /** Token modalities this group routes (1 = image, 0 = text). */
  modalities: z.array(z.number().int().min(0)).min(1),
  /** The experts (global indices) this group's router may choose from. */
  experts: z.array(z.number().int().min(0)).min(1),
});

/**
 * Config of {@link GroupRoutedMoE}: `numExperts` FFN experts of width `hidden` shared by several
 * routers, each over its own (possibly overlapping) expert subset.
 */
export const GroupRoutedMoEConfigSchema = z
  .object({
    dim: z.number().int().positive(),
    hidden: z.number().int().positive(),
    numExperts: z.number().int().min(1),
    topK: z.number().int().min(1),
    groups: z.array(RoutingGroupSchema).min(1),
    /** Coefficient of each group's Switch balance loss (MoIIE: 0.001 per router). */
    aux: z.number().min(0).default(0.001),
    activation: z.enum(['gelu', 'relu', 'silu']).default('gelu'),
    dispatch: z.enum(['dense', 'sorted', 'capacity']).default('sorted'),
  })
  .superRefine((c, ctx) => {
    const seen = new Set<number>();
    c.groups.forEach((g, i) => {
      for (const m of g.modalities) {
        if (seen.has(m))
          ctx.addIssue({
            code: 'custom',
            path: ['groups', i, 'modalities'],
            message: `modality ${m} is in two groups`,
          });
        seen.add(m);
      }
      if (new Set(g.experts).size !== g.experts.length) {
        ctx.addIssue({ code: 'custom', path: ['groups', i, 'experts'], message: 'experts repeat' });
      }
      const bad = g.experts.find((e) => e >= c.numExperts);
      if (bad !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['groups', i, 'experts'],
          message: `expert ${bad} >= numExperts ${c.numExperts}`,
        });
      }
      if (c.topK > g.experts.length) {
        ctx.addIssue({
          code: 'custom',
          path: ['topK'],
          message: `topK ${c.topK} exceeds the ${g.experts.length} experts of group "${g.name}"`,
        });
      }
    });
    if (new Set(c.groups.map((g) => g.name)).size !== c.groups.length) {
      ctx.addIssue({ code: 'custom', path: ['groups'], message: 'group names repeat' });
    }
  });
export type GroupRoutedMoEConfig = z.output<typeof GroupRoutedMoEConfigSchema>;
export type GroupRoutedMoEConfigInput = z.input<typeof GroupRoutedMoEConfigSchema>;

/**
 * Switch/Mixtral balance loss of one router over the tokens selected by `mask` [T] (1 = counted):
 * `S · Σ_i f_i · P_i` with `f_i` the fraction of the selected tokens' (token, slot) assignments to
 * expert i (no gradient), `P_i` their mean router probability and S the number of experts the router
 * may choose (`allowed`, default all columns of `probs`). Experts outside the router's subset have
 * zero probability and no assignments, so they add nothing. 0 when no token is selected.
 *
 * @param probs [T, E] router probabilities, `indices` [T, k] chosen experts
 */
export function maskedSwitchAuxLoss(
  probs: tf.Tensor2D,
  indices: tf.Tensor2D,
  mask: tf.Tensor1D,
  allowed = probs.shape[1],
): tf.Scalar {
  return tf.tidy(() => {
    const e = probs.shape[1];
    const m = tf.expandDims(mask, -1); // [T, 1]
    const tokens = tf.maximum(tf.sum(mask), 1e-9);
    const assigned = tf.sum(tf.oneHot(indices, e), 1); // [T, E]
    const f = tf.div(tf.sum(tf.mul(assigned, m), 0), tf.mul(tokens, indices.shape[1]));
    const p = tf.div(tf.sum(tf.mul(probs, m), 0), tokens);
    return tf.mul(allowed, tf.sum(tf.mul(f, p))) as tf.Scalar;
  });
}

/**
 * An MoE FFN whose tokens are routed by modality: each {@link RoutingGroupSchema group} has a
 * bias-free softmax top-k router over its own expert subset (core's SoftmaxTopKRouter with
 * renormalised top-k weights, i.e. a softmax masked to the subset), all groups share one bank of FFN
 * experts and one dispatch. Each router gets its own Switch balance loss over its own tokens
 * (`aux_<group>`, pad tokens excluded). This expresses MoIIE (routers over {V,S1,S2} and {S1,S2,L}),
 * the modality MoE (disjoint subsets) and the vanilla MoE (one group over all experts).
 *
 * @example
 * ```ts
 * const moiie = new GroupRoutedMoE({
 *   dim: 48, hidden: 96, numExperts: 4, topK: 2,
 *   groups: [
 *     { name: 'vis', modalities: [1], experts: [0, 1, 2] },
 *     { name: 'txt', modalities: [0], experts: [1, 2, 3] },
 *   ],
 * });
 * const { y, aux } = moiie.forwardTokens(x, { modality, valid }); // x [T, 48]
 * ```
 */
export class GroupRoutedMoE extends Module implements ContextualFfn, SparseParams {
  readonly config: GroupRoutedMoEConfig;
  readonly routers: SoftmaxTopKRouter[];
  readonly experts: FfnExperts;

  constructor(config: GroupRoutedMoEConfigInput) {
    super();
    const c = parseConfig(GroupRoutedMoEConfigSchema, config, 'group-routed moe config');
    this.config = c;
    this.routers = c.groups.map((g) =>
      this.child(
        `router_${g.name}`,
        new SoftmaxTopKRouter({ dim: c.dim, numExperts: g.experts.length, k: c.topK }),
      ),
    );
    this.experts = this.child(
      'experts',
      new FfnExperts({ numExperts: c.numExperts, dim: c.dim, hidden: c.hidden, activation: c.activation }),
    );
  }

  /** x [T, dim] with the tokens' modality and validity → `{ y, aux }`; aux.probs are [T, numExperts]. */
  forwardTokens(x: tf.Tensor2D, ctx: TokenContext): FfnOutput {
    const c = this.config;
    const t = x.shape[0];
    if (x.rank !== 2 || x.shape[1] !== c.dim)
      throw new Error(`GroupRoutedMoE: x must be [T, ${c.dim}], got [${x.shape}]`);
    if (ctx.modality.shape[0] !== t || ctx.valid.shape[0] !== t) {
      throw new Error(
        `GroupRoutedMoE: modality [${ctx.modality.shape}] and valid [${ctx.valid.shape}] must have ${t} entries`,
      );
    }
    const keep: tf.Tensor[] = [];
    const routed = tf.tidy(() => {
      let indices: tf.Tensor | undefined;
      let weights: tf.Tensor | undefined;
      let probs: tf.Tensor | undefined;
      let covered: tf.Tensor = tf.zeros([t], 'bool');
      const losses: Record<string, tf.Scalar> = {};
      c.groups.forEach((g, gi) => {
        // The router scores only its subset: its softmax is spread onto the E experts (zero
        // elsewhere), top-k is taken over the subset, the k weights are renormalised.
        const { probs: local } = this.routers[gi].route(x); // [T, S]
        const select = tf.oneHot(tf.tensor1d(g.experts, 'int32'), c.numExperts); // [S, E]
        const full = tf.matMul(local, select) as tf.Tensor2D; // [T, E]
        const outside = tf.sub(tf.sum(select, 0), 1); // 0 inside the subset, -1 outside
        const chosen = topkIndices(tf.add(full, outside) as tf.Tensor2D, c.topK); // [T, k] global
        const w = normalizeRows(gatherRows(full, chosen));
        const member = g.modalities
          .map((m) => tf.equal(ctx.modality, m))
          .reduce((a, b) => tf.logicalOr(a, b)); // [T] bool
        covered = tf.logicalOr(covered, member);
        const memberK = tf.broadcastTo(tf.expandDims(member, -1), chosen.shape);
        const memberE = tf.broadcastTo(tf.expandDims(member, -1), full.shape);
        indices = indices ? tf.where(memberK, chosen, indices) : chosen;
        weights = weights ? tf.where(memberK, w, weights) : w;
        probs = probs ? tf.where(memberE, full, probs) : full;
        if (c.aux > 0) {
          const mask = tf.mul(tf.cast(member, 'float32'), ctx.valid) as tf.Tensor1D;
          losses[`aux_${g.name}`] = tf.mul(c.aux, maskedSwitchAuxLoss(full, chosen, mask, g.experts.length));
        }
      });
      const uncovered = tf.logicalNot(covered);
      return {
        indices: indices as tf.Tensor2D,
        weights: weights as tf.Tensor2D,
        probs: probs as tf.Tensor2D,
        losses,
        uncovered: tf.any(uncovered),
      };
    });
    keep.push(routed.indices, routed.weights, routed.probs, routed.uncovered);
    if (routed.uncovered.dataSync()[0]) {
      tf.dispose([...keep, ...Object.values(routed.losses)]);
      throw new Error('GroupRoutedMoE: some tokens have a modality no routing group covers');
    }
    const out = dispatch(c.dispatch, {
      x,
      assignment: { kind: 'token', indices: routed.indices, weights: routed.weights },
      experts: this.experts,
    });
    routed.uncovered.dispose();
    routed.weights.dispose();
    const aux: MoEAux = {
      losses: routed.losses,
      counts: out.counts,
      probs: routed.probs,
      dropped: out.dropped,
      indices: routed.indices,
    };
    return { y: out.y, aux };
  }

  /** Parameters of the largest router (a token runs exactly one router). */
  private maxRouterParams(): number {
    return Math.max(...this.routers.map((r) => r.countParams()));
  }

  /** Parameters a token does not use: the experts it skips and the routers of other modalities. */
  inactiveParams(): number {
    const routers = this.routers.reduce((s, r) => s + r.countParams(), 0);
    return (
      (this.config.numExperts - this.config.topK) * this.experts.paramsPerExpert() +
      routers -
      this.maxRouterParams()
    );
  }

  /** FLOPs per token: the (largest) router and k experts. */
  flopsPerToken(): number {
    const routerFlops = Math.max(...this.routers.map((r) => r.flopsPerToken()));
    return routerFlops + this.config.topK * this.experts.flopsPerToken();
  }

  /** The expert subset each modality may use, for checks and reports. */
  allowedExperts(modality: number): number[] {
    const g = this.config.groups.find((gr) => gr.modalities.includes(modality));
    if (!g) throw new Error(`GroupRoutedMoE: no routing group covers modality ${modality}`);
    return [...g.experts];
  }
}
