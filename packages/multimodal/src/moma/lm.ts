import {
  attentionBlockValues,
  causalMask,
  Embedding,
  LayerNorm,
  LIMITS,
  Linear,
  MAX_CAPACITY_FACTOR,
  Module,
  moduleCosts,
  TransformerBlock,
  parseConfig,
  PositionalEmbedding,
  refineExpertWidth,
  refineHeads,
  refineParamBudget,
  sizeField,
  SwiGLU,
  tf,
  type MoEAux,
} from '@moe-zoo/core';
import { z } from 'zod';
import {
  ExpertGroupSchema,
  groupedExperts,
  ModalityGroupedMoE,
  type CollectedRouting,
  type GroupedMoEContext,
  type LmRouting,
} from './grouped-ec';

/** An expert group of the LM: modality codes from 1 (0 is padding, which no group takes). */
const GroupSchema = ExpertGroupSchema.extend({
  modalities: z.array(z.number().int().min(1).max(255)).min(1).max(256),
});

/** Config of {@link InterleavedLM}. */
export const InterleavedLmConfigSchema = z
  .strictObject({
    vocabSize: sizeField(LIMITS.vocab),
    /** Model input length (sequence length − 1 for next-token prediction). */
    seqLen: sizeField(LIMITS.tokens),
    dim: sizeField(LIMITS.dim).default(32),
    heads: sizeField(LIMITS.heads).default(4),
    depth: sizeField(LIMITS.depth).default(2),
    /** SwiGLU hidden width of the dense FFN and of each expert (so expert choice at capacity 1 is FLOP-matched). */
    hidden: sizeField(LIMITS.hidden).default(64),
    ffn: z
      .discriminatedUnion('kind', [
        z.strictObject({ kind: z.literal('dense') }),
        z.strictObject({
          kind: z.literal('ec'),
          groups: z.array(GroupSchema).min(1).max(64),
          capacityFactor: z.number().positive().max(MAX_CAPACITY_FACTOR).default(1),
        }),
      ])
      .prefault({ kind: 'dense' }),
  })
  .superRefine((c, ctx) => {
    if (ctx.issues.length > 0) return;
    if (c.ffn.kind === 'ec')
      refineExpertWidth({ hidden: c.hidden, numExperts: groupedExperts(c.ffn.groups) }, ctx);
  })
  .superRefine(refineHeads)
  .superRefine(refineParamBudget(lmValues, 'depth'));

/** An upper estimate of an interleaved LM's parameter values (what the schema bounds). */
export function lmValues(c: {
  vocabSize: number;
  seqLen: number;
  dim: number;
  depth: number;
  hidden: number;
  ffn: { kind: 'dense' } | { kind: 'ec'; groups: { experts: number }[] };
}): number {
  const d = c.dim;
  const experts = c.ffn.kind === 'ec' ? groupedExperts(c.ffn.groups) : 1;
  const ffn = experts * (3 * d * c.hidden + 2 * d);
  return (2 * c.vocabSize + c.seqLen + 4) * d + c.depth * (attentionBlockValues(d) + ffn);
}

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
  readonly blocks: TransformerBlock[];
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
      Array.from(
        { length: c.depth },
        () =>
          new TransformerBlock({
            dim: c.dim,
            heads: c.heads,
            // Built after the attention, as the committed results were initialised.
            ffn: () =>
              c.ffn.kind === 'dense'
                ? new SwiGLU(c.dim, c.hidden)
                : new ModalityGroupedMoE({
                    dim: c.dim,
                    hidden: c.hidden,
                    groups: c.ffn.groups,
                    capacityFactor: c.ffn.capacityFactor,
                  }),
          }),
      ),
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
   * logits [B, L, vocab] and the aux of each MoE layer (`ModalityGroupedMoE.groupStats` reads the
   * tokens and (token, expert) pairs per group from it).
   */
  forward(
    ids: tf.Tensor2D,
    modality: ArrayLike<number>,
    o: LmForwardOptions = {},
  ): { logits: tf.Tensor3D; aux: MoEAux[] } {
    const [b, l] = ids.shape;
    if (l > this.config.seqLen)
      throw new Error(`InterleavedLM: ${l} positions > seqLen ${this.config.seqLen}`);
    if (modality.length !== b * l)
      throw new Error(`InterleavedLM: modality has ${modality.length} entries for ids [${ids.shape}]`);
    const aux: MoEAux[] = [];
    const mask = causalMask(l);
    const codes = tf.tensor1d(Int32Array.from(modality), 'int32');
    let h = tf.tidy(() => this.pos.forward(this.embed.forward(ids))) as tf.Tensor3D;
    for (const block of this.blocks) {
      const collected: CollectedRouting[] | undefined = o.collect ? [] : undefined;
      const ctx: GroupedMoEContext = {
        modality: codes,
        modalityCodes: modality,
        routing: o.routing ?? 'ec',
        collect: collected,
        collectAux: o.collectAux,
      };
      const out = block.forward(h, mask, ctx);
      if (collected && block.ffn instanceof ModalityGroupedMoE) o.collect?.push(collected);
      aux.push(...out.aux);
      h.dispose();
      h = out.y as tf.Tensor3D;
    }
    const logits = tf.tidy(() => this.head.forward(this.norm.forward(h))) as tf.Tensor3D;
    tf.dispose([h, mask, codes]);
    return { logits, aux };
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

  /**
   * Forward FLOPs (2 per multiply-add, core `moduleCosts`) of one sequence with `routed`
   * non-padding tokens out of `tokens` positions: projections, attention, FFN (dense on every
   * position; experts and router on routed tokens, capacityFactor experts per token on average),
   * head. With `auxExpertsPerToken` the MoE cost is that of causal routing (aux router + that many
   * experts per token).
   */
  flopsPerSample(tokens: number, routed: number, auxExpertsPerToken?: number): number {
    let f = tokens * moduleCosts(this.head).flopsPerToken;
    for (const block of this.blocks) {
      f += tokens * moduleCosts(block.attn, tokens).flopsPerToken;
      const ffn = block.ffn;
      if (ffn instanceof ModalityGroupedMoE) {
        f +=
          routed *
          (auxExpertsPerToken === undefined
            ? ffn.flopsPerToken()
            : ffn.causalFlopsPerToken(auxExpertsPerToken));
      } else {
        f += tokens * moduleCosts(ffn).flopsPerToken;
      }
    }
    return f;
  }
}
