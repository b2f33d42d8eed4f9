/** The designs suite's runs: every arm over every seed, rows with per-seed and per-image outcomes. */
import { backendCapabilities, MoHAttention, setSeed, TokenClassifier, type StepInfo } from '@moe-zoo/core';
import type { ImageSet } from '../../data/fashion-mnist';
import { mean, seedRunsRow, type SeedRun } from '../../stats';
import type { BenchRow, SuiteContext } from '../../types';
import { SHARED_EXPERT, type Arm } from './arms';
import { diversifyInto, sharedExpertModel } from './evomoe';
import { crossLayerMutualInformation, evaluateDesign, expertWeightSimilarity } from './measure';
import { routeByPosition } from './moe-context';
import { MODEL, stepsPerEpoch, type DesignsPlan } from './plan';
import { classifierRowHead } from '../../train/classifier-run';
import { trainEpochs } from './train';

/** Parameters of the routing: every MoE layer's router plus a shared router cell (RMoE's GRU). */
function routerParams(model: TokenClassifier): number {
  const routers = model.moeLayers().reduce((s, l) => s + l.router.countParams(), 0);
  return routers + (model.routerCell?.countParams() ?? 0);
}

/** The untrained token classifier of `arm` (at the global seed's next draws). */
function armModel(arm: Arm): TokenClassifier {
  return new TokenClassifier({
    ...MODEL,
    ...arm.model,
    ffn: arm.ffn,
    ...(arm.attention ? { attention: arm.attention } : {}),
  });
}

/** An arm a run left out, and why (a note and the claims that needed it say so). */
export interface LeftOutArm {
  variant: string;
  why: string;
}

/**
 * The arms of `arms` that train on the active backend (`backend` names it in the reason), and
 * those left out: an arm with a router that reads device values back synchronously in training
 * (`Router.needsSyncReadbackToTrain`: BASE layers' host-side balanced assignment) needs
 * `backendCapabilities().syncReadback`. Where the backend has it, every arm, untouched.
 */
export function armsForBackend(
  arms: readonly Arm[],
  backend: string,
): { arms: Arm[]; leftOut: LeftOutArm[] } {
  if (backendCapabilities().syncReadback) return { arms: [...arms], leftOut: [] };
  const kept: Arm[] = [];
  const leftOut: LeftOutArm[] = [];
  for (const arm of arms) {
    const model = armModel(arm);
    const needs = model.moeLayers().some((l) => l.router.needsSyncReadbackToTrain);
    model.dispose();
    if (!needs) kept.push(arm);
    else
      leftOut.push({
        variant: arm.variant,
        why: `its router assigns tokens in training on the host from a synchronous read of the scores, which the ${backend} backend does not offer (backendCapabilities().syncReadback is false)`,
      });
  }
  return { arms: kept, leftOut };
}

/** Trains one arm for one seed (EvoMoE in its two stages) and returns the trained model. */
async function trainArm(
  arm: Arm,
  plan: DesignsPlan,
  train: ImageSet,
  seed: number,
  onStep: (s: StepInfo) => void,
): Promise<TokenClassifier> {
  // Every arm starts from the same weights for a seed: a paired comparison.
  setSeed(seed);
  const model = armModel(arm);
  if (arm.tokenIdsFromPosition) routeByPosition(model);
  let from = 0;
  if (arm.shared) {
    const shared = sharedExpertModel(model, () => new TokenClassifier({ ...MODEL, ffn: SHARED_EXPERT }));
    try {
      await trainEpochs(shared, train, plan, seed, { from: 0, to: arm.shared.epochs, onStep });
      diversifyInto(shared, model, arm.shared.maskRatio);
    } finally {
      shared.dispose();
    }
    from = arm.shared.epochs;
  }
  await trainEpochs(model, train, plan, seed, { from, to: plan.epochs, onStep });
  return model;
}

/** Heads a token uses as a share of all heads: MoH's `activeHeadFraction`, 1 for multi-head attention. */
function activeHeadFraction(model: TokenClassifier): number {
  const attn = model.blocks[0]?.attn;
  return attn instanceof MoHAttention ? attn.activeHeadFraction : 1;
}

/** What a training run recorded: its per-step losses and drop rates, and when it started (ms). */
export interface RunRecord {
  losses: number[];
  drops: number[];
  /** Per-step training MaxVio (mean over the MoE layers), when recorded. */
  maxVios?: number[];
  start: number;
}

/**
 * Evaluates a trained model of the suite on the test set into one seed's run: accuracy, test loss,
 * routing entropy and expert similarity per test image, drop rates, early / final training loss,
 * routing MI, router parameters, the share of heads a token uses, training MaxVio when recorded;
 * logs one line named `label`.
 */
export async function measureRun(
  ctx: SuiteContext,
  label: string,
  model: TokenClassifier,
  test: ImageSet,
  record: RunRecord,
): Promise<SeedRun> {
  const { losses, drops } = record;
  const trainSeconds = (Date.now() - record.start) / 1000;
  const ev = await evaluateDesign(model, test);
  const accuracy = mean(ev.correct);
  const metrics = {
    accuracy,
    testLoss: mean(ev.loss),
    entropy: mean(ev.entropy),
    expertSim: mean(ev.expertSim),
    weightSim: await expertWeightSimilarity(model),
    dropRate: ev.dropRate,
    trainDropRate: mean(drops.slice(Math.floor(drops.length * 0.75))),
    ...(record.maxVios
      ? { trainMaxVio: mean(record.maxVios.slice(Math.floor(record.maxVios.length * 0.75))) }
      : {}),
    earlyLoss: mean(losses.slice(0, Math.ceil(losses.length / 2))),
    finalLoss: mean(losses.slice(-Math.max(1, Math.floor(losses.length / 10)))),
    routingMI: crossLayerMutualInformation(ev.top1, model.moeLayers()[0]?.experts.numExperts ?? 1),
    routerParams: routerParams(model),
    activeHeadFraction: activeHeadFraction(model),
  };
  ctx.log(
    `${label}: accuracy ${accuracy.toFixed(3)}, test loss ${metrics.testLoss.toFixed(3)}, entropy ${metrics.entropy.toFixed(3)}, ` +
      `expertSim ${metrics.expertSim.toFixed(3)}, drop ${metrics.dropRate.toFixed(3)}, earlyLoss ${metrics.earlyLoss.toFixed(3)}, ` +
      `routing MI ${metrics.routingMI.toFixed(3)} bits`,
  );
  return {
    metrics,
    items: { accuracy: ev.correct, testLoss: ev.loss, entropy: ev.entropy, expertSim: ev.expertSim },
    latencyMs: 0,
    trainSeconds,
  };
}

/** Trains and evaluates `arms` over the suite's seeds into one row each. */
export async function runArms(
  ctx: SuiteContext,
  plan: DesignsPlan,
  task: string,
  arms: readonly Arm[],
  data: { train: ImageSet; test: ImageSet },
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const steps = plan.epochs * stepsPerEpoch(plan);
  for (const arm of arms) {
    const runs: SeedRun[] = [];
    let firstLosses: number[] = [];
    let last: TokenClassifier | undefined;
    for (const seed of ctx.seeds) {
      last?.dispose();
      const losses: number[] = [];
      const drops: number[] = [];
      const maxVios: number[] = [];
      const progress = ctx.progress(`${task} ${arm.variant} seed ${seed}`, steps);
      const start = Date.now();
      const model = await trainArm(arm, plan, data.train, seed, (s) => {
        losses.push(s.loss);
        drops.push(s.routing?.dropRate ?? 0);
        maxVios.push(s.routing?.maxVio ?? 0);
        progress.tick(1, { loss: s.loss.toFixed(3) });
      });
      progress.done();
      if (seed === ctx.seeds[0]) firstLosses = losses;
      last = model;
      runs.push(
        await measureRun(ctx, `${task} ${arm.variant} seed ${seed}`, model, data.test, {
          losses,
          drops,
          maxVios,
          start,
        }),
      );
    }
    const m = last as TokenClassifier;
    rows.push(
      seedRunsRow(classifierRowHead(m, arm.variant, task), runs, {
        trainLoss: firstLosses,
      }),
    );
    m.dispose();
  }
  return rows;
}
