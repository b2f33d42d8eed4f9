/**
 * The Duo-LLM study's runs, the paper's three stages per seed on one model: train it with random
 * routing, evaluate every routing pattern on the test set (the oracle's sweep), then train the
 * routers alone on the frozen model. Every row is that model on the same test images under one
 * routing, so all comparisons are paired.
 */
import {
  DUO_BIG,
  DUO_SMALL,
  selectDuoOracle,
  setSeed,
  sweepDuoPatterns,
  type DuoOracleResult,
  type DuoSweep,
  type TokenClassifier,
} from '@moe-zoo/core';
import type { ImageSet } from '../../data/fashion-mnist';
import { mean, seedRunsRow, type RowHead, type SeedRun } from '../../stats';
import type { BenchRow, SuiteContext } from '../../types';
import { DUO, DUO_TASK, DUO_VARIANTS, duoClassifier, duoLayers, duoPlan, oneBigLayer } from './duo-arms';
import { evaluateDuo, type DuoEvaluation } from './duo-measure';
import { stepsPerEpoch, TOKENS, type DesignsPlan } from './plan';
import { trainEpochs } from './train';

type Variant = (typeof DUO_VARIANTS)[keyof typeof DUO_VARIANTS];

/** One row's seed run from per-image outcomes (and extra per-seed metrics). */
function seedRun(e: DuoEvaluation, trainSeconds: number, extra: Record<string, number> = {}): SeedRun {
  return {
    metrics: {
      accuracy: mean(e.correct),
      testLoss: mean(e.loss),
      compute: mean(e.compute),
      bigShare: mean(e.big),
      skipShare: mean(e.skip),
      ...extra,
    },
    items: { accuracy: e.correct, testLoss: e.loss },
    latencyMs: 0,
    trainSeconds,
  };
}

/** The sweep's outcomes under one fixed pattern. */
function fixedPattern(sweep: DuoSweep, pattern: readonly number[]): DuoEvaluation {
  const i = sweep.patterns.findIndex((p) => p.every((c, l) => c === pattern[l]));
  const o = sweep.outcomes[i];
  return { loss: o.loss, correct: o.correct, compute: o.compute, big: o.big, skip: o.skip };
}

/** The oracle's per-image outcomes, plus where its big modules are: the share of images with big in layer l. */
function oracleRun(o: DuoOracleResult, trainSeconds: number): SeedRun {
  const { loss, correct, compute, big, skip } = o.outcomes;
  const bigAt = Object.fromEntries(
    Array.from({ length: DUO.depth }, (_, l) => [
      `bigAt${l}`,
      mean(o.pattern.map((p) => (p[l] === DUO_BIG ? 1 : 0))),
    ]),
  );
  return seedRun({ loss, correct, compute, big, skip }, trainSeconds, bigAt);
}

/** Trains the routers alone (the model frozen), learned routing with `DUO.compute`'s penalty. */
async function trainRouters(
  ctx: SuiteContext,
  model: TokenClassifier,
  plan: DesignsPlan,
  train: ImageSet,
  seed: number,
): Promise<void> {
  const duo = duoPlan(ctx.quick, ctx.tiny);
  model.setTrainable(false);
  for (const layer of duoLayers(model)) {
    layer.setRouting('learned');
    layer.router.setTrainable(true);
  }
  const progress = ctx.progress(`${DUO_TASK} routers seed ${seed}`, duo.routerEpochs * stepsPerEpoch(plan));
  await trainEpochs(
    model,
    train,
    { epochs: duo.routerEpochs, batchSize: plan.batchSize, lr: duo.routerLr },
    seed,
    { from: 0, to: duo.routerEpochs, onStep: (s) => progress.tick(1, { loss: s.loss.toFixed(3) }) },
  );
  progress.done();
}

/**
 * Per seed: the Duo classifier trained with random routing on the plan; its every pattern on the
 * test set; random routing; the trained routers; the oracle within the routers' compute; the
 * oracle restricted to the big module in one layer. One row per routing.
 */
export async function runDuoArms(
  ctx: SuiteContext,
  plan: DesignsPlan,
  data: { train: ImageSet; test: ImageSet },
): Promise<BenchRow[]> {
  const runs = new Map<Variant, SeedRun[]>(
    Object.values(DUO_VARIANTS).map((v): [Variant, SeedRun[]] => [v, []]),
  );
  const push = (v: Variant, r: SeedRun): void => void runs.get(v)?.push(r);
  let head: { paramsTotal: number; paramsActive: number; base: number; ffnBig: number } | undefined;
  for (const seed of ctx.seeds) {
    setSeed(seed);
    const model = duoClassifier();
    try {
      const progress = ctx.progress(
        `${DUO_TASK} random routing seed ${seed}`,
        plan.epochs * stepsPerEpoch(plan),
      );
      const start = Date.now();
      await trainEpochs(model, data.train, plan, seed, {
        from: 0,
        to: plan.epochs,
        onStep: (s) => progress.tick(1, { loss: s.loss.toFixed(3) }),
      });
      progress.done();
      const trained = (Date.now() - start) / 1000;
      const layers = duoLayers(model);
      const sweep = await sweepDuoPatterns(layers, () => evaluateDuo(model, data.test));
      const random = await evaluateDuo(model, data.test);
      const routerStart = Date.now();
      await trainRouters(ctx, model, plan, data.train, seed);
      const withRouters = trained + (Date.now() - routerStart) / 1000;
      const routed = await evaluateDuo(model, data.test);
      const budget = mean(routed.compute);
      const oracle = selectDuoOracle(sweep, { maxCompute: budget });
      const oneBig = selectDuoOracle(sweep, { allowed: oneBigLayer });
      push(
        DUO_VARIANTS.allBig,
        seedRun(
          fixedPattern(
            sweep,
            layers.map(() => DUO_BIG),
          ),
          trained,
        ),
      );
      push(
        DUO_VARIANTS.allSmall,
        seedRun(
          fixedPattern(
            sweep,
            layers.map(() => DUO_SMALL),
          ),
          trained,
        ),
      );
      push(DUO_VARIANTS.random, seedRun(random, trained));
      push(DUO_VARIANTS.router, seedRun(routed, withRouters));
      push(DUO_VARIANTS.oracle, oracleRun(oracle, trained));
      push(DUO_VARIANTS.oneBig, oracleRun(oneBig, trained));
      const ffnBig = TOKENS * layers.reduce((s, l) => s + l.choiceFlops()[DUO_BIG], 0);
      head ??= {
        paramsTotal: model.countParams(),
        paramsActive: model.activeParams(),
        base: model.flopsPerSample(),
        ffnBig,
      };
      const show = (v: Variant): string => {
        const m = runs.get(v)?.at(-1)?.metrics;
        return m
          ? `${v} acc ${m.accuracy.toFixed(3)} loss ${m.testLoss.toFixed(3)} compute ${m.compute.toFixed(3)}`
          : v;
      };
      ctx.log(`${DUO_TASK} seed ${seed}: ${Object.values(DUO_VARIANTS).map(show).join('; ')}`);
    } finally {
      model.dispose();
    }
  }
  const h = head as NonNullable<typeof head>;
  return Object.values(DUO_VARIANTS).map((variant) => {
    const seedRuns = runs.get(variant) ?? [];
    const compute = mean(seedRuns.map((r) => r.metrics.compute));
    const rowHead: RowHead = {
      model: 'duo-classifier',
      variant,
      task: DUO_TASK,
      paramsTotal: h.paramsTotal,
      paramsActive: h.paramsActive,
      // The classifier's FLOPs with the big module everywhere, its FFN part scaled to the measured compute.
      flopsPerSample: Math.round(h.base - h.ffnBig * (1 - compute)),
    };
    return seedRunsRow(rowHead, seedRuns);
  });
}
