/**
 * The mome suite's training loop: per seed, a backbone pre-trained on the uncompressed pair, then
 * every adapter arm on that frozen backbone; rows with per-seed values and per-test-sample items.
 */
import { moduleCosts } from '@moe-zoo/core';
import {
  AvModel,
  evaluateAvModel,
  FULL_RATE,
  makeAvDigits,
  MOME_RATES,
  pretrainAvBackbone,
  rateKey,
  trainAvAdapters,
  type AvDigits,
  type RatePair,
} from '@moe-zoo/multimodal';
import { ensureSpokenDigits } from '@moe-zoo/spoken-digits-tool';
import { mean, seedRunsRow, type RowHead, type SeedRun } from '../../stats';
import type { BenchRow, SuiteContext } from '../../types';
import { FROZEN_BACKBONE, type MomeArm } from './arms';
import { accuracyMetric, BATCH_SIZE, HIGH_RATES, type MomePlan } from './plan';
import { avLatency, overlapOutcomes, rateOutcomes } from './run-eval';

const MODEL = 'mome';
const TASK = 'av-digits';

/** A variant's size (from its first seed) and its runs, one per seed in the order of the seeds. */
interface VariantRuns {
  head: RowHead;
  runs: SeedRun[];
}

/** FLOPs per sample averaged over the 6 rate pairs. */
function meanFlops(model: AvModel): number {
  return Math.round(mean(MOME_RATES.map((r) => model.flopsPerSample(r))));
}

function stepsPerEpoch(av: AvDigits): number {
  return Math.floor(av.train.n / BATCH_SIZE);
}

/** Pre-trains the backbone on the uncompressed pair and evaluates it without adapters at every rate. */
async function pretrain(
  ctx: SuiteContext,
  plan: MomePlan,
  av: AvDigits,
  seed: number,
): Promise<{ backbone: AvModel; head: RowHead; run: SeedRun }> {
  const bar = ctx.progress(`mome backbone seed ${seed}`, plan.preEpochs * stepsPerEpoch(av));
  const trained = await pretrainAvBackbone(av.train, {
    epochs: plan.preEpochs,
    batchSize: BATCH_SIZE,
    seed,
    onStep: (loss) => bar.tick(1, { loss: loss.toFixed(3) }),
  });
  bar.done();
  const backbone = trained.model;
  const rates = [FULL_RATE, ...MOME_RATES];
  const evals = await evaluateAvModel(backbone, av.test, rates);
  const { metrics, items } = rateOutcomes(evals, av.test, rates);
  metrics.accuracy = mean(MOME_RATES.map((r) => evals[rateKey(r)].accuracy));
  const costs = moduleCosts(backbone);
  ctx.log(
    `mome seed ${seed}: backbone ${rates.map((r) => `${rateKey(r)} ${evals[rateKey(r)].accuracy.toFixed(3)}`).join(', ')} (${trained.seconds.toFixed(1)} s)`,
  );
  return {
    backbone,
    head: {
      model: MODEL,
      variant: FROZEN_BACKBONE,
      task: TASK,
      paramsTotal: costs.total,
      paramsActive: costs.active,
      flopsPerSample: meanFlops(backbone),
    },
    run: {
      metrics,
      items,
      latencyMs: await avLatency(backbone, av.test, ctx.timing),
      trainSeconds: trained.seconds,
    },
  };
}

/**
 * Trains one arm's adapters on the frozen `backbone` (one model for all rates, or one per rate pair
 * of the plan) and evaluates them on the test set: accuracy per rate, expert overlap for MoME.
 */
async function trainArm(
  ctx: SuiteContext,
  plan: MomePlan,
  arm: MomeArm,
  backbone: AvModel,
  av: AvDigits,
  seed: number,
): Promise<{ head: RowHead; run: SeedRun }> {
  const groups: (readonly RatePair[])[] = arm.perRate
    ? (plan.perRateAllPairs ? MOME_RATES : HIGH_RATES).map((r) => [r])
    : [MOME_RATES];
  const metrics: Record<string, number> = {};
  const items: Record<string, number[]> = {};
  let seconds = 0;
  let last: AvModel | undefined;
  for (const rates of groups) {
    last?.dispose();
    const bar = ctx.progress(
      `mome ${arm.variant}${arm.perRate ? ` ${rateKey(rates[0])}` : ''} seed ${seed}`,
      plan.epochs * stepsPerEpoch(av),
    );
    // Every arm and rate group initialises its adapters from the same seed (paired arms).
    const trained = await trainAvAdapters(backbone, av.train, {
      adapter: arm.adapter,
      rates,
      epochs: plan.epochs,
      batchSize: BATCH_SIZE,
      seed,
      onStep: (loss) => bar.tick(1, { loss: loss.toFixed(3) }),
    });
    bar.done();
    const model = trained.model;
    last = model;
    seconds += trained.seconds;
    const evals = await evaluateAvModel(model, av.test, rates);
    const outcomes = [rateOutcomes(evals, av.test, rates)];
    if (model.config.adapter.kind === 'mome') outcomes.push(overlapOutcomes(evals, model));
    for (const o of outcomes) {
      Object.assign(metrics, o.metrics);
      Object.assign(items, o.items);
    }
  }
  if (MOME_RATES.every((r) => accuracyMetric(r) in metrics))
    metrics.accuracy = mean(MOME_RATES.map((r) => metrics[accuracyMetric(r)]));
  const m = last as AvModel;
  const head: RowHead = {
    model: MODEL,
    variant: arm.variant,
    task: TASK,
    paramsTotal: m.backbone.countParams() + groups.length * m.adapterParams(),
    paramsActive: moduleCosts(m).active,
    flopsPerSample: meanFlops(m),
  };
  // Latency of one model of the arm (all of an arm's models have the same shape).
  const latencyMs = await avLatency(m, av.test, ctx.timing);
  m.dispose();
  ctx.log(
    `mome seed ${seed}: ${arm.variant} ${HIGH_RATES.map((r) => `${rateKey(r)} ${metrics[accuracyMetric(r)].toFixed(3)}`).join(', ')} (${seconds.toFixed(1)} s)`,
  );
  return { head, run: { metrics, items, latencyMs, trainSeconds: seconds } };
}

/**
 * Runs the frozen backbone and every arm over the suite's seeds. All rows of a seed are evaluated
 * on the same test samples in the same order (paired items).
 */
export async function runMome(
  ctx: SuiteContext,
  plan: MomePlan,
  arms: readonly MomeArm[],
): Promise<BenchRow[]> {
  const variants = new Map<string, VariantRuns>();
  const add = (head: RowHead, run: SeedRun) => {
    const v = variants.get(head.variant) ?? { head, runs: [] };
    v.runs.push(run);
    variants.set(head.variant, v);
  };
  for (const seed of ctx.seeds) {
    const sizes = plan.maxTrain ? { maxTrain: plan.maxTrain, maxTest: plan.maxTest } : {};
    const av = makeAvDigits(ensureSpokenDigits({ seed }), { seed, ...sizes });
    const pre = await pretrain(ctx, plan, av, seed);
    add(pre.head, pre.run);
    for (const arm of arms) {
      const r = await trainArm(ctx, plan, arm, pre.backbone, av, seed);
      add(r.head, r.run);
    }
    pre.backbone.dispose();
  }
  return [...variants.values()].map((v) => seedRunsRow(v.head, v.runs));
}
