import type { BenchRow } from '../../types';
import { PRUNE_MARGIN, SUB_BIT_MARGIN } from './claims';
import { DENSE_REFERENCE_BYTES_OF, isDenseReference } from './dense-reference';
import type { CompressionPlan } from './plan';
import { tinyNote } from '../tiny';

/** "model variant share" for every row with routing flips. */
function flipsLine(rows: readonly BenchRow[]): string {
  return rows
    .filter((r) => r.metrics.routingFlips !== undefined)
    .map((r) => `${r.model} ${r.variant} ${(100 * r.metrics.routingFlips).toFixed(2)}%`)
    .join('; ');
}

/** "model variant: KB, trained in s" for every dense reference row. */
function denseLine(rows: readonly BenchRow[]): string {
  return rows
    .filter((r) => isDenseReference(r.variant))
    .map(
      (r) =>
        `${r.model} ${r.variant}: ${r.metrics.storedKB.toFixed(1)} KB, trained in ${Math.round(r.trainSeconds)} s`,
    )
    .join('; ');
}

/**
 * The compression suite's notes: the tiny sizes when run at them, models, data, pairing, what each
 * method does, bytes, routing flips, the dense references (or why there are none).
 */
export function compressionNotes(plan: CompressionPlan, rows: readonly BenchRow[], tiny = false): string[] {
  const clips =
    plan.audioTestClips === undefined
      ? 'the 720 held-out clips'
      : `${plan.audioTestClips} of the 720 held-out clips (evenly spaced)`;
  const dense = denseLine(rows);
  return [
    ...(tiny
      ? [
          tinyNote(
            `${plan.calibrationSamples} calibration samples, ${plan.audioTestClips ?? 720} audio test clips, ${plan.visionTestPerClass * 10} test images, dense references only from the bench cache`,
          ),
        ]
      : []),
    `Post-training compression of the shipped zoo models, no retraining: spoken-digits-moe (audio transformer, 2 MoE layers of 8 experts of width 48, top-2) on ${clips} of its own split (seed 0: voices never heard, clean and 20 / 10 / 0 dB); vmoe-fashion (V-MoE, 1 MoE layer of 8 experts, top-2) on ` +
      `${plan.visionTestPerClass * 10} Fashion-MNIST test images.`,
    'Seeds vary only the calibration sample: the variants that do not use it (compressed experts, int8, ternary, nested, the float references) come out the same on every seed, so their paired t over seeds collapses to a point; the per-item test over the same test items carries their uncertainty.',
    `Calibration: ${plan.calibrationSamples} training samples drawn per seed; each MoE layer's input tokens are captured in one forward pass (calibrateExperts: usage, router-weighted output-norm saliency, expert output similarity). Every variant of a seed is scored on the same test items as the float model: accuracy is paired per seed and per item (McNemar; "keeps q of the quality" tests a_i - q f_i per item).`,
    "prune-<stat>-keep<n>: the n experts ranked best by usage or saliency stay, the router loses the others' columns (softmax renormalises over the kept). compressed-experts-r<r>: each token's top-1 expert runs in full, its second through a rank-r truncated SVD of that expert (the paper trains its compact modules; here they are post-training). subspace-merge-<g>groups-r<r>: experts grouped by output similarity, each group's weights through one shared rank-r basis with per-expert factors (routing unchanged).",
    `storedKB: the model's weights as float32 (4 bytes per parameter); paramsActive: parameters one token uses (moduleCosts; for merged layers an upper bound counting every group's basis); moeParams / moeActive: the same for the MoE layers alone (router included), what the claims' parameter bars are on, since attention and embeddings weigh more than the experts in these small models. keptQuality: accuracy / the float model's. The pruning margin (${PRUNE_MARGIN} accuracy) was declared before the run.`,
    `Routing flips (router replay's routingFlips: the share of (token, layer) whose set of top-k experts differs from the float model's, on the first 256 test items; only where expert ids keep their meaning): ${flipsLine(rows)}. float-cpu-backend runs the float model on tfjs's JavaScript backend instead of wasm, float-dense-dispatch with every expert on every token (the dense dispatch path) instead of the sorted one.`,
    `Quantized experts (per output channel scales, float32 biases; the router stays float32): int8; mixed-precision-<b>bit: widths from {1.58, 2, 4, 8} per expert by calibration importance (usage x saliency) under the byte budget of b bits per weight on average (MC-MoE / MC#), -topany<t>: plus MC#'s online pruning of a token's minor experts whose gate share is below t; qmoe-ternary-huffman: ternary codes (absmean, per expert) in one canonical-Huffman store (QMoE); nested-8-4-2bit: one 8-bit store served per (token, expert) at 8 / 4 / 2 bits by the gate share (>= 0.6 / >= 0.3 / below; D2-MoE-style). moeBitsPerParam: the MoE layers' stored bits per parameter, router, scales and biases included (at dim 48 they weigh: int8 is 9.4); codeBitsPerWeight: the Huffman store's bits per expert weight. The sub-1-bit margin (${SUB_BIT_MARGIN} accuracy) was declared before the run.`,
    `Dense references (${dense || (plan.trainDenseReference ? 'none' : 'none: not in the bench cache, and not trained at these sizes (the zoo recipes take thousands of steps), so their rows and the claim against them are left out')}): the zoo model's architecture with a dense FFN of one width in every block, the widest whose float32 weights store no more bytes than the model's ${DENSE_REFERENCE_BYTES_OF} variant, trained by the zoo model's own recipe (same data, epochs, batch size and seed; kept in the bench cache once trained). One trained model, so the same on every seed: its per-item McNemar test against a variant is what decides.`,
  ];
}
