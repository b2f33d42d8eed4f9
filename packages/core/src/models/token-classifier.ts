import { z } from 'zod';
import {
  AttentionSlotConfigSchema,
  attentionSlotValues,
  refineAttentionSlot,
  type AttentionSlotConfigInput,
} from '../config/attention';
import { LIMITS, refineParamBudget, sizeField } from '../config/bounds';
import { ffnSlotValues, FfnSlotConfigSchema, type FfnSlotConfigInput } from '../config/moe';
import { ConfigError, parseConfig } from '../config/parse';
import type { SizeCheck } from '../io/header-check';
import { moduleCosts } from '../metrics/costs';
import { MoELayer } from '../moe/layer';
import type { MoEAux } from '../moe/types';
import { GeluFFN } from '../nn/ffn';
import { GruCell } from '../nn/gru-cell';
import { LayerNorm } from '../nn/layer-norm';
import { Linear } from '../nn/linear';
import { MultiHeadAttention } from '../nn/attention';
import type { AttentionSlot } from '../nn/attention-slot';
import { createAttention } from '../nn/create-attention';
import { Module } from '../nn/module';
import { PositionalEmbedding } from '../nn/positional';
import type { FfnSlot } from '../nn/ffn-slot';
import { TransformerBlock } from '../nn/transformer-block';
import { tf } from '../tf';

/**
 * Config fields of {@link TokenClassifier} (zod: the single source of truth; models compose it
 * with `.omit` / `.extend` and apply {@link refineTokenClassifier}). Strict, every size bounded.
 */
export const TokenClassifierConfigSchema = z.strictObject({
  /** Features per input token (e.g. 49 for 7x7 patches). */
  inputDim: sizeField(LIMITS.dim * 4),
  /** Tokens per sample (for the learned positions). */
  tokens: sizeField(LIMITS.tokens),
  dim: sizeField(LIMITS.dim),
  heads: sizeField(LIMITS.heads),
  depth: sizeField(LIMITS.depth),
  numClasses: sizeField(LIMITS.vocab, 2),
  ffn: FfnSlotConfigSchema,
  /** With an MoE slot: MoE in every `moeEvery`-th block starting with the last (1 = all, 2 = alternate). */
  moeEvery: sizeField(LIMITS.depth).default(1),
  /** Dense FFN hidden width of the blocks without MoE (default: the MoE active hidden width). */
  denseHidden: sizeField(LIMITS.hidden).optional(),
  dropout: z.number().min(0).max(0.9).default(0),
  /**
   * The attention of every block (absent: multi-head attention, as `{ kind: 'mha' }`): `moh`
   * (MoH over `heads`: `sharedHeads` always on, `topK` of the others per token) or `jetmoe`
   * (JetMoE's attention experts). A routed attention's aux follows its block's FFN aux, marked
   * `source: 'attention'` (`ffnAux` leaves it out). See `AttentionSlotConfigSchema`.
   */
  attention: AttentionSlotConfigSchema.optional(),
});

/**
 * A zod refinement for a transformer config: `heads` divides `dim` (reported on `heads`).
 */
export function refineHeads(c: { dim: number; heads: number }, ctx: z.RefinementCtx): void {
  if (ctx.issues.length === 0 && c.dim % c.heads !== 0) {
    ctx.addIssue({ code: 'custom', path: ['heads'], message: `${c.heads} does not divide dim (${c.dim})` });
  }
}

/** An upper estimate of a token classifier's parameter values (every block with the FFN slot). */
export function tokenClassifierValues(c: {
  inputDim: number;
  tokens: number;
  dim: number;
  depth: number;
  numClasses: number;
  ffn: FfnSlotConfigInput;
  denseHidden?: number;
  heads?: number;
  attention?: AttentionSlotConfigInput;
}): number {
  const d = c.dim;
  const dense = 3 * d * (c.denseHidden ?? 0);
  const attention = attentionSlotValues(c.attention, d, c.heads ?? 1) + 4 * d; // + the two norms
  const block = attention + Math.max(ffnSlotValues(c.ffn, d), dense);
  return (c.inputDim + c.tokens + c.numClasses + 4) * d + c.depth * block + c.numClasses;
}

/**
 * The cross-field rules of a token classifier config: heads divide dim; the attention slot fits
 * the heads (`refineAttentionSlot`); bounded total size.
 */
export function refineTokenClassifier(
  c: z.output<typeof TokenClassifierConfigSchema>,
  ctx: z.RefinementCtx,
): void {
  refineHeads(c, ctx);
  refineAttentionSlot(c, ctx);
  refineParamBudget(tokenClassifierValues, 'depth')(c, ctx);
}

/**
 * Where a token classifier's weights show its size fields (`sizeChecks` of a `ModelFormat`): the
 * number of blocks, `dim`, `inputDim`, `tokens`, `numClasses`, the last block's experts and its
 * attention experts (JetMoE) or shared heads (MoH, through its routed heads).
 * `fieldPrefix` is the config path of the classifier's fields (e.g. `''`).
 */
export function tokenClassifierSizeChecks(
  c: Pick<
    TokenClassifierConfig,
    'inputDim' | 'tokens' | 'dim' | 'depth' | 'numClasses' | 'ffn' | 'heads' | 'attention'
  >,
  fieldPrefix = '',
): SizeCheck[] {
  const f = (name: string): string => `${fieldPrefix}${name}`;
  const checks: SizeCheck[] = [
    { field: f('depth'), value: c.depth, blocks: 'blocks' },
    { field: f('dim'), value: c.dim, tensor: 'embed.weight', axis: 1 },
    { field: f('inputDim'), value: c.inputDim, tensor: 'embed.weight', axis: 0 },
    { field: f('tokens'), value: c.tokens, tensor: 'pos.weight', axis: 0 },
    { field: f('numClasses'), value: c.numClasses, tensor: 'head.weight', axis: 1 },
  ];
  if (c.ffn.kind === 'moe') {
    const w1 = `blocks.${c.depth - 1}.ffn.experts.w1`;
    checks.push(
      { field: f('ffn.moe.numExperts'), value: c.ffn.moe.numExperts, tensor: w1, axis: 0 },
      { field: f('ffn.moe.hidden'), value: c.ffn.moe.hidden, tensor: w1, axis: 2 },
    );
  }
  const attn = `blocks.${c.depth - 1}.attn`;
  if (c.attention?.kind === 'jetmoe') {
    const value = c.attention.numExperts;
    checks.push({ field: f('attention.numExperts'), value, tensor: `${attn}.qWeight`, axis: 0 });
  } else if (c.attention?.kind === 'moh') {
    const value = c.heads - c.attention.sharedHeads;
    checks.push({ field: f('attention.sharedHeads'), value, tensor: `${attn}.router.weight`, axis: 1 });
  }
  return checks;
}

/** {@link TokenClassifierConfigSchema} with its cross-field rules: what the constructor parses. */
export const CheckedTokenClassifierConfigSchema =
  TokenClassifierConfigSchema.superRefine(refineTokenClassifier);
export type TokenClassifierConfig = z.output<typeof TokenClassifierConfigSchema>;
export type TokenClassifierOptions = z.input<typeof TokenClassifierConfigSchema>;

/**
 * A small pre-norm transformer over token features with a mean-pooled classification head:
 * the common test bed of core (patch classifiers for images, frame classifiers for audio).
 * FFN slots are dense or MoE, so dense and MoE twins differ only there; the attention is
 * multi-head attention or, with `attention`, MoH's routed heads or JetMoE's attention experts
 * (their aux after the FFN slots', marked `source: 'attention'`).
 *
 * @example
 * ```ts
 * const model = new TokenClassifier({
 *   inputDim: 49, tokens: 16, dim: 48, heads: 4, depth: 2, numClasses: 10,
 *   ffn: { kind: 'moe', moe: { hidden: 64, numExperts: 8, topK: 2 } },
 * });
 * const { logits, aux } = model.forward(imagePatches(images, 7)); // images [B, 28, 28]
 * ```
 */
export class TokenClassifier extends Module {
  readonly embed: Linear;
  readonly pos: PositionalEmbedding;
  readonly blocks: TransformerBlock<AttentionSlot>[];
  readonly norm: LayerNorm;
  readonly head: Linear;
  readonly options: TokenClassifierConfig;
  /** RMoE: the GRU cell every recurrent router steps, owned (and counted) once here. */
  readonly routerCell: GruCell | undefined;

  constructor(config: TokenClassifierOptions) {
    super();
    const o = parseConfig(CheckedTokenClassifierConfigSchema, config, 'token classifier config');
    this.options = o;
    this.embed = this.child('embed', new Linear(o.inputDim, o.dim));
    this.pos = this.child('pos', new PositionalEmbedding(o.tokens, o.dim));
    const router = o.ffn.kind === 'moe' ? o.ffn.moe.router : undefined;
    this.routerCell =
      router?.type === 'recurrent'
        ? this.child('routerCell', new GruCell({ inputDim: router.stateDim, hiddenDim: router.stateDim }))
        : undefined;
    const every = o.moeEvery;
    this.blocks = this.childList(
      'blocks',
      Array.from({ length: o.depth }, (_, i) => {
        const moe = o.ffn.kind === 'moe' && (o.depth - 1 - i) % every === 0;
        return new TransformerBlock<AttentionSlot>({
          dim: o.dim,
          heads: o.heads,
          ffn: this.ffnFor(moe),
          attention: () =>
            createAttention(o.attention, o) ?? new MultiHeadAttention(o.dim, o.heads, { dropout: o.dropout }),
          dropout: o.dropout,
        });
      }),
    );
    this.norm = this.child('norm', new LayerNorm(o.dim));
    this.head = this.child('head', new Linear(o.dim, o.numClasses));
  }

  private ffnFor(moe: boolean): FfnSlot {
    const spec = this.options.ffn;
    if (moe && spec.kind === 'moe') {
      return new MoELayer({ ...spec.moe, dim: this.options.dim }, { recurrentCell: this.routerCell });
    }
    const hidden =
      spec.kind === 'dense' ? spec.hidden : (this.options.denseHidden ?? spec.moe.hidden * spec.moe.topK);
    return new GeluFFN(this.options.dim, hidden);
  }

  /**
   * x [B, L, inputDim] -> class logits [B, numClasses] and the aux of every block: its MoE
   * layer's, then its routed attention's (`source: 'attention'`). A routed layer's routing state
   * (`aux.routerState`, RMoE) is handed to the next routed layer.
   */
  forward(x: tf.Tensor): { logits: tf.Tensor2D; aux: MoEAux[] } {
    const aux: MoEAux[] = [];
    let h = this.pos.forward(this.embed.forward(x));
    let routerState: tf.Tensor2D | undefined;
    for (const block of this.blocks) {
      const out = block.forward(h, undefined, routerState ? { routerState } : {});
      h = out.y;
      aux.push(...out.aux);
      routerState = out.aux.find((a) => a.routerState)?.routerState ?? routerState;
    }
    const pooled = tf.mean(this.norm.forward(h), 1);
    return { logits: this.head.forward(pooled) as tf.Tensor2D, aux };
  }

  /** The MoE layers, in block order. */
  moeLayers(): MoELayer[] {
    return this.blocks.map((b) => b.ffn).filter((f): f is MoELayer => f instanceof MoELayer);
  }

  /** Parameters a sample uses: all but the routed experts each token skips. */
  activeParams(): number {
    return moduleCosts(this).active;
  }

  /** Forward FLOPs per sample (2 per multiply-add), counting only the experts a token uses. */
  flopsPerSample(): number {
    const { tokens: l, dim: d, numClasses } = this.options;
    const perToken = [this.embed, ...this.blocks].reduce((s, m) => s + moduleCosts(m, l).flopsPerToken, 0);
    return l * perToken + 2 * d * numClasses;
  }
}

/**
 * Cuts images into non-overlapping p x p patches: [B, H, W] or [B, H, W, C] -> [B, (H/p)(W/p), p·p·C],
 * patches in row-major order.
 */
export function imagePatches(images: tf.Tensor, p: number): tf.Tensor3D {
  return tf.tidy(() => {
    const x = images.rank === 3 ? tf.expandDims(images, -1) : images;
    const [b, h, w, c] = x.shape;
    if (h % p !== 0 || w % p !== 0) {
      throw new ConfigError('imagePatches', [
        { path: 'patch', message: `image ${h}x${w} is not divisible by patch ${p}` },
      ]);
    }
    const grid = tf.reshape(x, [b, h / p, p, w / p, p, c]);
    return tf.reshape(tf.transpose(grid, [0, 1, 3, 2, 4, 5]), [
      b,
      (h / p) * (w / p),
      p * p * c,
    ]) as tf.Tensor3D;
  });
}
