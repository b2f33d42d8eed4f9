import { LIMITS, MoELayer, parseConfig, refineTopK, sizeField, tf, upcycle, GeluFFN } from '@moe-zoo/core';
import { z } from 'zod';
import type { VqaFfnSlotInput } from '../vqa/ffn-slot';
import { moeLayerIndices, type VqaTransformer } from '../vqa/model';
import { ffnWeights, slotAt, withMoeSlots } from '../vqa/slots';
import { MoTELayer } from './mote-layer';
import { ExpertWeightFormatSchema } from './quant-experts';

/**
 * {@link withMoeSlots} with only the MoE slots left trainable (MoTE / MoE-LLaVA up-cycling trains
 * only the MoE layers; a MoTE layer's shared FFN stays frozen).
 */
function replaceMoeSlots(
  dense: VqaTransformer,
  slot: (ffn: GeluFFN) => VqaFfnSlotInput,
  init: (model: VqaTransformer, layer: number, ffn: GeluFFN) => void,
): VqaTransformer {
  const model = withMoeSlots(dense, 'replaceMoeSlots', slot, init);
  model.setTrainable(false);
  for (const l of moeLayerIndices(dense.config.depth)) {
    const s = model.blocks[l].ffn;
    s.setTrainable(true);
    if (s instanceof MoTELayer) s.shared.setTrainable(false);
  }
  return model;
}

/** Options of {@link buildMote} (strict: a misspelt option is a `ConfigError` naming it). */
export const BuildMoteOptionsSchema = z.strictObject({
  /** Routed experts per MoE layer (default 4). */
  numExperts: sizeField(LIMITS.numExperts).optional(),
  /** 'ternary' (default) or 'binary' routed experts. */
  format: ExpertWeightFormatSchema.optional(),
  /** Routed experts start as the dense FFN ('ffn', default) or at random ('random'). */
  init: z.enum(['ffn', 'random']).optional(),
  aux: z.number().min(0).optional(),
  dispatch: z.enum(['dense', 'sorted']).optional(),
});
/** Options of {@link buildMote}. */
export type BuildMoteOptions = z.input<typeof BuildMoteOptionsSchema>;

/**
 * MoTE up-cycling of a trained dense model: in every MoE layer the dense FFN becomes the frozen
 * full-precision shared expert, plus `numExperts` top-1 routed low-bit experts initialised from the
 * same FFN (or at random). Only routers and routed experts train.
 *
 * @example
 * ```ts
 * const mote = buildMote(dense, { numExperts: 4 });
 * await trainVqa(mote, train, { epochs: 2 });
 * ```
 */
export function buildMote(dense: VqaTransformer, options: BuildMoteOptions = {}): VqaTransformer {
  const o = parseConfig(BuildMoteOptionsSchema, options, 'buildMote options');
  return replaceMoeSlots(
    dense,
    (ffn) => ({
      kind: 'mote',
      mote: {
        hidden: ffn.hidden,
        numExperts: o.numExperts ?? 4,
        format: o.format,
        aux: o.aux,
        dispatch: o.dispatch,
      },
    }),
    (model, l, ffn) => {
      const layer = slotAt(model, l, MoTELayer);
      layer.loadShared(ffn);
      if ((o.init ?? 'ffn') === 'ffn') {
        upcycle(layer.experts, ffnWeights(ffn));
      }
    },
  );
}

/** Options of {@link buildFloatMoe} (strict; sizes bounded; `topK` at most `numExperts`). */
export const BuildFloatMoeOptionsSchema = z
  .strictObject({
    numExperts: sizeField(LIMITS.numExperts).optional(),
    topK: sizeField(LIMITS.numExperts).optional(),
    /** Expert width; default the dense FFN's (equal expert count), smaller for equal memory. */
    hidden: sizeField(LIMITS.hidden).optional(),
    aux: z.number().min(0).optional(),
    dispatch: z.enum(['dense', 'sorted']).optional(),
  })
  .superRefine((o, ctx) => {
    if (ctx.issues.length === 0) refineTopK({ topK: o.topK ?? 2, numExperts: o.numExperts ?? 4 }, ctx);
  });
/** Options of {@link buildFloatMoe}. */
export type BuildFloatMoeOptions = z.input<typeof BuildFloatMoeOptionsSchema>;

/**
 * Full-precision MoE up-cycling (MoE-LLaVA style, no shared expert): `numExperts` float experts
 * (default 4), top-k (default 2), aux 0.01. Experts of the dense FFN's width are copies of it; narrower
 * experts (equal-memory baseline) take a cyclic window of `hidden` of the dense FFN's hidden units
 * (expert e starts at unit e·H/E), with the output rows scaled by H/hidden so that, averaged over
 * uniform routing, the layer starts close to the dense FFN.
 */
export function buildFloatMoe(dense: VqaTransformer, options: BuildFloatMoeOptions = {}): VqaTransformer {
  const o = parseConfig(BuildFloatMoeOptionsSchema, options, 'buildFloatMoe options');
  const e = o.numExperts ?? 4;
  return replaceMoeSlots(
    dense,
    (ffn) => ({
      kind: 'moe',
      moe: {
        hidden: o.hidden ?? ffn.hidden,
        numExperts: e,
        topK: o.topK ?? 2,
        dispatch: o.dispatch ?? 'sorted',
        losses: { aux: o.aux ?? 0.01 },
      },
    }),
    (model, l, ffn) => {
      const layer = slotAt(model, l, MoELayer);
      const hidden = o.hidden ?? ffn.hidden;
      const bias = (b: tf.Tensor | undefined, n: number) => b ?? tf.zeros([n]);
      if (hidden === ffn.hidden) {
        upcycle(layer.experts, ffnWeights(ffn));
        return;
      }
      tf.tidy(() => {
        const units = Array.from({ length: e }, (_, ex) =>
          Array.from({ length: hidden }, (_, j) => (Math.floor((ex * ffn.hidden) / e) + j) % ffn.hidden),
        );
        const idx = units.map((u) => tf.tensor1d(u, 'int32'));
        const w1 = tf.stack(idx.map((i) => tf.gather(ffn.fc1.weight, i, 1)));
        const b1 = tf.stack(idx.map((i) => tf.gather(bias(ffn.fc1.bias, ffn.hidden), i)));
        const w2 = tf.stack(idx.map((i) => tf.mul(tf.gather(ffn.fc2.weight, i, 0), ffn.hidden / hidden)));
        const b2 = tf.stack(idx.map(() => bias(ffn.fc2.bias, ffn.dim)));
        const p = Object.fromEntries(layer.experts.namedParameters());
        p.w1.assign(w1);
        p.b1.assign(b1);
        p.w2.assign(w2);
        p.b2.assign(b2);
      });
    },
  );
}

/**
 * The control of the up-cycled arms: a copy of the dense model with only its MoE-layer FFNs
 * trainable (the same layers the MoTE and float-MoE arms train, no experts added). Trained on the
 * same questions, it separates what the extra expert capacity adds from what the extra training does.
 *
 * @example
 * ```ts
 * const control = continueDense(dense);
 * await trainVqa(control, train, { epochs: 2 }); // only the odd blocks' FFNs move
 * ```
 */
export function continueDense(dense: VqaTransformer): VqaTransformer {
  return replaceMoeSlots(
    dense,
    (ffn) => ({ kind: 'dense', hidden: ffn.hidden }),
    (model, l, ffn) => slotAt(model, l, GeluFFN).loadStateDict(ffn.stateDict()),
  );
}
