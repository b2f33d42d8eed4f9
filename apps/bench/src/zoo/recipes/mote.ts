/** `mote-digit-vqa`: the multimodal-vqa suite's MoTE arm (ternary experts up-cycled from the dense source), vision tower included. */
import { float32Bytes, ternaryBytes } from '@moe-zoo/core';
import {
  DIGIT_VQA_MOTE_DEFAULTS,
  floatExpertBytes,
  moeLayerIndices,
  MoTELayer,
  type DigitVqaModel,
} from '@moe-zoo/multimodal';
import { moteArms } from '../../suites/multimodal-vqa/arms';
import { vqaPlan } from '../../suites/multimodal-vqa/plan';
import { digitVqaRecipe, recipeSettings } from './multimodal';

/** The suite's MoTE arm: ternary experts, 4 per layer, top-1, initialised from the dense FFN (`buildMote(dense, {})`). */
const ARM = moteArms(0, 0).find((a) => a.key === 'mote');
if (!ARM || !('mote' in ARM) || Object.keys(ARM.mote).length > 0)
  throw new Error("mote recipe: the suite's MoTE arm is no longer buildMote(dense, {})");
/** Routed experts per MoE layer (buildMote's default). */
const NUM_EXPERTS = 4;

/**
 * The suite's full plan for its MoTE part, with one change as for `moiie-digit-vqa`: the training
 * pool and the test ask all four question families (the suite asks the three cross-modal ones), so
 * the model also names the digit. The dense source is the suite's dense arm at its smallest size
 * (1000 questions, `epochs` epochs); MoTE's MoE layers then train `moteEpochs` on the largest (4000).
 */
const RECIPE = recipeSettings({
  moteSourceSamples: Math.min(...vqaPlan(false).sizes),
  moteEpochs: vqaPlan(false).moteEpochs,
});
if (
  RECIPE.moteSourceSamples !== DIGIT_VQA_MOTE_DEFAULTS.moteSourceSamples ||
  RECIPE.moteEpochs !== DIGIT_VQA_MOTE_DEFAULTS.moteEpochs
)
  throw new Error('mote recipe: the package defaults no longer match the suite plan');

/** MoE layers of the VQA transformer (depth 2: block 1). */
const MOE_LAYERS = moeLayerIndices(2).length;

/** Expert memory of the shipped model's MoE layers, in bytes, from shapes (checked against the trained model). */
export const MOTE_MEMORY = (() => {
  // The dense arm doubles the FFN width of the MoE layers (armSlot 'dense'); MoTE keeps that width.
  const d = RECIPE.dim;
  const h = 2 * RECIPE.hidden;
  const e = NUM_EXPERTS;
  const shared = floatExpertBytes(1, d, h);
  const ternary = 2 * ternaryBytes(e * d * h, e) + float32Bytes(e * (h + d));
  const floatExperts = floatExpertBytes(e, d, h);
  return {
    /** Frozen float32 shared FFN, all MoE layers. */
    sharedFloat: MOE_LAYERS * shared,
    /** The routed experts packed at 2 bits per weight (scales, biases float32), all MoE layers. */
    ternaryExperts: MOE_LAYERS * ternary,
    /** The same routed experts in float32 (as the checkpoint stores their latent weights). */
    floatExperts: MOE_LAYERS * floatExperts,
  };
})();

/** Expert memory of a model's MoE layers (MoTELayer.expertBytes: float shared FFN + ternary experts); throws if it is not the stated one. */
function checkMemory(model: DigitVqaModel): number {
  let bytes = 0;
  for (const l of moeLayerIndices(model.vqa.config.depth)) {
    const slot = model.vqa.blocks[l].ffn;
    if (!(slot instanceof MoTELayer)) throw new Error(`mote-digit-vqa: block ${l} is not a MoTE layer`);
    bytes += slot.expertBytes();
  }
  const stated = MOTE_MEMORY.sharedFloat + MOTE_MEMORY.ternaryExperts;
  if (bytes !== stated)
    throw new Error(`mote-digit-vqa: expert memory ${bytes} B, the card states ${stated} B`);
  return bytes;
}

const kb = (b: number) => `${(b / 1024).toFixed(1)} KiB (${b} B)`;

/** The shipped MoTE digit-VQA model of @moe-zoo/multimodal. */
export const MOTE_DIGIT_VQA = digitVqaRecipe({
  name: 'mote-digit-vqa',
  arm: 'mote',
  recipe: RECIPE,
  paper:
    'MoTE (mixture of ternary experts): the dense FFN kept frozen as a float shared expert, plus 4 top-1 ternary experts up-cycled from it; only routers and ternary experts train',
  intendedUse:
    'A demonstration of a trained multimodal MoE with low-bit experts: ask one of the fixed question templates about a single centred digit (white on black, as in MNIST) and compare its expert memory with a float MoE.',
  limits: [
    `Expert memory (${MOE_LAYERS} MoE layer): ${NUM_EXPERTS} ternary experts ${kb(MOTE_MEMORY.ternaryExperts)} packed at 2 bits per weight (the same experts in float32: ${kb(MOTE_MEMORY.floatExperts)}) plus the frozen float32 shared FFN ${kb(MOTE_MEMORY.sharedFloat)}; total ${kb(MOTE_MEMORY.sharedFloat + MOTE_MEMORY.ternaryExperts)} (MoTELayer.expertBytes()).`,
    "The checkpoint stores the ternary experts' latent float32 weights (storage.bytes is the float size); the forward pass quantizes them, and packTernaryExperts packs them to the stated ternary bytes bit-exactly.",
  ],
  armSetting: `mote (${ARM.variant}: frozen float shared FFN + ${NUM_EXPERTS} ternary experts, top-1, odd layers, up-cycled from the dense arm)`,
  check: (model) => `expert memory ${checkMemory(model)} B`,
});
