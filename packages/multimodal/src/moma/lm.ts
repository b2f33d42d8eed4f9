import {
  causalMask,
  Embedding,
  LayerNorm,
  Linear,
  Module,
  MultiHeadAttention,
  parseConfig,
  PositionalEmbedding,
  SwiGLU,
  tf,
} from '@moe-zoo/core';
import { z } from 'zod';
import {
  ModalityGroupedMoE,
  type CollectedRouting,
  type GroupRoutingStats,
  type LmRouting,
} from './grouped-ec';

const GroupSchema = z.object({
  name: z.string().min(1),
  modalities: z.array(z.number().int().min(1)).min(1),
  experts: z.number().int().positive(),
});

/** Config of {@link InterleavedLM}. */
export const InterleavedLmConfigSchema = z.object({
  vocabSize: z.number().int().positive(),
  /** Model input length (sequence length − 1 for next-token prediction). */
  seqLen: z.number().int().positive(),
  dim: z.number().int().positive().default(32),
  heads: z.number().int().positive().default(4),
  depth: z.number().int().positive().default(2),
  /** SwiGLU hidden width of the dense FFN and of each expert (so expert choice at capacity 1 is FLOP-matched). */
  hidden: z.number().int().positive().default(64),
  ffn: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('dense') }),
      z.object({
        kind: z.literal('ec'),
        groups: z.array(GroupSchema).min(1),
        capacityFactor: z.number().positive().default(1),
      }),
    ])
    .prefault({ kind: 'dense' }),
});

/** Parsed {@link InterleavedLM} config. */
export type InterleavedLmConfig = z.infer<typeof InterleavedLmConfigSchema>;
/** Input form of the config. */
export type InterleavedLmConfigInput = z.input<typeof InterleavedLmConfigSchema>;
/** The FFN part of the config. */
export type LmFfnConfig = z.input<typeof InterleavedLmConfigSchema>['ffn'];

/** The three arms of the MoMa miniature (FLOP-matched: expert choice at capacity 1 runs one expert per token on average). */
export const MOMA_ARMS = {
  /** Dense SwiGLU FFN of width `hidden`. */
  dense: { kind: 'dense' },
  /** 8 experts over all tokens, expert choice. */
  mixed8: { kind: 'ec', groups: [{ name: 'mixed', modalities: [1, 2], experts: 8 }] },
  /** MoMa: 4 text experts + 4 image experts, expert choice inside each group. */
  moma4t4i: {
    kind: 'ec',
    groups: [
      { name: 'text', modalities: [1], experts: 4 },
      { name: 'image', modalities: [2], experts: 4 },
    ],
  },
} as const satisfies Record<string, LmFfnConfig>;

/** Per-call options of {@link InterleavedLM.forward}. */
export interface LmForwardOptions {
  /** Expert routing: batch-level expert choice (training; non-causal) or the auxiliary routers (causal). Default 'ec'. */
  routing?: LmRouting;
  /** Collect each MoE layer's router inputs and expert-choice decisions (see {@link CollectedRouting}). */
  collect?: CollectedRouting[][];
  collectAux?: boolean;
}

class LmBlock extends Module {
  readonly ln1: LayerNorm;
  readonly attn: MultiHeadAttention;
  readonly ln2: LayerNorm;
  readonly ffn: SwiGLU | ModalityGroupedMoE;

  constructor(c: InterleavedLmConfig) {
    super();
    this.ln1 = this.child('ln1', new LayerNorm(c.dim));
    this.attn = this.child('attn', new MultiHeadAttention(c.dim, c.heads));
    this.ln2 = this.child('ln2', new LayerNorm(c.dim));
    this.ffn = this.child(
      'ffn',
      c.ffn.kind === 'dense'
        ? new SwiGLU(c.dim, c.hidden)
        : new ModalityGroupedMoE({
            dim: c.dim,
            hidden: c.hidden,
            groups: c.ffn.groups,
            capacityFactor: c.ffn.capacityFactor,
          }),
    );
  }
}

/**
 * A causal (decoder-only) transformer over interleaved text and image tokens — the early-fusion
 * LM of the MoMa miniature. The FFN of every block is a dense SwiGLU or a
 * {@link ModalityGroupedMoE} (MoMa's modality groups, or mixed experts), both with expert
 * choice inside a group. Pre-norm blocks (MoMa uses Swin-style post-norm; here the core blocks'
 * pre-norm is kept).
 *
 * @example
 * ```ts
 * const lm = new InterleavedLM({ vocabSize: set.vocabSize, seqLen: set.seqLen - 1, ffn: MOMA_ARMS.moma4t4i });
 * const { logits } = lm.forward(ids, modality); // ids [B, L] int32, modality [B·L]
 * ```
 */
export class InterleavedLM extends Module {
  readonly config: InterleavedLmConfig;
  readonly embed: Embedding;
  readonly pos: PositionalEmbedding;
  readonly blocks: LmBlock[];
  readonly norm: LayerNorm;
  readonly head: Linear;

  constructor(config: InterleavedLmConfigInput) {
    super();
    const c = parseConfig(InterleavedLmConfigSchema, config, 'InterleavedLM config');
    this.config = c;
    this.embed = this.child('embed', new Embedding(c.vocabSize, c.dim, { std: 0.1 }));
    this.pos = this.child('pos', new PositionalEmbedding(c.seqLen, c.dim));
    this.blocks = this.childList(
      'blocks',
      Array.from({ length: c.depth }, () => new LmBlock(c)),
    );
    this.norm = this.child('norm', new LayerNorm(c.dim));
    this.head = this.child('head', new Linear(c.dim, c.vocabSize));
  }

  /** The MoE layers (empty for the dense arm). */
  moeLayers(): ModalityGroupedMoE[] {
    return this.blocks
      .map((b) => b.ffn)
      .filter((f): f is ModalityGroupedMoE => f instanceof ModalityGroupedMoE);
  }

  /**
   * ids [B, L] int32 with the modality code of every position ([B·L], 0 = padding) → next-token
   * logits [B, L, vocab] and each MoE layer's routing statistics.
   */
  forward(
    ids: tf.Tensor2D,
    modality: ArrayLike<number>,
    o: LmForwardOptions = {},
  ): { logits: tf.Tensor3D; stats: GroupRoutingStats[][] } {
    const [b, l] = ids.shape;
    if (l > this.config.seqLen)
      throw new Error(`InterleavedLM: ${l} positions > seqLen ${this.config.seqLen}`);
    if (modality.length !== b * l)
      throw new Error(`InterleavedLM: modality has ${modality.length} entries for ids [${ids.shape}]`);
    const d = this.config.dim;
    const stats: GroupRoutingStats[][] = [];
    const mask = causalMask(l);
    let h = tf.tidy(() => this.pos.forward(this.embed.forward(ids))) as tf.Tensor3D;
    for (const block of this.blocks) {
      const h1 = tf.tidy(() =>
        tf.add(h, block.attn.forward(block.ln1.forward(h), undefined, mask)),
      ) as tf.Tensor3D;
      const u = tf.tidy(() => tf.reshape(block.ln2.forward(h1), [-1, d])) as tf.Tensor2D;
      let f: tf.Tensor;
      if (block.ffn instanceof ModalityGroupedMoE) {
        const layer: CollectedRouting[] | undefined = o.collect ? [] : undefined;
        const out = block.ffn.forward(u, {
          modality,
          routing: o.routing ?? 'ec',
          collect: layer,
          collectAux: o.collectAux,
        });
        if (layer) o.collect?.push(layer);
        f = out.y;
        stats.push(out.stats);
      } else {
        f = block.ffn.forward(u);
      }
      const next = tf.tidy(() => tf.add(h1, tf.reshape(f, h1.shape))) as tf.Tensor3D;
      tf.dispose([h, h1, u, f]);
      h = next;
    }
    const logits = tf.tidy(() => this.head.forward(this.norm.forward(h))) as tf.Tensor3D;
    tf.dispose([h, mask]);
    return { logits, stats };
  }

  /**
   * Switches what trains: the main model (default) or only the auxiliary routers (everything
   * else frozen), for MoMa's second stage.
   */
  trainAuxRoutersOnly(on: boolean): this {
    this.setTrainable(!on);
    for (const m of this.moeLayers()) for (const a of m.auxRouters) a.setTrainable(on);
    return this;
  }

  /** Parameters of the main model (auxiliary routers excluded). */
  mainParams(): number {
    return this.countParams() - this.auxRouterParams();
  }

  /** Parameters of the auxiliary routers. */
  auxRouterParams(): number {
    return this.moeLayers().reduce((s, m) => s + m.auxRouters.reduce((t, a) => t + a.countParams(), 0), 0);
  }

  /** Parameters one token uses (main model; routed experts counted at their average use). */
  activeParams(): number {
    const moe = this.moeLayers();
    return this.mainParams() - moe.reduce((s, m) => s + m.mainParams() - m.activeParamsPerToken(), 0);
  }

  /**
   * Forward FLOPs (2 per multiply-add) of one sequence with `routed` non-padding tokens out of
   * `tokens` positions: projections, attention, FFN (dense on every position; experts and router
   * on routed tokens, one expert per token on average), head. With `auxExpertsPerToken` the MoE
   * cost is that of auxiliary routing (aux router + that many experts per token).
   */
  flopsPerSample(tokens: number, routed: number, auxExpertsPerToken?: number): number {
    const { dim: d, hidden: h, vocabSize: v } = this.config;
    let f = 2 * tokens * d * v;
    for (const block of this.blocks) {
      f += 2 * tokens * 4 * d * d + 4 * tokens * tokens * d;
      const ffn = block.ffn;
      if (ffn instanceof ModalityGroupedMoE) {
        const expert = ffn.experts[0].flopsPerToken();
        const router = ffn.routers[0].flopsPerToken();
        f +=
          auxExpertsPerToken === undefined
            ? routed * ffn.flopsPerToken()
            : routed * (router + ffn.auxRouters[0].flopsPerToken() + auxExpertsPerToken * expert);
      } else {
        f += tokens * 6 * d * h;
      }
    }
    return f;
  }
}
