import {
  attentionBlockValues,
  GeluFFN,
  LayerNorm,
  LIMITS,
  Linear,
  Module,
  moduleCosts,
  parseConfig,
  PositionalEmbedding,
  refineHeads,
  refineParamBudget,
  sizeField,
  tf,
  TransformerBlock,
} from '@moe-zoo/core';
import { z } from 'zod';
import { avgPoolTokens } from '../avdigits/batch';
import type { RatePair } from './rates';

/** Shape and size of the audio-visual backbone. */
export const AvBackboneConfigSchema = z
  .strictObject({
    audioTokens: sizeField(LIMITS.tokens).default(24),
    audioDims: sizeField(LIMITS.dim).default(64),
    videoTokens: sizeField(LIMITS.tokens).default(16),
    videoDims: sizeField(LIMITS.dim).default(49),
    dim: sizeField(LIMITS.dim).default(32),
    heads: sizeField(LIMITS.heads).default(4),
    depth: sizeField(LIMITS.depth).default(2),
    ffnHidden: sizeField(LIMITS.hidden).default(64),
    numClasses: sizeField(LIMITS.vocab).default(10),
  })
  .superRefine(refineHeads)
  .superRefine(
    refineParamBudget(
      (c: {
        audioTokens: number;
        audioDims: number;
        videoTokens: number;
        videoDims: number;
        dim: number;
        depth: number;
        ffnHidden: number;
        numClasses: number;
      }) =>
        (c.audioTokens + c.audioDims + c.videoTokens + c.videoDims + c.numClasses + 8) * c.dim +
        c.depth * (attentionBlockValues(c.dim) + 2 * c.dim * c.ffnHidden + c.ffnHidden),
      'depth',
    ),
  );

/** Parsed backbone config. */
export type AvBackboneConfig = z.infer<typeof AvBackboneConfigSchema>;

/**
 * The audio-visual backbone of the MoME miniature (the "frozen LLM"): per-modality linear
 * projectors with learned positions, a pre-norm transformer over the concatenated
 * [audio; video] tokens and a mean-pooled digit head. Compression pools the projected tokens of
 * each modality by its rate, which equals pooling the input features (the projection is linear)
 * together with their positions.
 */
export class AvBackbone extends Module {
  readonly config: AvBackboneConfig;
  readonly audioProj: Linear;
  readonly videoProj: Linear;
  readonly audioPos: PositionalEmbedding;
  readonly videoPos: PositionalEmbedding;
  readonly blocks: TransformerBlock[];
  readonly norm: LayerNorm;
  readonly head: Linear;

  constructor(config: z.input<typeof AvBackboneConfigSchema> = {}) {
    super();
    const c = parseConfig(AvBackboneConfigSchema, config, 'av backbone config');
    this.config = c;
    this.audioProj = this.child('audioProj', new Linear(c.audioDims, c.dim));
    this.videoProj = this.child('videoProj', new Linear(c.videoDims, c.dim));
    this.audioPos = this.child('audioPos', new PositionalEmbedding(c.audioTokens, c.dim));
    this.videoPos = this.child('videoPos', new PositionalEmbedding(c.videoTokens, c.dim));
    this.blocks = this.childList(
      'blocks',
      Array.from(
        { length: c.depth },
        () => new TransformerBlock({ dim: c.dim, heads: c.heads, ffn: new GeluFFN(c.dim, c.ffnHidden) }),
      ),
    );
    this.norm = this.child('norm', new LayerNorm(c.dim));
    this.head = this.child('head', new Linear(c.dim, c.numClasses));
  }

  /** Tokens after compression of each modality: [audio, video]. */
  tokensAt(rate: RatePair): [number, number] {
    return [this.config.audioTokens / rate.audio, this.config.videoTokens / rate.video];
  }

  /** Projected, positioned, pooled tokens [B, La/ra + Lv/rv, dim] (audio first). */
  embed(audio: tf.Tensor3D, video: tf.Tensor3D, rate: RatePair): tf.Tensor3D {
    const c = this.config;
    const want = (t: tf.Tensor3D, tokens: number, dims: number, name: string) => {
      if (t.shape[1] !== tokens || t.shape[2] !== dims)
        throw new Error(`AvBackbone: ${name} is [${t.shape}], expected [B, ${tokens}, ${dims}]`);
    };
    want(audio, c.audioTokens, c.audioDims, 'audio');
    want(video, c.videoTokens, c.videoDims, 'video');
    if (audio.shape[0] !== video.shape[0])
      throw new Error(`AvBackbone: audio [${audio.shape}] and video [${video.shape}] batch sizes differ`);
    return tf.tidy(() => {
      const a = this.audioPos.forward(this.audioProj.forward(audio)) as tf.Tensor3D;
      const v = this.videoPos.forward(this.videoProj.forward(video)) as tf.Tensor3D;
      return tf.concat([avgPoolTokens(a, rate.audio), avgPoolTokens(v, rate.video)], 1);
    });
  }

  /** Final norm, mean over tokens, class logits [B, numClasses]. */
  classify(h: tf.Tensor3D): tf.Tensor2D {
    return tf.tidy(() => this.head.forward(tf.mean(this.norm.forward(h), 1)) as tf.Tensor2D);
  }

  /**
   * Forward FLOPs per sample (2 per multiply-add) of the backbone at a rate pair (core
   * `moduleCosts`): the projectors on the uncompressed tokens, the blocks on the compressed ones,
   * the head once.
   */
  flopsPerSample(rate: RatePair): number {
    const c = this.config;
    const [la, lv] = this.tokensAt(rate);
    const l = la + lv;
    const flops = (m: Module, seqLen?: number) => moduleCosts(m, seqLen).flopsPerToken;
    return (
      c.audioTokens * flops(this.audioProj) +
      c.videoTokens * flops(this.videoProj) +
      flops(this.head) +
      l * this.blocks.reduce((s, b) => s + flops(b, l), 0)
    );
  }
}
