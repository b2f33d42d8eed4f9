import {
  LIMITS,
  Module,
  moduleCosts,
  parseConfig,
  refineExpertWidth,
  refineParamBudget,
  refineTopK,
  sizeField,
  tf,
  type MoEAux,
} from '@moe-zoo/core';
import { z } from 'zod';
import { BottleneckAdapter, MomeAdapter } from './adapters';
import { AvBackbone, AvBackboneConfigSchema } from './backbone';
import { MOME_RATES, rateKey, type RatePair } from './rates';

/** What sits in parallel to each backbone FFN. */
export const AvAdapterConfigSchema = z.discriminatedUnion('kind', [
  /** The backbone alone (pre-training, and the "no adaptation" reference). */
  z.strictObject({ kind: z.literal('none') }),
  /** One dense bottleneck adapter (the baselines). */
  z.strictObject({ kind: z.literal('dense'), hidden: sizeField(LIMITS.hidden).default(24) }),
  /** MoME: top-k bottleneck experts + a shared expert, one router for all rates (or one per rate). */
  z
    .strictObject({
      kind: z.literal('mome'),
      numExperts: sizeField(LIMITS.numExperts).default(8),
      topK: sizeField(LIMITS.numExperts).default(2),
      hidden: sizeField(LIMITS.hidden).default(8),
      sharedHidden: sizeField(LIMITS.hidden, 0).default(8),
      routers: z.enum(['shared', 'per-rate']).default('shared'),
      auxLoss: z.number().min(0).default(0.01),
    })
    .superRefine((c, ctx) => {
      if (ctx.issues.length > 0) return;
      refineTopK(c, ctx);
      refineExpertWidth(c, ctx);
    }),
]);

/** Config of {@link AvModel}. */
export const AvModelConfigSchema = z
  .strictObject({
    backbone: AvBackboneConfigSchema.prefault({}),
    adapter: AvAdapterConfigSchema.prefault({ kind: 'none' }),
  })
  .superRefine(
    refineParamBudget(
      (c: {
        backbone: { dim: number; depth: number };
        adapter: { kind: string; numExperts?: number; hidden?: number };
      }) =>
        c.backbone.depth *
        2 *
        c.backbone.dim *
        (c.adapter.numExperts ?? 1) *
        (c.adapter.hidden ?? 0) *
        MOME_RATES.length,
      'adapter',
    ),
  );

/** Parsed {@link AvModel} config. */
export type AvModelConfig = z.infer<typeof AvModelConfigSchema>;
/** Input form of {@link AvModel}'s config (defaults filled in). */
export type AvModelConfigInput = z.input<typeof AvModelConfigSchema>;

type Adapter = BottleneckAdapter | MomeAdapter;

/**
 * The audio-visual digit model of the MoME miniature: an {@link AvBackbone} whose blocks get an
 * adapter in parallel to the FFN, `h ← h + FFN(ln2 h) + A(ln2 h)`. For adaptation the backbone is
 * frozen ({@link freezeBackbone}) and only the adapters train.
 *
 * @example
 * ```ts
 * const model = new AvModel({ adapter: { kind: 'mome', numExperts: 8, topK: 2 } });
 * model.freezeBackbone();
 * const { logits, aux } = model.forward(audio, video, { audio: 8, video: 2 });
 * ```
 */
export class AvModel extends Module {
  readonly config: AvModelConfig;
  readonly backbone: AvBackbone;
  readonly adapters: Adapter[];

  constructor(config: AvModelConfigInput = {}) {
    super();
    const c = parseConfig(AvModelConfigSchema, config, 'AvModel config');
    this.config = c;
    this.backbone = this.child('backbone', new AvBackbone(c.backbone));
    const a = c.adapter;
    const dim = c.backbone.dim;
    const make = (): Adapter | undefined => {
      if (a.kind === 'dense') return new BottleneckAdapter(dim, a.hidden);
      if (a.kind === 'mome') {
        return new MomeAdapter({
          dim,
          numExperts: a.numExperts,
          topK: a.topK,
          hidden: a.hidden,
          sharedHidden: a.sharedHidden,
          auxLoss: a.auxLoss,
          perRateRouters: a.routers === 'per-rate' ? MOME_RATES.map(rateKey) : undefined,
        });
      }
      return undefined;
    };
    const list = Array.from({ length: c.backbone.depth }, make).filter((x): x is Adapter => x !== undefined);
    this.adapters = this.childList('adapters', list);
  }

  /** Freezes every backbone parameter (adapters stay trainable). */
  freezeBackbone(): this {
    this.backbone.setTrainable(false);
    return this;
  }

  /**
   * audio [B, La, Da], video [B, Lv, Dv] at a rate pair → class logits [B, classes] and the MoE aux
   * of each MoME adapter (its `indices` are [B·(La/ra + Lv/rv), k], audio tokens of a sample first).
   */
  forward(audio: tf.Tensor3D, video: tf.Tensor3D, rate: RatePair): { logits: tf.Tensor2D; aux: MoEAux[] } {
    const key = rateKey(rate);
    const aux: MoEAux[] = [];
    const dim = this.backbone.config.dim;
    let h = this.backbone.embed(audio, video, rate);
    this.backbone.blocks.forEach((block, i) => {
      const h1 = tf.tidy(() => tf.add(h, block.attn.forward(block.ln1.forward(h)))) as tf.Tensor3D;
      const u = tf.tidy(() => tf.reshape(block.ln2.forward(h1), [-1, dim])) as tf.Tensor2D;
      const f = block.ffn.forward(u) as tf.Tensor;
      const adapter = this.adapters[i];
      let a: tf.Tensor | undefined;
      if (adapter instanceof MomeAdapter) {
        const out = adapter.forward(u, key);
        a = out.y;
        aux.push(out.aux);
      } else if (adapter) {
        a = adapter.forward(u);
      }
      const next = tf.tidy(() => tf.add(h1, tf.reshape(a ? tf.add(f, a) : f, h1.shape))) as tf.Tensor3D;
      tf.dispose([h, h1, u, f, ...(a ? [a] : [])]);
      h = next;
    });
    const logits = this.backbone.classify(h);
    h.dispose();
    return { logits, aux };
  }

  /** Parameters of the adapters (`moduleCosts(model).active` counts the ones a token uses). */
  adapterParams(): number {
    return this.adapters.reduce((s, a) => s + a.countParams(), 0);
  }

  /** Forward FLOPs per sample at a rate pair (backbone + adapters on every compressed token). */
  flopsPerSample(rate: RatePair): number {
    const [la, lv] = this.backbone.tokensAt(rate);
    return (
      this.backbone.flopsPerSample(rate) +
      (la + lv) * this.adapters.reduce((s, a) => s + moduleCosts(a).flopsPerToken, 0)
    );
  }
}
