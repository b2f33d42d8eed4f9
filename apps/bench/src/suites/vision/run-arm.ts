/** Trains and evaluates one MoVA-side arm of one seed, end to end from the test images. */
import { makeRng, setSeed, tf } from '@moe-zoo/core';
import {
  ANSWERS,
  evaluateSystem,
  FusionAnswerer,
  fusionSystem,
  MoVA,
  movaSystem,
  randomRouting,
  routeBatch,
  sourceDim,
  trainFusionAnswerer,
  trainMoVAModel,
  WORDS,
  type AnswerSystem,
  type AnswerTrainOptions,
  type RoutingPolicy,
  type SystemEvaluation,
  type VqaSet,
} from '@moe-zoo/vision';
import { settle, timeMedianAsync, type TimingLog } from '../../perf/timing';
import type { SuiteContext } from '../../types';
import { ARMS, armFamily, fusionSources, type Arm } from './arms';
import { DESCRIPTIONS, DIM, EXPERTS, HEADS, LATENCY_BATCH, type VisionPlan } from './plan';
import type { SeedSetup } from './run-setup';

/** What one arm measured on one seed. */
export interface ArmResult {
  eval: SystemEvaluation;
  trainSeconds: number;
  latencyMs: number;
  paramsTotal: number;
  /** Parameters used per sample given `expertsPerSample` experts. */
  active: (expertsPerSample: number) => number;
  /** Forward FLOPs per sample given the measured expert runs and cross-attention calls. */
  flops: (expertsPerSample: number, crossPerSample: number) => number;
  /** The routing labels of the test set (MoVA arms with routing). */
  labels?: Uint8Array;
}

/** Median ms of one `predict` on the first `batch` samples of `set`, every module in eval mode (restored after). */
async function latency(system: AnswerSystem, set: VqaSet, batch: number, timing: TimingLog): Promise<number> {
  const per = set.size * set.size;
  const words = set.tokens.length / set.n;
  const images = tf.tensor3d(set.images.subarray(0, batch * per), [batch, set.size, set.size]);
  const tokens = tf.tensor2d(set.tokens.subarray(0, batch * words), [batch, words], 'int32');
  const run = async () => settle((await system.predict(images, tokens)).logits);
  const wasTraining = system.modules.map((m) => m.training);
  system.modules.forEach((m) => m.eval());
  const ms = timing.add(await timeMedianAsync(run)).medianMs;
  system.modules.forEach((m, i) => m.train(wasTraining[i]));
  tf.dispose([images, tokens]);
  return ms;
}

/** The arm's training options and the end of its progress bar (called when training ends, before evaluation). */
interface ArmTraining {
  opts: AnswerTrainOptions;
  done: () => void;
}

/** A base-only, specialist or plain-concatenation arm: a transformer over concatenated encoder tokens. */
async function runFusionArm(s: SeedSetup, arm: Arm, t: ArmTraining, timing: TimingLog): Promise<ArmResult> {
  const sources = fusionSources(arm);
  const model = new FusionAnswerer({
    inputDim: sources.reduce((a, k) => a + sourceDim(s.trainBank, k), 0),
    tokens: s.trainBank.tokens,
    dim: DIM,
    heads: HEADS,
    blocks: 1,
    vocabSize: WORDS.length,
    numAnswers: ANSWERS.length,
  });
  const r = await trainFusionAnswerer(model, s.trainBank, sources, s.train, t.opts);
  t.done();
  const encoders = sources.map((k) => (k === -1 ? s.base : s.experts[k]));
  const system = fusionSystem(encoders, model, sources.filter((k) => k >= 0).length);
  const ev = await evaluateSystem(system, s.test);
  const total = model.countParams() + encoders.reduce((a, e) => a + e.countParams(), 0);
  const baseFlops = sources.includes(-1) ? s.base.flops() : 0;
  const expertFlops = s.experts[0].flops();
  const result: ArmResult = {
    eval: ev,
    trainSeconds: r.seconds,
    latencyMs: await latency(system, s.test, LATENCY_BATCH, timing),
    paramsTotal: total,
    active: () => total,
    flops: (eps) => baseFlops + eps * expertFlops + model.flops(),
  };
  model.dispose();
  return result;
}

/** The suite's MoV-Adapter answer model over a seed's base and expert encoders (untrained). */
export function newMoVA(s: SeedSetup, gating: 'learned' | 'uniform'): MoVA {
  return new MoVA({
    baseDim: s.base.dim,
    tokens: s.base.tokens,
    experts: EXPERTS,
    expertDim: s.experts[0].dim,
    dim: DIM,
    heads: HEADS,
    blocks: 1,
    gating,
    vocabSize: WORDS.length,
    numAnswers: ANSWERS.length,
  });
}

/**
 * A MoVA arm: full MoVA (router + learned gating), uniform gating, no routing (every expert
 * through the adapter) or random routing (random subsets of the router's size).
 */
async function runMovaArm(
  s: SeedSetup,
  arm: Arm,
  seed: number,
  t: ArmTraining,
  timing: TimingLog,
): Promise<ArmResult> {
  const model = newMoVA(s, arm === 'uniform-gating' ? 'uniform' : 'learned');
  const rng = makeRng(seed * 7919 + 99);
  const router: RoutingPolicy = async (pooled, words) =>
    (await routeBatch(s.router, pooled, words, DESCRIPTIONS)).routed;
  let trainRouting = s.trainLabels;
  let route = router;
  if (arm === 'adapter-no-routing') {
    trainRouting = new Uint8Array(s.train.n * EXPERTS).fill(1);
    route = (pooled) => new Uint8Array(pooled.shape[0] * EXPERTS).fill(1);
  } else if (arm === 'random-routing') {
    trainRouting = randomRouting(s.trainLabels, EXPERTS, rng);
    route = async (pooled, words) => randomRouting(await router(pooled, words), EXPERTS, rng);
  }
  const r = await trainMoVAModel(model, s.trainBank, s.train, trainRouting, t.opts);
  t.done();
  const system = movaSystem({ base: s.base, experts: s.experts, model, route });
  const ev = await evaluateSystem(system, s.test);
  const usesRouter = arm !== 'adapter-no-routing';
  const routerParams = usesRouter ? s.router.countParams() : 0;
  const routerFlops = usesRouter ? s.router.flops(EXPERTS) : 0;
  const shared = s.base.countParams() + routerParams + model.sharedParams();
  const perExpert = s.experts[0].countParams() + model.expertParams();
  const expertFlops = s.experts[0].flops();
  const result: ArmResult = {
    eval: ev,
    trainSeconds: r.seconds + (usesRouter ? s.routerSeconds : 0),
    latencyMs: await latency(system, s.test, LATENCY_BATCH, timing),
    paramsTotal: shared + EXPERTS * perExpert,
    active: (eps) => shared + eps * perExpert,
    flops: (eps, cps) => s.base.flops() + routerFlops + eps * expertFlops + model.flops(cps),
    labels: usesRouter ? s.testLabels : undefined,
  };
  model.dispose();
  return result;
}

/** Trains `arm` on the seed's training questions and evaluates it on the seed's test questions. */
export async function runArm(
  ctx: SuiteContext,
  plan: VisionPlan,
  s: SeedSetup,
  arm: Arm,
  seed: number,
): Promise<ArmResult> {
  const steps = plan.armEpochs * Math.floor(s.train.n / plan.batchSize);
  const bar = ctx.progress(`vision ${arm} seed ${seed}`, steps);
  const training: ArmTraining = {
    opts: {
      epochs: plan.armEpochs,
      batchSize: plan.batchSize,
      lr: plan.lr,
      seed,
      onStep: (loss) => bar.tick(1, { loss: loss.toFixed(3) }),
    },
    done: () => bar.done(),
  };
  setSeed(seed * 101 + 70 + ARMS.indexOf(arm));
  return armFamily(arm) === 'vision-fusion'
    ? runFusionArm(s, arm, training, ctx.timing)
    : runMovaArm(s, arm, seed, training, ctx.timing);
}
