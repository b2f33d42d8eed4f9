/**
 * What every MoVA-side arm of a seed shares: the data, the frozen encoders (pretrained generalist
 * base and one specialist per content type), the routing labels and the coarse router.
 */
import { setSeed } from '@moe-zoo/core';
import {
  allIndices,
  buildFeatureBank,
  buildRoutingLabels,
  CONTENT_TYPES,
  CoarseRouter,
  createEncoder,
  loadVisionData,
  onTypeShares,
  pooledBase,
  pretrainEncoder,
  QUESTIONS,
  trainRouter,
  WORDS,
  type ConvEncoder,
  type FeatureBank,
  type OnTypeShare,
  type VqaSet,
} from '@moe-zoo/vision';
import type { SuiteContext } from '../../types';
import {
  BASE_TARGET,
  DESCRIPTIONS,
  DETAIL_QUESTIONS,
  DIM,
  EXPERTS,
  HEADS,
  PRETRAIN_PER_TYPE,
  SUITE_LABEL_RULE,
  type VisionPlan,
} from './plan';

/** Everything shared by the arms of one seed. */
export interface SeedSetup {
  train: VqaSet;
  test: VqaSet;
  trainBank: FeatureBank;
  base: ConvEncoder;
  experts: ConvEncoder[];
  trainLabels: Uint8Array;
  testLabels: Uint8Array;
  router: CoarseRouter;
  routerSeconds: number;
  sharedSeconds: { pretrain: number; labels: number; router: number };
  pretrainScores: Record<string, number>;
  labelStats: string;
  /** Label quality per content type on the training split (the router's targets). */
  labelQuality: OnTypeShare[];
}

/** Pretrains the base and the specialists (each frozen afterwards); returns them and their scores. */
async function pretrainEncoders(
  ctx: Pick<SuiteContext, 'progress'>,
  plan: VisionPlan,
  seed: number,
  pretrain: VqaSet,
  test: VqaSet,
): Promise<{ encoders: ConvEncoder[]; scores: Record<string, number>; seconds: number }> {
  const start = Date.now();
  const scores: Record<string, number> = {};
  const encoders: ConvEncoder[] = [];
  for (const role of ['base', ...CONTENT_TYPES] as const) {
    setSeed(seed * 101 + encoders.length);
    const enc = createEncoder(role);
    const epochs = role === 'base' ? plan.baseEpochs : plan.expertEpochs;
    const n = role === 'base' ? pretrain.n : pretrain.type.filter((t) => CONTENT_TYPES[t] === role).length;
    const bar = ctx.progress(`vision pretrain ${role} seed ${seed}`, epochs * Math.floor(n / 64));
    const r = await pretrainEncoder(enc, role, pretrain, {
      epochs,
      seed,
      evaluateOn: test,
      baseTarget: BASE_TARGET,
      onStep: (loss) => bar.tick(1, { loss: loss.toFixed(3) }),
    });
    bar.done();
    scores[role] = r.score ?? NaN;
    enc.setTrainable(false);
    encoders.push(enc);
  }
  return { encoders, scores, seconds: (Date.now() - start) / 1000 };
}

/** Per question template asked, the share of training questions whose routing label includes each expert. */
function labelFrequencies(labels: Uint8Array, set: VqaSet): string {
  const fraction = (q: number, j: number) => {
    let n = 0;
    let k = 0;
    for (let i = 0; i < set.n; i++) {
      if (set.question[i] !== q) continue;
      n++;
      k += labels[i * EXPERTS + j];
    }
    return n ? k / n : 0;
  };
  return QUESTIONS.map((q, qi) => ({ q, qi }))
    .filter(({ qi }) => set.question.includes(qi))
    .map(({ q, qi }) => `${q.id} [${CONTENT_TYPES.map((_, j) => fraction(qi, j).toFixed(2)).join(' ')}]`)
    .join('; ');
}

/** Data, encoders, routing labels and router of one seed. */
/** `ctx` gives only the progress bars (the zoo's mova-vqa recipe calls it too). */
export async function setupSeed(
  ctx: Pick<SuiteContext, 'progress'>,
  plan: VisionPlan,
  seed: number,
): Promise<SeedSetup> {
  const data = await loadVisionData({
    seed,
    trainPerType: plan.trainPerType,
    testPerType: plan.testPerType,
    pretrainPerType: plan.pretrainPerType ?? PRETRAIN_PER_TYPE,
    questions: DETAIL_QUESTIONS,
  });
  const pre = await pretrainEncoders(ctx, plan, seed, data.pretrain, data.test);
  const [base, ...experts] = pre.encoders;
  const banks: FeatureBank[] = [];
  for (const s of [data.pretrain, data.train, data.test])
    banks.push(await buildFeatureBank(base, experts, s));
  const labelSteps =
    plan.answererSeeds * (EXPERTS + 1) * plan.labelEpochs * Math.floor(data.pretrain.n / plan.batchSize);
  const lbar = ctx.progress(`vision routing labels seed ${seed}`, labelSteps);
  const built = await buildRoutingLabels(
    { bank: banks[0], set: data.pretrain },
    [
      { bank: banks[1], set: data.train },
      { bank: banks[2], set: data.test },
    ],
    {
      epochs: plan.labelEpochs,
      batchSize: plan.batchSize,
      lr: plan.lr,
      seed,
      rule: SUITE_LABEL_RULE,
      answererSeeds: plan.answererSeeds,
      onStep: () => lbar.tick(),
    },
  );
  lbar.done();
  const [trainL, testL] = built.labels;
  setSeed(seed * 101 + 50);
  const router = new CoarseRouter({
    baseDim: base.dim,
    dim: DIM,
    heads: HEADS,
    blocks: 1,
    vocabSize: WORDS.length,
    maxCandidates: EXPERTS,
  });
  const labelled = allIndices(Math.min(plan.routerSamples, data.train.n));
  const rbar = ctx.progress(
    `vision router seed ${seed}`,
    plan.routerEpochs * Math.floor(labelled.length / 64),
  );
  const rr = await trainRouter(
    router,
    pooledBase(banks[1], allIndices(data.train.n)),
    data.train,
    labelled,
    trainL.labels,
    DESCRIPTIONS,
    { epochs: plan.routerEpochs, seed, onStep: () => rbar.tick() },
  );
  rbar.done();
  return {
    train: data.train,
    test: data.test,
    trainBank: banks[1],
    base,
    experts,
    trainLabels: trainL.labels,
    testLabels: testL.labels,
    router,
    routerSeconds: rr.seconds,
    sharedSeconds: { pretrain: pre.seconds, labels: built.seconds, router: rr.seconds },
    pretrainScores: pre.scores,
    labelStats: labelFrequencies(trainL.labels, data.train),
    labelQuality: onTypeShares(trainL.labels, data.train.type, EXPERTS),
  };
}
