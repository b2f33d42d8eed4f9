import {
  Conv2d,
  FfnSlotConfigSchema,
  GeluFFN,
  LayerNorm,
  Linear,
  MoELayer,
  Module,
  moduleCosts,
  attentionBlockValues,
  ffnSlotValues,
  LIMITS,
  parseConfig,
  PositionalEmbedding,
  refineHeads,
  refineParamBudget,
  refineTopK,
  sizeField,
  type SizeCheck,
  RoutedLayer,
  tf,
  TransformerBlock,
  type FfnSlot,
  type MoEAux,
} from '@moe-zoo/core';
import { z } from 'zod';
import { MoFMELayer, MoFMESlotOptionsSchema, mofmeSlotValues } from './mofme';

/** The largest tile side a restoration net may see, in pixels. */
export const MAX_TILE = 1024;

/**
 * The FFN slot of each block: core's slot kinds (a dense GELU FFN of width `hidden`, or core's
 * `MoELayer` with every router / dispatch / loss option) plus `mofme` (a {@link MoFMELayer}).
 * The model fills in `dim`.
 */
export const FfnSlotSchema = z.discriminatedUnion('kind', [
  ...FfnSlotConfigSchema.options,
  z.strictObject({ kind: z.literal('mofme'), mofme: MoFMESlotOptionsSchema.superRefine(refineTopK) }),
]);
/** Parsed {@link FfnSlotSchema}. */
export type RestorationFfnConfig = z.output<typeof FfnSlotSchema>;
/** Input form of {@link FfnSlotSchema}. */
export type RestorationFfnConfigInput = z.input<typeof FfnSlotSchema>;

/** Config of {@link RestorationNet} (stored in checkpoints). */
export const RestorationConfigSchema = z
  .strictObject({
    /** Side of the square tiles the net sees (default 32; at most 1024). */
    tile: sizeField(MAX_TILE).default(32),
    /** Feature channels of the conv head and tail (default 16). */
    channels: sizeField(LIMITS.channels).default(16),
    /** Token patch side on the feature map (default 4 -> 64 tokens on a 32 tile). */
    patch: sizeField(LIMITS.patch).default(4),
    dim: sizeField(LIMITS.dim).default(48),
    heads: sizeField(LIMITS.heads).default(4),
    depth: sizeField(LIMITS.depth).default(2),
    ffn: FfnSlotSchema,
    dropout: z.number().min(0).max(0.9).default(0),
  })
  .superRefine((c, ctx) => {
    if (ctx.issues.length > 0) return;
    if (c.tile % c.patch !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['patch'],
        message: `patch ${c.patch} must divide tile ${c.tile}`,
      });
    } else if ((c.tile / c.patch) ** 2 > LIMITS.tokens) {
      ctx.addIssue({
        code: 'custom',
        path: ['patch'],
        message: `(tile / patch)^2 = ${(c.tile / c.patch) ** 2} tokens, more than ${LIMITS.tokens}`,
      });
    }
  })
  .superRefine(refineHeads)
  .superRefine(refineParamBudget(restorationValues, 'depth'));
/** An upper estimate of a restoration net's parameter values (what the schema bounds). */
export function restorationValues(c: {
  tile: number;
  channels: number;
  patch: number;
  dim: number;
  depth: number;
  ffn: RestorationFfnConfigInput;
}): number {
  const { channels: ch, patch: p, dim: d } = c;
  const slot = c.ffn.kind === 'mofme' ? mofmeSlotValues(c.ffn.mofme, d) : ffnSlotValues(c.ffn, d);
  const convs = 9 * (3 * ch + ch * ch + 2 * ch * ch + 3 * ch) + 4 * ch + 3;
  const tokens = (c.tile / p) ** 2;
  return convs + 2 * p * p * ch * d + tokens * d + c.depth * (attentionBlockValues(d) + slot) + 4 * d;
}

/**
 * Where a restoration net's weights show its size fields, for core's `loadModel`: blocks, `dim`,
 * `channels`, `patch`, the tokens of `tile / patch`, the experts of a MoE or MoFME slot.
 */
export function restorationSizeChecks(c: RestorationConfig): SizeCheck[] {
  const last = `blocks.${c.depth - 1}.ffn`;
  const checks: SizeCheck[] = [
    { field: 'depth', value: c.depth, blocks: 'blocks' },
    { field: 'dim', value: c.dim, tensor: 'embed.weight', axis: 3 },
    { field: 'channels', value: c.channels, tensor: 'head1.weight', axis: 3 },
    { field: 'patch', value: c.patch, tensor: 'embed.weight', axis: 0 },
    { field: 'tile', value: (c.tile / c.patch) ** 2, tensor: 'pos.weight', axis: 0 },
  ];
  if (c.ffn.kind === 'mofme') {
    checks.push(
      {
        field: 'ffn.mofme.numExperts',
        value: c.ffn.mofme.numExperts,
        tensor: `${last}.experts.gamma`,
        axis: 0,
      },
      {
        field: 'ffn.mofme.adaptorRatio',
        value: c.dim * c.ffn.mofme.adaptorRatio,
        tensor: `${last}.adaptor.fc1.weight`,
        axis: 1,
      },
    );
  } else if (c.ffn.kind === 'moe') {
    checks.push(
      { field: 'ffn.moe.numExperts', value: c.ffn.moe.numExperts, tensor: `${last}.experts.w1`, axis: 0 },
      { field: 'ffn.moe.hidden', value: c.ffn.moe.hidden, tensor: `${last}.experts.w1`, axis: 2 },
    );
  } else {
    checks.push({ field: 'ffn.hidden', value: c.ffn.hidden, tensor: `${last}.fc1.weight`, axis: 1 });
  }
  return checks;
}

/** Parsed {@link RestorationConfigSchema}. */
export type RestorationConfig = z.output<typeof RestorationConfigSchema>;
/** Input form of {@link RestorationConfigSchema}. */
export type RestorationConfigInput = z.input<typeof RestorationConfigSchema>;

/** What {@link RestorationNet.forward} returns. */
export interface RestorationOutput {
  /** Restored tiles [B, tile, tile, 3] (not clipped; clip for display and metrics). */
  y: tf.Tensor4D;
  /** Aux of each MoE/MoFME block. */
  aux: MoEAux[];
}

/**
 * A miniature MoWE restoration transformer (the MoWE net of MoFME, arXiv 2312.16610): conv head (3 -> C, two 3x3 convs),
 * p x p patch tokens (strided conv C -> D) with learned positions, `depth` pre-norm transformer
 * blocks whose FFN slot is a dense FFN, core's {@link MoELayer}, or a {@link MoFMELayer}, then a
 * linear tail back to pixels (D -> p*p*C, pixel re-arrangement), fused with the head features by
 * two 3x3 convs to 3 channels (the last one zero-initialised), added to the input (global
 * residual; a choice of this miniature, the released scripts disable it).
 *
 * @example
 * ```ts
 * const net = new RestorationNet({ ffn: { kind: 'mofme', mofme: { numExperts: 8, topK: 2 } } });
 * const { y } = net.forward(rainy); // rainy [B, 32, 32, 3] in [0, 1]
 * ```
 */
export class RestorationNet extends Module {
  readonly config: RestorationConfig;
  readonly head1: Conv2d;
  readonly head2: Conv2d;
  readonly embed: Conv2d;
  readonly pos: PositionalEmbedding;
  readonly blocks: TransformerBlock[];
  readonly norm: LayerNorm;
  readonly unembed: Linear;
  readonly fuse: Conv2d;
  readonly out: Conv2d;

  constructor(config: RestorationConfigInput) {
    super();
    const c = parseConfig(RestorationConfigSchema, config, 'restoration config');
    this.config = c;
    const tokens = (c.tile / c.patch) ** 2;
    this.head1 = this.child('head1', new Conv2d(3, c.channels, 3, { padding: 'same' }));
    this.head2 = this.child('head2', new Conv2d(c.channels, c.channels, 3, { padding: 'same' }));
    this.embed = this.child('embed', new Conv2d(c.channels, c.dim, c.patch, { stride: c.patch }));
    this.pos = this.child('pos', new PositionalEmbedding(tokens, c.dim));
    this.blocks = this.childList(
      'blocks',
      Array.from(
        { length: c.depth },
        () => new TransformerBlock({ dim: c.dim, heads: c.heads, ffn: this.makeFfn(), dropout: c.dropout }),
      ),
    );
    this.norm = this.child('norm', new LayerNorm(c.dim));
    this.unembed = this.child('unembed', new Linear(c.dim, c.patch * c.patch * c.channels));
    this.fuse = this.child('fuse', new Conv2d(2 * c.channels, c.channels, 3, { padding: 'same' }));
    this.out = this.child('out', new Conv2d(c.channels, 3, 3, { padding: 'same' }));
    // Zero-initialised output conv: an untrained net returns its input (the global residual), so
    // training starts at the degraded input's PSNR instead of below it.
    tf.tidy(() => {
      for (const v of [this.out.weight, this.out.bias]) v?.assign(tf.zerosLike(v));
    });
  }

  private makeFfn(): FfnSlot {
    const { ffn, dim } = this.config;
    if (ffn.kind === 'dense') return new GeluFFN(dim, ffn.hidden);
    if (ffn.kind === 'moe') return new MoELayer({ ...ffn.moe, dim });
    return new MoFMELayer({ ...ffn.mofme, dim });
  }

  /** Degraded tiles [B, tile, tile, 3] in [0, 1] -> restored tiles and the MoE aux. */
  forward(x: tf.Tensor4D): RestorationOutput {
    const { tile, patch: p, channels: ch, dim } = this.config;
    const [b, h, w, c] = x.shape;
    if (h !== tile || w !== tile || c !== 3) {
      throw new Error(`RestorationNet: expected tiles [B, ${tile}, ${tile}, 3], got [${x.shape}]`);
    }
    const g = tile / p;
    const feat = tf.tidy(() => tf.relu(this.head2.forward(tf.relu(this.head1.forward(x)))));
    let hTok = tf.tidy(() => this.pos.forward(tf.reshape(this.embed.forward(feat), [b, g * g, dim])));
    const aux: MoEAux[] = [];
    for (const block of this.blocks) {
      const o = block.forward(hTok);
      hTok.dispose();
      hTok = o.y;
      aux.push(...o.aux);
    }
    const y = tf.tidy(() => {
      const pix = this.unembed.forward(this.norm.forward(hTok)); // [B, g*g, p*p*C]
      const grid = tf.reshape(tf.transpose(tf.reshape(pix, [b, g, g, p, p, ch]), [0, 1, 3, 2, 4, 5]), [
        b,
        tile,
        tile,
        ch,
      ]);
      const fused = tf.relu(this.fuse.forward(tf.concat([feat, grid], -1)));
      return tf.add(x, this.out.forward(fused)) as tf.Tensor4D;
    });
    hTok.dispose();
    feat.dispose();
    return { y, aux };
  }

  /** The routed FFN slots (MoE / MoFME layers), in block order. */
  routedLayers(): RoutedLayer[] {
    return this.blocks.map((blk) => blk.ffn).filter((f): f is RoutedLayer => f instanceof RoutedLayer);
  }

  /** Parameters one tile uses (experts a token skips are not counted). */
  activeParams(): number {
    return moduleCosts(this).active;
  }

  /**
   * Forward FLOPs per tile (2 per multiply-add), counting the experts actually run: the
   * convolutions (head, patch embedding, fuse, out) per pixel / patch, plus per token the blocks
   * (attention over the tile's tokens, the FFN slot's own count) and the unembedding.
   */
  flopsPerSample(): number {
    const { tile, channels: ch, patch: p, dim: d } = this.config;
    const px = tile * tile;
    const l = (tile / p) ** 2;
    const convs = 2 * px * 9 * (3 * ch + ch * ch + 2 * ch * ch + ch * 3); // head1, head2, fuse, out
    const embed = 2 * l * p * p * ch * d; // strided patch conv
    const perToken = [...this.blocks, this.unembed].reduce((s, m) => s + moduleCosts(m, l).flopsPerToken, 0);
    return convs + embed + l * perToken;
  }
}
