/** Sizes of the vision suite per mode: data, schedules and the answer models' dimensions. */
import {
  CONTENT_TYPES,
  EXPERT_DESCRIPTIONS,
  type BaseTarget,
  type ContentType,
  type RoutingLabelRule,
} from '@moe-zoo/vision';

/** Number of specialist experts (one per content type). */
export const EXPERTS = CONTENT_TYPES.length;
/** The experts' descriptions the coarse router reads, in {@link CONTENT_TYPES} order. */
export const DESCRIPTIONS = CONTENT_TYPES.map((t) => EXPERT_DESCRIPTIONS[t]);
/** Width of the answer models and the router. */
export const DIM = 32;
export const HEADS = 4;
/** Patch side of the V-MoE / dense ViT on 28x28 Fashion-MNIST (16 tokens). */
export const VIT_PATCH = 7;
/** Test questions of each arm's latency probe. */
export const LATENCY_BATCH = 64;

/**
 * The question templates the suite asks: those whose answer needs the own type's specialist.
 * Left out (measured with the loss labels): `fashion-footwear`, which the base alone answers at
 * near-zero loss for 96% of the questions, so no expert is useful; `chart-count` and
 * `text-length`, which every full-resolution expert answers (bars and letters are counted from
 * any sharp view), so the off-type experts are as useful as the own one.
 */
export const DETAIL_QUESTIONS: readonly string[] = [
  'digit-class',
  'digit-odd',
  'fashion-class',
  'text-first',
  'text-last',
  'chart-shortest',
  'chart-tallest',
];

/**
 * The suite's routing-label rule: MoVA's (an expert is useful when it lowers the answer loss, at
 * most 3), but an expert counts only if its loss drop is at least 0.7 of the best expert's drop,
 * on losses averaged over {@link VisionPlan.answererSeeds} answerer seeds. Under the paper's
 * rule every full-resolution expert lowers the loss a little on every type (the answerers learn
 * to read digits from the text expert's features too), so off-type experts were labelled useful
 * for about half of the questions; see `RoutingLabelRuleSchema` for the rules tried.
 */
export const SUITE_LABEL_RULE: RoutingLabelRule = { maxExperts: 3, margin: 0, relative: 0.7 };

/** Pretraining images per content type (the specialists of mnist and fashion-mnist need 3,000 to beat the other experts' features on their own type). */
export const PRETRAIN_PER_TYPE: Record<ContentType, number> = {
  mnist: 3000,
  'fashion-mnist': 3000,
  text: 3000,
  chart: 3000,
};

/** What the generalist base is pretrained on: the content type only (the gist; the details come from the specialists). */
export const BASE_TARGET: BaseTarget = 'content-type';

/** Sizes and schedules of a run. */
export interface VisionPlan {
  trainPerType: number;
  testPerType: number;
  /** Answerer initialisations whose losses the routing labels average. */
  answererSeeds: number;
  baseEpochs: number;
  expertEpochs: number;
  labelEpochs: number;
  routerSamples: number;
  routerEpochs: number;
  /** Epochs of each answer-model arm (base, specialists, fusion and the MoVA arms). */
  armEpochs: number;
  batchSize: number;
  lr: number;
  vit: { trainPerClass: number; testPerClass: number; epochs: number; depth: number };
  /** Pretraining images per content type (tiny runs only; else {@link PRETRAIN_PER_TYPE}). */
  pretrainPerType?: number;
}

const QUICK: VisionPlan = {
  trainPerType: 1500,
  testPerType: 300,
  answererSeeds: 2,
  baseEpochs: 4,
  expertEpochs: 8,
  labelEpochs: 3,
  routerSamples: 2000,
  routerEpochs: 10,
  armEpochs: 7,
  batchSize: 128,
  lr: 1e-2,
  vit: { trainPerClass: 150, testPerClass: 100, epochs: 3, depth: 2 },
};

/**
 * Full mode: 1,000 test questions per type for per-question paired tests. Before the routing
 * labels averaged two answerer seeds and the specialists had 3,000 images each, the run was
 * estimated at about 15 minutes alone; those add about 2 minutes per seed (labels and
 * pretraining), so about 21 minutes alone.
 */
const FULL: VisionPlan = {
  trainPerType: 2000,
  testPerType: 1000,
  answererSeeds: 2,
  baseEpochs: 5,
  expertEpochs: 10,
  labelEpochs: 5,
  routerSamples: 2000,
  routerEpochs: 12,
  armEpochs: 9,
  batchSize: 128,
  lr: 1e-2,
  vit: { trainPerClass: 300, testPerClass: 200, epochs: 4, depth: 2 },
};

/** Tiny (`--tiny`, a smoke run): a few questions and images per type, 1 epoch per stage. */
const TINY: VisionPlan = {
  trainPerType: 32,
  testPerType: 16,
  answererSeeds: 1,
  baseEpochs: 1,
  expertEpochs: 1,
  labelEpochs: 1,
  routerSamples: 128,
  routerEpochs: 1,
  armEpochs: 1,
  batchSize: 64,
  lr: 1e-2,
  vit: { trainPerClass: 8, testPerClass: 4, epochs: 1, depth: 2 },
  pretrainPerType: 64,
};

/** The plan of a mode: quick (one seed, a few minutes), full, or tiny ({@link TINY}). */
export function visionPlan(quick: boolean, tiny = false): VisionPlan {
  if (tiny) return TINY;
  return quick ? QUICK : FULL;
}
