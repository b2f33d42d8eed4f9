import {
  backendCapabilities,
  countAssignments,
  FfnExperts,
  gatherRows,
  LIMITS,
  refineExpertWidth,
  sizeField,
  MoESlotOptionsSchema,
  normalizeRows,
  parseConfig,
  RoutedLayer,
  SoftmaxTopKRouter,
  switchAuxLoss,
  tf,
  topkIndices,
  type MoEAux,
  type Routing,
  type SlotContext,
} from '@moe-zoo/core';
import { z } from 'zod';
import { refineDisjointModalities } from '../modality-groups';

/** One routing group: the tokens of `modalities` are routed by their own router over `experts`. */
export const RoutingGroupSchema = z.strictObject({
  /** Name of the group; its balance loss is reported as `aux_<name>`. */
  name: z
    .string()
    .max(64)
    .regex(/^[a-z][a-z0-9]*$/, 'lowercase letters and digits'),
  /** Token modalities this group routes (1 = image, 0 = text). */
  modalities: z.array(z.number().int().min(0).max(255)).min(1).max(256),
  /** The experts (global indices) this group's router may choose from. */
  experts: z.array(z.number().int().min(0).max(LIMITS.numExperts)).min(1).max(LIMITS.numExperts),
  /** This group's router gain (see the layer's `routerGain`, the default). */
  routerGain: z.number().min(0.01).max(100).optional(),
});

/** The fields of a group-routed MoE without `dim`, before the cross-field checks. */
const GroupMoEFieldsSchema = MoESlotOptionsSchema.pick({
  hidden: true,
  numExperts: true,
  topK: true,
  activation: true,
  dispatch: true,
  capacityFactor: true,
}).extend({
  groups: z.array(RoutingGroupSchema).min(1).max(64),
  /** Coefficient of each group's Switch balance loss (MoIIE: 0.001 per router). */
  aux: z.number().min(0).default(0.001),
  /**
   * Router gain g: every router reads `g · x` and starts from core's initial weights divided by g,
   * so the logits at step 0 are unchanged while each Adam step moves them about g times as far: a
   * router learning-rate multiplier (the trainer has one learning rate for all parameters). 1 =
   * a plain router.
   */
  routerGain: z.number().min(0.01).max(100).default(1),
});

/** Groups cover disjoint modalities, name distinct experts below `numExperts`, at least `topK` each. */
function refineGroups(c: z.output<typeof GroupMoEFieldsSchema>, ctx: z.RefinementCtx): void {
  if (ctx.issues.length > 0) return;
  refineExpertWidth(c, ctx);
  refineDisjointModalities(c.groups, ctx);
  c.groups.forEach((g, i) => {
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
}

/**
 * A {@link GroupRoutedMoE}'s settings without `dim` (what a model's FFN-slot config holds; the
 * model fills in `dim`): `numExperts` FFN experts of width `hidden` shared by several routers, each
 * over its own (possibly overlapping) expert subset. Composes core's MoE slot options (expert width
 * and count, top-k, activation, dispatch) with the groups.
 */
export const GroupMoESlotOptionsSchema = GroupMoEFieldsSchema.superRefine(refineGroups);
export type GroupMoESlotOptionsInput = z.input<typeof GroupMoESlotOptionsSchema>;

/** Config of {@link GroupRoutedMoE}: the {@link GroupMoESlotOptionsSchema slot options} plus the model width. */
export const GroupRoutedMoEConfigSchema = GroupMoEFieldsSchema.extend({
  dim: sizeField(LIMITS.dim),
}).superRefine(refineGroups);
export type GroupRoutedMoEConfig = z.output<typeof GroupRoutedMoEConfigSchema>;
export type GroupRoutedMoEConfigInput = z.input<typeof GroupRoutedMoEConfigSchema>;

/**
 * An MoE FFN whose tokens are routed by modality: each {@link RoutingGroupSchema group} has a
 * bias-free softmax top-k router over its own expert subset (core's SoftmaxTopKRouter with
 * renormalised top-k weights, i.e. a softmax masked to the subset), all groups share one bank of FFN
 * experts and one dispatch. Each router gets its own Switch balance loss over its own tokens
 * (`aux_<group>`, padding marked by `ctx.valid` excluded). This expresses MoIIE (routers over
 * {V,S1,S2} and {S1,S2,L}), the modality MoE (disjoint subsets) and the vanilla MoE (one group over
 * all experts).
 *
 * A core `RoutedLayer` without a single router: `route` routes every group and keeps each token's
 * own group (by `ctx.modality`, required), and returns the groups' balance losses as
 * `Routing.losses`; the base adds no balance term of its own. `aux.probs` are [T, numExperts]
 * (zero outside a token's subset). Children `router_<group>` and `experts`.
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
 * const { y, aux } = moiie.forward(x, { modality, valid }); // x [T, 48], modality [T] int32
 * ```
 */
export class GroupRoutedMoE extends RoutedLayer {
  readonly config: GroupRoutedMoEConfig;
  readonly router: undefined = undefined;
  readonly routers: SoftmaxTopKRouter[];
  readonly experts: FfnExperts;

  constructor(config: GroupRoutedMoEConfigInput) {
    const c = parseConfig(GroupRoutedMoEConfigSchema, config, 'group-routed moe config');
    super(c.dim, {
      dispatch: c.dispatch,
      capacityFactor: c.capacityFactor,
      losses: { aux: 0, z: 0, cv2: 0, seqAux: 0 },
    });
    this.config = c;
    this.routers = c.groups.map((g) =>
      this.child(
        `router_${g.name}`,
        new SoftmaxTopKRouter({ dim: c.dim, numExperts: g.experts.length, k: c.topK }),
      ),
    );
    this.routers.forEach((r, gi) => {
      const gain = this.gainOf(gi);
      if (gain !== 1) tf.tidy(() => r.weight.assign(tf.div(r.weight, gain)));
    });
    this.experts = this.child(
      'experts',
      new FfnExperts({ numExperts: c.numExperts, dim: c.dim, hidden: c.hidden, activation: c.activation }),
    );
  }

  /** The router gain of group `gi`: its own, else the layer's. */
  private gainOf(gi: number): number {
    return this.config.groups[gi].routerGain ?? this.config.routerGain;
  }

  /** x [T, dim] with `ctx.modality` [T] (and optionally `ctx.valid`) → `{ y, aux }`. */
  override forward(x: tf.Tensor, ctx: SlotContext = {}): { y: tf.Tensor; aux: MoEAux } {
    const t = x.size / this.dim;
    const modality = ctx.modality;
    if (!modality) throw new Error('GroupRoutedMoE: ctx.modality (the modality of every token) is required');
    if (modality.size !== t)
      throw new Error(`GroupRoutedMoE: ctx.modality has ${modality.size} entries for ${t} tokens`);
    // A check of the caller's modality codes, read back to the host: only where reads are synchronous
    // and cheap (not on webgpu, where a forward pass reads nothing back).
    if (backendCapabilities().syncReadback) {
      const covered = new Set(this.config.groups.flatMap((g) => g.modalities));
      const missing = Array.from(modality.dataSync()).find((m) => !covered.has(m));
      if (missing !== undefined)
        throw new Error(`GroupRoutedMoE: some tokens have a modality no routing group covers (${missing})`);
    }
    return super.forward(x, ctx);
  }

  /**
   * Every group's router scores only its subset: its softmax is spread onto the E experts (zero
   * elsewhere), top-k is taken over the subset, the k weights are renormalised; each token keeps
   * the routing of its modality's group. Losses: one Switch term per group over its real tokens.
   */
  protected override route(x: tf.Tensor2D, ctx: SlotContext): Routing {
    const c = this.config;
    const modality = ctx.modality as tf.Tensor1D;
    let indices: tf.Tensor2D | undefined;
    let weights: tf.Tensor2D | undefined;
    let probs: tf.Tensor2D | undefined;
    const losses: Record<string, tf.Scalar> = {};
    c.groups.forEach((g, gi) => {
      const gain = this.gainOf(gi);
      const { probs: local } = this.routers[gi].route(gain === 1 ? x : tf.mul(x, gain)); // [T, S]
      // [S, E]; times a float 1, so that it is float32 on every backend (webgpu sums int32 wrongly,
      // architecture.md section 3; wasm's one-hot ignores a dtype).
      const select = tf.mul(
        tf.oneHot(tf.tensor1d(g.experts, 'int32'), c.numExperts),
        tf.scalar(1, 'float32'),
      );
      const full = tf.matMul(local, select) as tf.Tensor2D; // [T, E]
      const outside = tf.sub(tf.sum(select, 0), 1); // 0 inside the subset, -1 outside
      const chosen = topkIndices(tf.add(full, outside) as tf.Tensor2D, c.topK); // [T, k] global
      const w = normalizeRows(gatherRows(full, chosen));
      const member = g.modalities.map((m) => tf.equal(modality, m)).reduce((a, b) => tf.logicalOr(a, b)); // [T] bool
      const memberK = tf.broadcastTo(tf.expandDims(member, -1), chosen.shape);
      const memberE = tf.broadcastTo(tf.expandDims(member, -1), full.shape);
      indices = indices ? (tf.where(memberK, chosen, indices) as tf.Tensor2D) : chosen;
      weights = weights ? (tf.where(memberK, w, weights) as tf.Tensor2D) : w;
      probs = probs ? (tf.where(memberE, full, probs) as tf.Tensor2D) : full;
      if (c.aux > 0) {
        const inGroup = tf.cast(member, 'float32') as tf.Tensor1D;
        const mask = ctx.valid ? (tf.mul(inGroup, ctx.valid) as tf.Tensor1D) : inGroup;
        const counts = countAssignments(chosen, c.numExperts, mask);
        losses[`aux_${g.name}`] = tf.mul(c.aux, switchAuxLoss(full, counts, mask, g.experts.length));
      }
    });
    const p = probs as tf.Tensor2D;
    return {
      assignment: { kind: 'token', indices: indices as tf.Tensor2D, weights: weights as tf.Tensor2D },
      // Log-probabilities stand in for logits (-Infinity outside a token's subset): no z-loss here.
      logits: tf.log(p) as tf.Tensor2D,
      probs: p,
      losses,
    };
  }

  /** How many experts the router of `modality`'s tokens chooses from (0 if no group covers it). */
  choicesFor(modality: number): number {
    return this.config.groups.find((g) => g.modalities.includes(modality))?.experts.length ?? 0;
  }

  /** Parameters of the largest router (a token runs exactly one router). */
  private maxRouterParams(): number {
    return Math.max(...this.routers.map((r) => r.countParams()));
  }

  /** k: every token runs its group's top-k. */
  override expertsPerToken(): number {
    return this.config.topK;
  }

  /** Parameters a token does not use: the experts it skips and the routers of other modalities. */
  override inactiveParams(): number {
    const routers = this.routers.reduce((s, r) => s + r.countParams(), 0);
    return (
      (this.config.numExperts - this.config.topK) * this.experts.paramsPerExpert() +
      routers -
      this.maxRouterParams()
    );
  }

  /** FLOPs per token: the (largest) router and k experts. */
  override flopsPerToken(): number {
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
