import type { MoeLayerChoice, VqaStagesPlan } from '@moe-zoo/multimodal';

/**
 * Sizes and schedules of the multimodal-vqa suite per mode: the package's shared stages (model
 * width, vision tower, stage 0 text LM, stage 1 alignment, test set) plus the MoIIE grid and MoTE.
 */
export interface VqaPlan extends Omit<VqaStagesPlan, 'trainSamples' | 'families'> {
  /** Stage 2 training-set sizes (the MoIIE grid), ascending; MoTE up-cycles the smallest's dense arm, trains on the largest. */
  sizes: number[];
  epochs: number;
  /** Relative noise (x weight RMS) on the up-cycled copies of the MoIIE-grid arms. */
  upcycleNoise: number;
  /** Which blocks of the MoIIE-grid arms route ('all': both blocks, so each token meets two routers). */
  moeLayers: MoeLayerChoice;
  /** Router gain of the grid's routed arms (`GroupRoutedMoE`'s router learning-rate multiplier). */
  routerGain: number;
  /** Training samples the routing signals are traced on during the first seed's runs. */
  probeSamples: number;
  /** About how many points each traced run records after its first. */
  probePoints: number;
  moteEpochs: number;
  /** MNIST images per class of the training pool and of the test images (tiny runs only; else {@link TRAIN_IMAGES}, {@link TEST_IMAGES}). */
  images?: { trainPerClass: number; testPerClass: number };
}

/** MNIST image ranges per class: the training pool and the disjoint test images. */
export const TRAIN_IMAGES = { from: 0, perClass: 800 };
export const TEST_IMAGES = { from: 800, perClass: 63 };

/** Why the up-cycling noise is 0.1 (measured on the quick plan, seed 0, MoIIE arm at n=800), for the notes. */
export const NOISE_REASON =
  "Up-cycling noise 0.1 x RMS was chosen on a quick run (seed 0, MoIIE at n=800, noise 0.01 / 0.1 / 0.3): expert-output cosine at the start 1.000 / 0.991 / 0.929 and after tuning 0.949 / 0.945 / 0.896, accuracy 0.713 / 0.704 / 0.686, visual router entropy 0.947 / 0.947 / 0.949. Training alone already separates the copies (cosine 0.95 even at 0.01) and the routers end near uniform whatever the noise, so noise is not what keeps MoIIE's routing uniform; 0.1 makes the copies distinct from step 0 without the accuracy cost of 0.3.";

/**
 * Why the routed grid arms use router gain 5 (measured on the quick plan's stages, seed 0, MoIIE at
 * n=800, 6 epochs), for the notes.
 */
export const ROUTER_GAIN_REASON =
  'Router gain 5 (each router reads 5 x its input from weights initialised 5 x smaller: the same logits at step 0, about 5 x the learning rate under Adam) was chosen on a quick exploration (seed 0, MoIIE at n=800, 6 epochs): with gain 1 the routers moved by 15% / 23% (visual / text router, relative weight change) and ended at entropy 0.96 / 0.88 of the maximum; with gain 5 they moved 46% / 151% and ended at 0.82 / 0.34, at no cost in accuracy (0.764 vs 0.756). Raising the learning rate of the whole model instead (0.01, 3 epochs) also moved the text router (entropy 0.48) but cost 0.09 accuracy; a 10 x larger balance loss (0.01) left both routers at 0.98 / 0.98; 9 instead of 3 epochs left them at 0.95 / 0.91 while accuracy rose from 0.671 to 0.767; the MoE in both blocks (gain 5) specialised the routers further (0.68 / 0.38, 0.748 accuracy) at 1.5 x the training time, so the grid keeps the MoE in block 1. So the routers stayed uniform because their logits barely move in a few hundred steps at the learning rate of the model: the router input is the normed token, which separates modalities, but the tuning is too short for the router to act on it. The full plan tunes longer (500 steps at n=4000) and keeps gain 1: there gain 5 cost accuracy (seed 0, n=4000: MoIIE 0.813 vs 0.833 at gain 1; modality MoE 0.771 vs 0.821, its text router, over exactly its top-2 experts, only mixes them and collapsed onto one, entropy 0.08), while at gain 1 the routers already move (MoIIE text router entropy 0.74, text share on the shared experts 0.79; visual 0.94 and 0.66).';

/** Test samples in the batch whose forward pass is timed. */
export const LATENCY_BATCH = 64;

const QUICK: VqaPlan = {
  dim: 48,
  hidden: 96,
  encoderEpochs: 3,
  textSamples: 4000,
  textEpochs: 3,
  alignSamples: 1500,
  alignEpochs: 3,
  sizes: [200, 800],
  // 6: at 3 epochs (75 steps at n=800) every arm was still far from converged (MoIIE 0.671 at 3, 0.756 at 6, 0.767 at 9).
  epochs: 6,
  // 0.1: copies start distinct (output cosine 0.991 vs 1.000 at 0.01), no accuracy cost as at 0.3 (NOISE_REASON).
  upcycleNoise: 0.1,
  moeLayers: 'odd',
  // 5: without it the routers barely move in the tuning (ROUTER_GAIN_REASON).
  routerGain: 5,
  probeSamples: 128,
  probePoints: 5,
  moteEpochs: 3,
  testSamples: 800,
  batchSize: 32,
};

const FULL: VqaPlan = {
  ...QUICK,
  encoderEpochs: 5,
  textSamples: 8000,
  textEpochs: 4,
  alignSamples: 4000,
  alignEpochs: 3,
  sizes: [1000, 4000],
  epochs: 4,
  // 1: 500 steps move the routers at gain 1, and gain 5 over that many steps cost accuracy (ROUTER_GAIN_REASON).
  routerGain: 1,
  moteEpochs: 3,
  testSamples: 2000,
};

/** Tiny (`--tiny`, a smoke run): the quick plan's model and recipe on a few questions, 1 epoch per stage. */
const TINY: VqaPlan = {
  ...QUICK,
  encoderEpochs: 1,
  textSamples: 256,
  textEpochs: 1,
  alignSamples: 128,
  alignEpochs: 1,
  sizes: [64, 128],
  epochs: 1,
  probeSamples: 32,
  probePoints: 2,
  moteEpochs: 1,
  testSamples: 64,
  images: { trainPerClass: 30, testPerClass: 10 },
};

/**
 * Quick: sizes 200 / 800 (6 epochs, router gain 5), 800 test questions; full: sizes 1000 / 4000
 * (4 epochs, router gain 1), 2000 test questions; tiny: {@link TINY}.
 */
export function vqaPlan(quick: boolean, tiny = false): VqaPlan {
  if (tiny) return TINY;
  return quick ? QUICK : FULL;
}
