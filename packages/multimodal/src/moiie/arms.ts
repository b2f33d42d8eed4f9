import { ConfigError, GeluFFN, nextSeed, parseConfig, tf, upcycle } from '@moe-zoo/core';
import { z } from 'zod';
import type { VqaFfnSlotInput } from '../vqa/ffn-slot';
import type { VqaTransformer } from '../vqa/model';
import { ffnWeights, slotAt, withMoeSlots } from '../vqa/slots';
import { GroupRoutedMoE, type GroupRoutedMoEConfigInput } from './group-moe';

/** The four arms of the MoIIE comparison. */
export const MOIIE_ARMS = ['dense', 'vanilla', 'modality', 'moiie'] as const;
export type MoiieArm = (typeof MOIIE_ARMS)[number];

/** Token modalities of the VQA model. */
export const IMAGE = 1;
export const TEXT = 0;

/**
 * Routing groups of each MoE arm over 4 experts (top-2 everywhere, so 2 experts run per token):
 * - `vanilla`: one router over all 4 experts for every token;
 * - `modality`: disjoint experts, image tokens → {0, 1}, text tokens → {2, 3};
 * - `moiie`: visual router over {V=0, S1=1, S2=2}, textual router over {S1=1, S2=2, L=3}.
 */
export function armGroups(arm: Exclude<MoiieArm, 'dense'>): GroupRoutedMoEConfigInput['groups'] {
  switch (arm) {
    case 'vanilla':
      return [{ name: 'all', modalities: [TEXT, IMAGE], experts: [0, 1, 2, 3] }];
    case 'modality':
      return [
        { name: 'vis', modalities: [IMAGE], experts: [0, 1] },
        { name: 'txt', modalities: [TEXT], experts: [2, 3] },
      ];
    case 'moiie':
      return [
        { name: 'vis', modalities: [IMAGE], experts: [0, 1, 2] },
        { name: 'txt', modalities: [TEXT], experts: [1, 2, 3] },
      ];
  }
}

const GAIN = z.number().min(0.01).max(100);

/** Options of {@link upcycleArm} (strict: a misspelt option is a `ConfigError` naming it). */
export const UpcycleArmOptionsSchema = z.strictObject({
  /** Balance-loss coefficient per router (default 0.001, MoIIE's). */
  aux: z.number().min(0).optional(),
  /** Relative Gaussian noise on the copied weights, so copies can diverge (default 0.01). */
  noise: z.number().min(0).max(10).optional(),
  dispatch: z.enum(['dense', 'sorted']).optional(),
  /**
   * Which blocks' FFNs become the arm's slot: the odd ones (default, MoIIE / MoE-LLaVA) or all
   * (every block routes, so the routers see both the early and the late token representations).
   */
  layers: z.enum(['odd', 'all']).optional(),
  /**
   * The routers' gain (`GroupRoutedMoE`'s `routerGain`: a router learning-rate multiplier; default
   * 1), or one per routing group by name, e.g. `{ vis: 5 }` (groups not named keep 1).
   */
  routerGain: z.union([GAIN, z.record(z.string(), GAIN)]).optional(),
});
/** Options of {@link upcycleArm}. */
export type UpcycleArmOptions = z.input<typeof UpcycleArmOptionsSchema>;

/** Adds relative Gaussian noise (`noise` × RMS of `w`) — a new tensor. */
function jitter(w: tf.Tensor, noise: number): tf.Tensor {
  return tf.tidy(() => {
    if (noise <= 0) return tf.clone(w);
    const rms = tf.sqrt(tf.add(tf.mean(tf.square(w)), 1e-12));
    return tf.add(w, tf.mul(tf.randomNormal(w.shape, 0, 1, 'float32', nextSeed()), tf.mul(rms, noise)));
  });
}

/**
 * A dense FFN of twice the width with the same function: hidden units duplicated, the output
 * projection halved (plus `noise` on the duplicated input weights so the copies can diverge).
 */
export function widenFfn(ffn: GeluFFN, noise: number): GeluFFN {
  const wide = new GeluFFN(ffn.dim, 2 * ffn.hidden);
  widenInto(wide, ffn, noise);
  return wide;
}

/** Writes {@link widenFfn}'s weights of `ffn` into `wide`, a GeluFFN of twice its width. */
function widenInto(wide: GeluFFN, ffn: GeluFFN, noise: number): void {
  tf.tidy(() => {
    wide.fc1.weight.assign(jitter(tf.concat([ffn.fc1.weight, ffn.fc1.weight], 1), noise));
    (wide.fc1.bias as tf.Variable).assign(tf.concat([ffn.fc1.bias as tf.Tensor, ffn.fc1.bias as tf.Tensor]));
    wide.fc2.weight.assign(tf.mul(tf.concat([ffn.fc2.weight, ffn.fc2.weight], 0), 0.5));
    (wide.fc2.bias as tf.Variable).assign(ffn.fc2.bias as tf.Tensor);
  });
}

/**
 * The FFN slot config of one arm's odd (MoE) layer, for a dense FFN of width `hidden`:
 * - `dense`: a dense FFN of width 2·hidden, i.e. the active FFN width of the MoE arms;
 * - `vanilla` / `modality` / `moiie`: a {@link GroupRoutedMoE} of 4 experts of width `hidden`,
 *   top-2, with the arm's routing groups.
 */
export function armSlot(arm: MoiieArm, hidden: number, options: UpcycleArmOptions = {}): VqaFfnSlotInput {
  const o = parseConfig(UpcycleArmOptionsSchema, options, 'upcycle arm options');
  if (arm === 'dense') return { kind: 'dense', hidden: 2 * hidden };
  const gain = o.routerGain;
  const groups = armGroups(arm);
  if (typeof gain === 'object') {
    const unknown = Object.keys(gain).find((name) => !groups.some((g) => g.name === name));
    if (unknown !== undefined)
      throw new ConfigError('upcycle arm options', [
        {
          path: `routerGain.${unknown}`,
          message: `arm ${arm} has no routing group "${unknown}" (its groups: ${groups.map((g) => g.name).join(', ')})`,
        },
      ]);
  }
  return {
    kind: 'group',
    group: {
      hidden,
      numExperts: 4,
      topK: 2,
      groups:
        typeof gain === 'object' ? groups.map((g) => ({ ...g, routerGain: gain[g.name] ?? 1 })) : groups,
      aux: o.aux ?? 0.001,
      dispatch: o.dispatch ?? 'sorted',
      ...(typeof gain === 'number' ? { routerGain: gain } : {}),
    },
  };
}

/**
 * Stage 2 of the MoIIE recipe: turns a trained dense {@link VqaTransformer} into one arm. The FFN of
 * every odd layer (every layer with `layers: 'all'`) becomes the arm's slot ({@link armSlot}),
 * initialised from the dense FFN: the widened FFN (duplicated units) or 4 copies of it as experts
 * (sparse upcycling). Everything else is copied. So the three MoE arms have equal expert parameters
 * and equal active parameters up to the router sizes. The caller seeds the random stream (router
 * init, noise). The arm is fully described by its config, so `saveVqaModel` / `loadVqaModel` store
 * and restore it.
 *
 * @example
 * ```ts
 * const model = upcycleArm(base, 'moiie'); // then model.trainOnly('all') and trainVqa(...)
 * ```
 */
export function upcycleArm(
  base: VqaTransformer,
  arm: MoiieArm,
  options: UpcycleArmOptions = {},
): VqaTransformer {
  const o = parseConfig(UpcycleArmOptionsSchema, options, 'upcycle arm options');
  const noise = o.noise ?? 0.01;
  return withMoeSlots(
    base,
    'upcycleArm',
    (ffn) => armSlot(arm, ffn.hidden, o),
    (model, layer, src) => {
      if (arm === 'dense') widenInto(slotAt(model, layer, GeluFFN), src, noise);
      else upcycle(slotAt(model, layer, GroupRoutedMoE).experts, ffnWeights(src), noise);
    },
    o.layers,
  );
}
