/**
 * The LoRA arms' model: a trained dense token classifier, frozen, whose FFN slots become LoRA
 * layers (one LoRA, MixLoRA, DynMoLE); the classification head is retrained in every arm.
 */
import {
  DynMoleLayer,
  GeluFFN,
  LayerNorm,
  LoraExperts,
  Linear,
  MixLoraLayer,
  Module,
  moduleCosts,
  PositionalEmbedding,
  tf,
  TransformerBlock,
  type CostReporter,
  type MoEAux,
  type TokenClassifier,
} from '@moe-zoo/core';
import { copyMatching } from './evomoe';
import { LORA_BASE_HIDDEN, MODEL } from './plan';

/**
 * One LoRA on both weights of the frozen FFN, no router: `FFN(x) + (FFN'(x) - FFN(x))` with the
 * one expert of a {@link LoraExperts} bank (the baseline MixLoRA is compared with).
 */
export class SingleLora extends Module implements CostReporter {
  readonly experts: LoraExperts;

  constructor(dim: number, hidden: number, rank: number) {
    super();
    this.experts = this.child('experts', new LoraExperts({ numExperts: 1, dim, hidden, rank }));
  }

  loadBase(ffn: GeluFFN): void {
    this.experts.loadBase(ffn);
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const x2 = tf.reshape(x, [-1, this.experts.dim]) as tf.Tensor2D;
      const y = tf.add(this.experts.baseForward(x2), tf.squeeze(this.experts.forwardAll(x2), [0]));
      return tf.reshape(y, x.shape);
    });
  }

  /** Every parameter is used by every token. */
  inactiveParams(): number {
    return 0;
  }

  /** The frozen FFN and the LoRA-updated one (as the bank computes it). */
  flopsPerToken(): number {
    return 4 * this.experts.dim * this.experts.hidden + this.experts.flopsPerToken();
  }
}

/** A LoRA slot of an arm: one LoRA, MixLoRA's layer (top-k router) or DynMoLE's. */
export type LoraSlot = SingleLora | MixLoraLayer | DynMoleLayer;

/** One LoRA configuration of the fine-tuning. */
export interface LoraArm {
  variant: string;
  /** The FFN slot of every block, over the frozen FFN of width `hidden`. */
  slot(dim: number, hidden: number): LoraSlot;
}

/** MixLoRA's experts in the bench: 4 LoRA experts of rank 4, top-2, aux 0.01. */
export const MIXLORA = { numExperts: 4, topK: 2, rank: 4 } as const;

/** LoRA parameters of one expert of rank r over the frozen FFN: A, B on both of its weights. */
const loraParams = (rank: number): number => 2 * rank * (MODEL.dim + LORA_BASE_HIDDEN);

/** Trainable parameters of one MixLoRA / DynMoLE layer: E experts plus the linear router. */
export function mixLoraLayerParams(): number {
  return MIXLORA.numExperts * loraParams(MIXLORA.rank) + MODEL.dim * MIXLORA.numExperts;
}

/** The single LoRA's rank: the smallest whose parameters are at least a MixLoRA layer's. */
export function singleLoraRank(): number {
  return Math.ceil(mixLoraLayerParams() / loraParams(1));
}

/** The three arms, all on the same frozen model: one LoRA, MixLoRA, DynMoLE. */
export function loraArms(): LoraArm[] {
  return [
    { variant: 'lora-single', slot: (dim, hidden) => new SingleLora(dim, hidden, singleLoraRank()) },
    {
      variant: 'mixlora',
      slot: (dim, hidden) => new MixLoraLayer({ dim, hidden, ...MIXLORA, losses: { aux: 0.01 } }),
    },
    {
      variant: 'dynmole',
      slot: (dim, hidden) =>
        new DynMoleLayer({
          dim,
          hidden,
          ...MIXLORA,
          q: 1.1,
          threshold: 0.9,
          topP: 0.75,
          losses: { aux: 0.01, entropy: 0.01 },
        }),
    },
  ];
}

/**
 * A frozen trained token classifier with LoRA layers in its FFN slots: the same embedding,
 * positions, attention, norms and head (copied), each block's FFN loaded into its LoRA layer's
 * frozen base. Trainable: the LoRA factors, the routers and the head.
 */
export class LoraClassifier extends Module {
  readonly embed: Linear;
  readonly pos: PositionalEmbedding;
  readonly blocks: TransformerBlock[];
  readonly norm: LayerNorm;
  readonly head: Linear;

  constructor(base: TokenClassifier, arm: LoraArm) {
    super();
    const { dim, heads, inputDim, tokens, numClasses } = base.options;
    this.embed = this.child('embed', new Linear(inputDim, dim));
    this.pos = this.child('pos', new PositionalEmbedding(tokens, dim));
    this.blocks = this.childList(
      'blocks',
      base.blocks.map(() => new TransformerBlock({ dim, heads, ffn: () => arm.slot(dim, LORA_BASE_HIDDEN) })),
    );
    this.norm = this.child('norm', new LayerNorm(dim));
    this.head = this.child('head', new Linear(dim, numClasses));
    copyMatching(base, this);
    this.loraLayers().forEach((layer, l) => {
      const ffn = base.blocks[l].ffn;
      if (!(ffn instanceof GeluFFN)) throw new Error(`block ${l} of the trained model has no dense FFN`);
      layer.loadBase(ffn);
    });
    this.setTrainable(false);
    for (const layer of this.loraLayers()) {
      layer.experts.setTrainable(true);
      layer.experts.base.setTrainable(false);
      if (!(layer instanceof SingleLora)) layer.router.setTrainable(true);
    }
    this.head.setTrainable(true);
  }

  /** The LoRA layers, in block order. */
  loraLayers(): LoraSlot[] {
    return this.blocks.map((b) => b.ffn as LoraSlot);
  }

  /** x [B, L, inputDim] -> class logits and the LoRA layers' aux. */
  forward(x: tf.Tensor): { logits: tf.Tensor2D; aux: MoEAux[] } {
    const aux: MoEAux[] = [];
    let h = this.pos.forward(this.embed.forward(x));
    for (const block of this.blocks) {
      const out = block.forward(h);
      h = out.y;
      aux.push(...out.aux);
    }
    const pooled = tf.mean(this.norm.forward(h), 1);
    return { logits: this.head.forward(pooled) as tf.Tensor2D, aux };
  }

  /** Forward FLOPs per sample (2 per multiply-add), the experts a token runs only. */
  flopsPerSample(): number {
    const [l] = this.pos.weight.shape;
    const [d, classes] = this.head.weight.shape;
    const perToken = [this.embed, ...this.blocks].reduce((s, m) => s + moduleCosts(m, l).flopsPerToken, 0);
    return l * perToken + 2 * d * classes;
  }
}
