import { dispatch, ExpertChoiceRouter, Module, SwiGluExperts, tf } from '@moe-zoo/core';
import { AuxRouter } from './aux-router';

/** One expert group: the modalities it serves and its size. */
export interface ExpertGroupSpec {
  name: string;
  /** Modality codes (see MODALITY: 1 text, 2 image) whose tokens this group takes. */
  modalities: number[];
  experts: number;
}

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

/** Router inputs and expert-choice decisions of one group, for training the auxiliary routers. */
export interface CollectedRouting {
  group: string;
  /** [tokens × dim] router inputs. */
  inputs: Float32Array;
  /** [tokens × experts] 1 where the expert chose the token. */
  chosen: Float32Array;
  tokens: number;
  experts: number;
  /** [tokens × experts] auxiliary-router logits (only when asked). */
  auxLogits?: Float32Array;
}

/** Per-call context of {@link ModalityGroupedMoE.forward}. */
export interface GroupedMoEContext {
  /** Modality code of every row of x [T]. Rows of no group (padding) get a zero output. */
  modality: ArrayLike<number>;
  routing: LmRouting;
  /** With `ec` routing: push each group's router inputs and decisions here. */
  collect?: CollectedRouting[];
  /** With `collect`: also record the auxiliary routers' logits. */
  collectAux?: boolean;
}

/** Options of {@link ModalityGroupedMoE}. */
export interface ModalityGroupedMoEOptions {
  dim: number;
  /** Hidden width of each SwiGLU expert. */
  hidden: number;
  groups: ExpertGroupSpec[];
  /** Tokens per expert = round(capacityFactor · group tokens / group experts) (default 1). */
  capacityFactor?: number;
}

/**
 * MoMa's modality-aware MoE FFN (Lin et al. 2024): tokens first go deterministically to the
 * expert group of their modality (text → text experts, image → image experts), then expert-choice
 * routing with sigmoid scores runs inside each group — each expert takes its top
 * round(T_M / |E_M|) tokens of modality M in the batch, weight = the token's score. With a single
 * group over all modalities it is the "mixed experts" expert-choice baseline. Each group also owns
 * an {@link AuxRouter} for causal inference (`routing: 'aux'`).
 *
 * @example
 * ```ts
 * const moe = new ModalityGroupedMoE({ dim: 32, hidden: 64, groups: [
 *   { name: 'text', modalities: [1], experts: 4 }, { name: 'image', modalities: [2], experts: 4 }] });
 * const { y } = moe.forward(x, { modality, routing: 'ec' }); // x [T, 32], modality [T]
 * ```
 */
export class ModalityGroupedMoE extends Module {
  readonly experts: SwiGluExperts[];
  readonly routers: ExpertChoiceRouter[];
  readonly auxRouters: AuxRouter[];
  readonly groups: ExpertGroupSpec[];
  readonly dim: number;
  private readonly groupOf = new Map<number, number>();

  constructor(o: ModalityGroupedMoEOptions) {
    super();
    if (o.groups.length === 0) throw new Error('ModalityGroupedMoE: groups is empty');
    o.groups.forEach((g, i) => {
      if (!(Number.isInteger(g.experts) && g.experts >= 1))
        throw new Error(
          `ModalityGroupedMoE: groups[${i}].experts must be a positive integer, got ${g.experts}`,
        );
      for (const m of g.modalities) {
        if (this.groupOf.has(m))
          throw new Error(`ModalityGroupedMoE: modality ${m} is in more than one group (groups[${i}])`);
        this.groupOf.set(m, i);
      }
    });
    this.groups = o.groups;
    this.dim = o.dim;
    const cf = o.capacityFactor ?? 1;
    this.experts = this.childList(
      'experts',
      o.groups.map((g) => new SwiGluExperts({ numExperts: g.experts, dim: o.dim, hidden: o.hidden })),
    );
    this.routers = this.childList(
      'routers',
      o.groups.map(
        (g) =>
          new ExpertChoiceRouter({
            dim: o.dim,
            numExperts: g.experts,
            capacityFactor: cf,
            scoring: 'sigmoid',
          }),
      ),
    );
    this.auxRouters = this.childList(
      'auxRouters',
      o.groups.map((g) => new AuxRouter(o.dim, g.experts)),
    );
    for (const a of this.auxRouters) a.setTrainable(false);
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

  /** x [T, dim] → `{ y [T, dim], stats }` (rows of no group get 0: the residual carries them). */
  forward(x: tf.Tensor2D, ctx: GroupedMoEContext): { y: tf.Tensor2D; stats: GroupRoutingStats[] } {
    const t = x.shape[0];
    if (ctx.modality.length !== t)
      throw new Error(`ModalityGroupedMoE: modality has ${ctx.modality.length} entries for ${t} rows`);
    const rows = this.split(ctx.modality);
    const stats: GroupRoutingStats[] = [];
    const outs: tf.Tensor2D[] = [];
    const position = new Int32Array(t);
    let offset = 0;
    rows.forEach((idx, g) => {
      const name = this.groups[g].name;
      if (idx.length === 0) {
        stats.push({ group: name, tokens: 0, pairs: 0 });
        return;
      }
      idx.forEach((row, j) => (position[row] = offset + j));
      offset += idx.length;
      const xg = tf.gather(x, tf.tensor1d(idx, 'int32')) as tf.Tensor2D;
      const out = ctx.routing === 'ec' ? this.expertChoice(xg, g, ctx) : this.auxRouted(xg, g);
      outs.push(out.y);
      stats.push({ group: name, tokens: idx.length, pairs: out.pairs });
    });
    // Padding rows read a zero row appended after the groups' outputs.
    for (let r = 0; r < t; r++) if (!this.groupOf.has(ctx.modality[r])) position[r] = offset;
    const y = tf.tidy(() =>
      tf.gather(tf.concat([...outs, tf.zeros([1, this.dim])]), tf.tensor1d(position, 'int32')),
    ) as tf.Tensor2D;
    return { y, stats };
  }

  private expertChoice(
    xg: tf.Tensor2D,
    g: number,
    ctx: GroupedMoEContext,
  ): { y: tf.Tensor2D; pairs: number } {
    const route = this.routers[g].route(xg);
    if (route.assignment.kind !== 'expert') throw new Error('ModalityGroupedMoE: expected expert choice');
    const out = dispatch('sorted', { x: xg, assignment: route.assignment, experts: this.experts[g] });
    const chosen = route.assignment.tokens;
    if (ctx.collect) {
      const tokens = xg.shape[0];
      const e = this.groups[g].experts;
      const mask = new Float32Array(tokens * e);
      const ids = chosen.dataSync();
      const cap = chosen.shape[1];
      for (let j = 0; j < e; j++) for (let c = 0; c < cap; c++) mask[ids[j * cap + c] * e + j] = 1;
      ctx.collect.push({
        group: this.groups[g].name,
        inputs: xg.dataSync() as Float32Array,
        chosen: mask,
        tokens,
        experts: e,
        auxLogits: ctx.collectAux
          ? (tf.tidy(() => this.auxRouters[g].logits(xg).dataSync()) as Float32Array)
          : undefined,
      });
    }
    return { y: out.y, pairs: chosen.size };
  }

  /** Causal routing: expert j runs on the tokens whose auxiliary score exceeds 0.5, weighted by the main router's sigmoid score. */
  private auxRouted(xg: tf.Tensor2D, g: number): { y: tf.Tensor2D; pairs: number } {
    const gate = tf.tidy(() => {
      const selected = tf.cast(tf.greater(this.auxRouters[g].logits(xg), 0), 'float32');
      return tf.mul(selected, tf.sigmoid(tf.matMul(xg, this.routers[g].weight)));
    }) as tf.Tensor2D;
    const pairs = tf.tidy(() => tf.sum(tf.cast(tf.greater(gate, 0), 'float32')).dataSync()[0]);
    const y = tf.tidy(() => {
      const all = this.experts[g].forwardAll(xg); // [E, T, D]
      return tf.sum(tf.mul(all, tf.expandDims(tf.transpose(gate), -1)), 0);
    }) as tf.Tensor2D;
    gate.dispose();
    return { y, pairs };
  }

  /** Parameters of the main path (experts + routers, no auxiliary routers). */
  mainParams(): number {
    return [...this.experts, ...this.routers].reduce((s, m) => s + m.countParams(), 0);
  }

  /** Parameters one token uses: its group's router and, on average, capacityFactor experts. */
  activeParamsPerToken(): number {
    return Math.max(
      ...this.groups.map(
        (_, g) =>
          this.routers[g].countParams() + this.routers[g].capacityFactor * this.experts[g].paramsPerExpert(),
      ),
    );
  }

  /** FLOPs per routed token with expert choice: router scores plus capacityFactor experts on average. */
  flopsPerToken(group = 0): number {
    return (
      this.routers[group].flopsPerToken() +
      this.routers[group].capacityFactor * this.experts[group].flopsPerToken()
    );
  }
}
