import {
  ExpertChoiceRouter,
  LIMITS,
  MAX_CAPACITY_FACTOR,
  Module,
  parseConfig,
  refineExpertWidth,
  RoutedLayer,
  sizeField,
  SwiGluExperts,
  tf,
  type CostReporter,
  type DispatchKind,
  type FfnSlot,
  type MoEAux,
  type Routing,
  type SlotContext,
} from '@moe-zoo/core';
import { z } from 'zod';
import { refineDisjointModalities } from '../modality-groups';
import { AuxRouter } from './aux-router';

/** Right-pads int32 index rows with -1 to `width` columns. */
function padColumns(t: tf.Tensor2D, width: number): tf.Tensor2D {
  return tf.pad(
    t,
    [
      [0, 0],
      [0, width - t.shape[1]],
    ],
    -1,
  );
}

/** One expert group: the modalities it serves and its size. */
export const ExpertGroupSchema = z.strictObject({
  name: z.string().min(1).max(64),
  /** Modality codes (see MODALITY: 1 text, 2 image) whose tokens this group takes. */
  modalities: z.array(z.number().int().min(0).max(255)).min(1).max(256),
  experts: sizeField(LIMITS.numExperts),
});
export type ExpertGroupSpec = z.output<typeof ExpertGroupSchema>;

/** Config of {@link ModalityGroupedMoE}. */
export const ModalityGroupedMoEConfigSchema = z
  .strictObject({
    dim: sizeField(LIMITS.dim),
    /** Hidden width of each SwiGLU expert. */
    hidden: sizeField(LIMITS.hidden),
    groups: z.array(ExpertGroupSchema).min(1).max(64),
    /** Tokens per expert = round(capacityFactor · group tokens / group experts) (default 1). */
    capacityFactor: z.number().positive().max(MAX_CAPACITY_FACTOR).default(1),
  })
  .superRefine((c, ctx) => {
    if (ctx.issues.length > 0) return;
    refineExpertWidth({ hidden: c.hidden, numExperts: groupedExperts(c.groups) }, ctx);
    refineDisjointModalities(c.groups, ctx);
  });

/** The experts of all groups. */
export function groupedExperts(groups: readonly { experts: number }[]): number {
  return groups.reduce((s, g) => s + g.experts, 0);
}
export type ModalityGroupedMoEConfig = z.output<typeof ModalityGroupedMoEConfigSchema>;
export type ModalityGroupedMoEConfigInput = z.input<typeof ModalityGroupedMoEConfigSchema>;

/** How tokens are routed inside each group. */
export type LmRouting = 'ec' | 'aux';

/** What one group did with one batch (host numbers). */
export interface GroupRoutingStats {
  group: string;
  /** Tokens of the group's modalities in the batch. */
  tokens: number;
  /** (token, expert) pairs computed: tokens for expert choice with capacity factor 1; variable with aux routing. */
  pairs: number;
}

/**
 * Router inputs and expert-choice decisions of one group, for training the auxiliary routers. They
 * stay on the device (no readback inside the forward pass): the tensors belong to the caller, who
 * disposes them (or collects inside `tf.tidy` and returns them from it).
 */
export interface CollectedRouting {
  group: string;
  /** [tokens, dim] router inputs. */
  inputs: tf.Tensor2D;
  /** [tokens, experts] float32, 1 where the expert chose the token. */
  chosen: tf.Tensor2D;
  tokens: number;
  experts: number;
  /** [tokens, experts] auxiliary-router logits (only when asked). */
  auxLogits?: tf.Tensor2D;
}

/** Context of one {@link ExpertChoiceGroup} call: the slot context plus the routing mode. */
export interface ExpertGroupContext extends SlotContext {
  /** 'ec' (default): batch-level expert choice; 'aux': the auxiliary router, token by token. */
  routing?: LmRouting;
}

/** Per-call context of {@link ModalityGroupedMoE.forward}: `modality` (required) and the routing mode. */
export interface GroupedMoEContext extends ExpertGroupContext {
  /**
   * The values of `modality` on the host, when the caller has them: the layer splits the rows by
   * group from these instead of reading `modality` back (which needs a synchronous read, missing
   * on webgpu in Node).
   */
  modalityCodes?: ArrayLike<number>;
  /** With `ec` routing: push each group's router inputs and decisions here. */
  collect?: CollectedRouting[];
  /** With `collect`: also record the auxiliary routers' logits. */
  collectAux?: boolean;
}

/**
 * One expert group of MoMa as a core `RoutedLayer` over the group's own tokens: an expert-choice
 * router with sigmoid scores (each expert takes its top round(cf · T / E) tokens, weight = the
 * token's score) and a bank of SwiGLU experts, sorted dispatch, no balance loss (balanced by
 * construction). With `ctx.routing === 'aux'` the route is causal: expert j runs on the tokens
 * whose {@link AuxRouter} logit is positive, weighted by the main router's sigmoid score — a token
 * choice of up to E experts (`indices` -1 where an expert is not chosen, so `aux.counts` counts
 * the chosen pairs), mixed densely.
 *
 * The group's router, experts and auxiliary router are registered by its
 * {@link ModalityGroupedMoE} (`routers.N`, `experts.N`, `auxRouters.N`), not by the group, so the
 * group is a view: it owns no parameters itself.
 */
export class ExpertChoiceGroup extends RoutedLayer<ExpertGroupContext> {
  constructor(
    readonly router: ExpertChoiceRouter,
    readonly experts: SwiGluExperts,
    readonly auxRouter: AuxRouter,
  ) {
    super(experts.dim, { dispatch: 'sorted', losses: { aux: 0, z: 0, cv2: 0, seqAux: 0 } });
  }

  /** Expert choice dispatches sorted; the causal gate is a dense [T, E] mix over all experts. */
  protected override dispatchKind(ctx: ExpertGroupContext): DispatchKind {
    return ctx.routing === 'aux' ? 'dense' : 'sorted';
  }

  protected override route(x: tf.Tensor2D, ctx: ExpertGroupContext): Routing {
    if (ctx.routing !== 'aux') return super.route(x, ctx);
    const selected = tf.cast(tf.greater(this.auxRouter.logits(x), 0), 'float32');
    const logits = tf.matMul(x, this.router.weight) as tf.Tensor2D;
    const scores = tf.sigmoid(logits) as tf.Tensor2D;
    const gate = tf.mul(selected, scores) as tf.Tensor2D;
    const e = this.experts.numExperts;
    const expert = tf.broadcastTo(tf.range(0, e, 1, 'int32'), gate.shape);
    const indices = tf.where(tf.greater(gate, 0), expert, tf.fill(gate.shape, -1, 'int32')) as tf.Tensor2D;
    return {
      assignment: { kind: 'token', indices, weights: gate },
      logits,
      probs: tf.div(scores, tf.sum(scores, -1, true)) as tf.Tensor2D,
    };
  }

  /** FLOPs per token of causal routing: router, auxiliary router and `experts` experts on average. */
  causalFlopsPerToken(experts: number): number {
    return (
      this.router.flopsPerToken() + this.auxRouter.flopsPerToken() + experts * this.experts.flopsPerToken()
    );
  }
}

/**
 * MoMa's modality-aware MoE FFN (Lin et al. 2024): tokens first go deterministically to the
 * expert group of their modality (`ctx.modality`: text → text experts, image → image experts),
 * then expert-choice routing with sigmoid scores runs inside each group — each expert takes its top
 * round(T_M / |E_M|) tokens of modality M in the batch, weight = the token's score. With a single
 * group over all modalities it is the "mixed experts" expert-choice baseline. Each group also owns
 * an {@link AuxRouter} for causal inference (`routing: 'aux'`).
 *
 * Each group is an {@link ExpertChoiceGroup} (a core `RoutedLayer`) run on its rows; the layer
 * merges their outputs (rows of no group, i.e. padding, get 0: the residual carries them) and their
 * aux: `counts` [ΣE] concatenated over groups (pairs per expert), `probs` [T, ΣE] (each row in its
 * group's columns, padding rows 0), `valid` 1 on the routed rows, `losses` `<term>_<group>` (none:
 * expert choice is balanced by construction), `dropped` summed, and `indices` with global rows /
 * experts: expert choice [ΣE, max C] chosen rows per expert, causal routing [T, max E] chosen
 * experts per token, both -1-padded. {@link groupStats} reads the tokens and pairs per group.
 *
 * @example
 * ```ts
 * const moe = new ModalityGroupedMoE({ dim: 32, hidden: 64, groups: [
 *   { name: 'text', modalities: [1], experts: 4 }, { name: 'image', modalities: [2], experts: 4 }] });
 * const { y, aux } = moe.forward(x, { modality, modalityCodes, routing: 'ec' }); // x [T, 32], modality [T] int32
 * await moe.groupStats(aux, modalityCodes); // [{ group: 'text', tokens, pairs }, ...]
 * ```
 */
export class ModalityGroupedMoE extends Module implements FfnSlot, CostReporter {
  readonly config: ModalityGroupedMoEConfig;
  readonly experts: SwiGluExperts[];
  readonly routers: ExpertChoiceRouter[];
  readonly auxRouters: AuxRouter[];
  /** The groups as routed layers (views over `experts.N`, `routers.N`, `auxRouters.N`). */
  readonly layers: ExpertChoiceGroup[];
  readonly groups: ExpertGroupSpec[];
  readonly dim: number;
  private readonly groupOf = new Map<number, number>();
  /** First column of each group in the merged [T, ΣE] probabilities. */
  private readonly offsets: number[];
  private readonly totalExperts: number;

  constructor(config: ModalityGroupedMoEConfigInput) {
    super();
    const c = parseConfig(ModalityGroupedMoEConfigSchema, config, 'ModalityGroupedMoE config');
    this.config = c;
    c.groups.forEach((g, i) => g.modalities.forEach((m) => this.groupOf.set(m, i)));
    this.groups = c.groups;
    this.dim = c.dim;
    this.experts = this.childList(
      'experts',
      c.groups.map((g) => new SwiGluExperts({ numExperts: g.experts, dim: c.dim, hidden: c.hidden })),
    );
    this.routers = this.childList(
      'routers',
      c.groups.map(
        (g) =>
          new ExpertChoiceRouter({
            dim: c.dim,
            numExperts: g.experts,
            capacityFactor: c.capacityFactor,
            scoring: 'sigmoid',
          }),
      ),
    );
    this.auxRouters = this.childList(
      'auxRouters',
      c.groups.map((g) => new AuxRouter(c.dim, g.experts)),
    );
    for (const a of this.auxRouters) a.setTrainable(false);
    this.layers = c.groups.map(
      (_, g) => new ExpertChoiceGroup(this.routers[g], this.experts[g], this.auxRouters[g]),
    );
    this.offsets = c.groups.map((_, g) => c.groups.slice(0, g).reduce((s, h) => s + h.experts, 0));
    this.totalExperts = c.groups.reduce((s, g) => s + g.experts, 0);
  }

  /** Row indices of x per group. */
  private split(modality: ArrayLike<number>): number[][] {
    const rows: number[][] = this.groups.map(() => []);
    for (let t = 0; t < modality.length; t++) {
      const g = this.groupOf.get(modality[t]);
      if (g !== undefined) rows[g].push(t);
    }
    return rows;
  }

  /** x [T, dim] with `ctx.modality` [T] → `{ y [T, dim], aux }` (rows of no group get 0). */
  forward(x: tf.Tensor, ctx: GroupedMoEContext = {}): { y: tf.Tensor; aux: MoEAux } {
    const d = this.dim;
    if (x.shape[x.rank - 1] !== d)
      throw new Error(`ModalityGroupedMoE: input last dimension is ${x.shape[x.rank - 1]}, dim is ${d}`);
    const t = x.size / d;
    if (!ctx.modality)
      throw new Error('ModalityGroupedMoE: ctx.modality (the modality of every row) is required');
    if (ctx.modality.size !== t)
      throw new Error(`ModalityGroupedMoE: modality has ${ctx.modality.size} entries for ${t} rows`);
    if (ctx.valid && ctx.valid.size !== t)
      throw new Error(`ModalityGroupedMoE: valid has ${ctx.valid.size} entries for ${t} rows`);
    if (ctx.modalityCodes && ctx.modalityCodes.length !== t)
      throw new Error(
        `ModalityGroupedMoE: modalityCodes has ${ctx.modalityCodes.length} entries for ${t} rows`,
      );
    const routing = ctx.routing ?? 'ec';
    const codes = ctx.modalityCodes ?? ctx.modality.dataSync();
    const rows = this.split(codes);
    const x2 = tf.reshape(x, [-1, d]) as tf.Tensor2D;
    const position = new Int32Array(t);
    let offset = 0;
    const parts: { g: number; rows: tf.Tensor1D; y: tf.Tensor; aux: MoEAux }[] = [];
    rows.forEach((idx, g) => {
      if (idx.length === 0) return;
      idx.forEach((row, j) => (position[row] = offset + j));
      offset += idx.length;
      const rowIds = tf.tensor1d(idx, 'int32');
      const xg = tf.gather(x2, rowIds) as tf.Tensor2D;
      const valid = ctx.valid ? (tf.gather(ctx.valid, rowIds) as tf.Tensor1D) : undefined;
      const out = this.layers[g].forward(xg, { routing, valid });
      if (ctx.collect && routing === 'ec') ctx.collect.push(this.collected(g, xg, out.aux, ctx.collectAux));
      tf.dispose([xg, ...(valid ? [valid] : [])]);
      parts.push({ g, rows: rowIds, ...out });
    });
    // Padding rows read a zero row appended after the groups' rows.
    for (let r = 0; r < t; r++) if (!this.groupOf.has(codes[r])) position[r] = offset;
    const routed = Float32Array.from(codes, (m: number) => (this.groupOf.has(m) ? 1 : 0));
    const merged = tf.tidy(() => this.merge(parts, position, routed, routing, ctx.valid));
    const y = tf.tidy(() => tf.reshape(merged.y, x.shape));
    const used = parts.flatMap((p) => [
      p.rows,
      p.y,
      p.aux.counts,
      p.aux.probs,
      p.aux.dropped,
      p.aux.indices,
      ...(p.aux.valid ? [p.aux.valid] : []),
    ]);
    tf.dispose([...used, merged.y, ...(x2 !== x ? [x2] : [])]);
    const { counts, probs, dropped, indices, valid } = merged;
    return { y, aux: { losses: merged.losses, counts, probs, dropped, indices, valid } };
  }

  /** The group's router inputs and expert-choice decisions (new tensors, on the device). */
  private collected(g: number, xg: tf.Tensor2D, aux: MoEAux, withAux = false): CollectedRouting {
    const tokens = xg.shape[0];
    // Expert j's chosen rows (aux.indices [E, C]) as a [tokens, E] 0/1 mask; the one-hots times a
    // float 1, so that they are float32 on every backend (webgpu sums int32 wrongly, and wasm's
    // one-hot ignores a dtype).
    const chosen = tf.tidy(() => {
      const hits = tf.sum(tf.mul(tf.oneHot(aux.indices, tokens), tf.scalar(1, 'float32')), 1); // [E, tokens]
      return tf.transpose(tf.minimum(hits, 1)) as tf.Tensor2D;
    });
    return {
      group: this.groups[g].name,
      inputs: tf.clone(xg),
      chosen,
      tokens,
      experts: this.groups[g].experts,
      auxLogits: withAux ? tf.tidy(() => this.auxRouters[g].logits(xg) as tf.Tensor2D) : undefined,
    };
  }

  /** Merges the groups' outputs and aux into the layer's (runs inside `tf.tidy`). */
  private merge(
    parts: { g: number; rows: tf.Tensor1D; y: tf.Tensor; aux: MoEAux }[],
    position: Int32Array,
    routed: Float32Array,
    routing: LmRouting,
    valid: tf.Tensor1D | undefined,
  ) {
    const all = this.totalExperts;
    const at = tf.tensor1d(position, 'int32');
    const scatter = (blocks: tf.Tensor2D[], fill: number, dtype: 'float32' | 'int32') =>
      tf.gather(
        tf.concat([...blocks, tf.fill([1, blocks[0]?.shape[1] ?? 0], fill, dtype)]),
        at,
      ) as tf.Tensor2D;
    const y = tf.gather(tf.concat([...parts.map((p) => p.y), tf.zeros([1, this.dim])]), at) as tf.Tensor2D;
    const widen = (m: tf.Tensor2D, g: number, width: number, fill: number) =>
      tf.pad(
        m,
        [
          [0, 0],
          [this.offsets[g], width - this.offsets[g] - m.shape[1]],
        ],
        fill,
      ) as tf.Tensor2D;
    const probs =
      parts.length > 0
        ? scatter(
            parts.map((p) => widen(p.aux.probs, p.g, all, 0)),
            0,
            'float32',
          )
        : (tf.zeros([position.length, all]) as tf.Tensor2D);
    const counts = tf.concat(
      this.groups.map((g, i) => parts.find((p) => p.g === i)?.aux.counts ?? tf.zeros([g.experts])),
    ) as tf.Tensor1D;
    let indices: tf.Tensor2D;
    if (routing === 'ec') {
      // Chosen rows per expert [E_g, C_g] → global rows, -1-padded to the widest capacity.
      const width = Math.max(0, ...parts.map((p) => p.aux.indices.shape[1]));
      indices = tf.concat(
        this.groups.map((g, i) => {
          const p = parts.find((q) => q.g === i);
          if (!p) return tf.fill([g.experts, width], -1, 'int32') as tf.Tensor2D;
          return padColumns(tf.gather(p.rows, p.aux.indices) as tf.Tensor as tf.Tensor2D, width);
        }),
      ) as tf.Tensor2D;
    } else {
      // Chosen experts per token [T_g, E_g] (-1 = not chosen) → global experts, per row.
      const width = Math.max(0, ...parts.map((p) => p.aux.indices.shape[1]));
      const blocks = parts.map((p) => {
        const ids = p.aux.indices;
        const global = tf.where(
          tf.greaterEqual(ids, 0),
          tf.add(ids, tf.scalar(this.offsets[p.g], 'int32')),
          ids,
        ) as tf.Tensor2D;
        return padColumns(global, width);
      });
      indices =
        blocks.length > 0
          ? scatter(blocks, -1, 'int32')
          : (tf.fill([position.length, 0], -1, 'int32') as tf.Tensor2D);
    }
    const inGroup = tf.tensor1d(routed);
    const mask = (valid ? tf.mul(inGroup, valid) : inGroup) as tf.Tensor1D;
    const dropped = (parts.length > 0 ? tf.addN(parts.map((p) => p.aux.dropped)) : tf.scalar(0)) as tf.Scalar;
    const losses: Record<string, tf.Scalar> = {};
    for (const p of parts)
      for (const [k, v] of Object.entries(p.aux.losses)) losses[`${k}_${this.groups[p.g].name}`] = v;
    return { y, counts, probs, dropped, indices, valid: mask, losses };
  }

  /**
   * Tokens and (token, expert) pairs per group of one call, from its aux (pairs: the group's
   * counts, read back with an awaited read) and the rows' modality codes (tokens).
   */
  async groupStats(aux: MoEAux, modality: ArrayLike<number>): Promise<GroupRoutingStats[]> {
    const counts = Array.from(await aux.counts.data());
    const rows = this.split(modality);
    return this.groups.map((g, i) => ({
      group: g.name,
      tokens: rows[i].length,
      pairs: counts.slice(this.offsets[i], this.offsets[i] + g.experts).reduce((s, c) => s + c, 0),
    }));
  }

  /**
   * Parameters one token leaves unused: everything but its group's router and, on average,
   * capacityFactor of its experts (the other groups, the other experts and the auxiliary routers,
   * which only causal inference uses).
   */
  inactiveParams(): number {
    const active = Math.max(
      ...this.layers.map((l) => l.router.countParams() + l.expertsPerToken() * l.experts.paramsPerExpert()),
    );
    return this.countParams() - active;
  }

  /** FLOPs per routed token with expert choice: router scores plus capacityFactor experts on average. */
  flopsPerToken(): number {
    return Math.max(...this.layers.map((l) => l.flopsPerToken()));
  }

  /** FLOPs per routed token with causal routing: router, auxiliary router and `experts` experts. */
  causalFlopsPerToken(experts: number): number {
    return Math.max(...this.layers.map((l) => l.causalFlopsPerToken(experts)));
  }
}
