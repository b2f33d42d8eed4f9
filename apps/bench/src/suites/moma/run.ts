/**
 * The moma suite's training loop: per seed, every arm trained on the same sequences and evaluated
 * on the same validation sequences; MoE arms also get auxiliary routers for causal inference.
 */
import { moduleCosts, setSeed, tf } from '@moe-zoo/core';
import {
  auxRouterAgreement,
  evaluateLm,
  flopsSavings,
  InterleavedLM,
  lmBatch,
  MOMA_ARMS,
  takeInterleaved,
  trainAuxRouters,
  trainLm,
  type InterleavedSet,
  type LmCurves,
  type LmEvaluation,
  type LmRouting,
} from '@moe-zoo/multimodal';
import { settle, timeMedianAsync, type TimingLog } from '../../perf/timing';
import { mean, seedRunsRow, type RowHead, type SeedRun } from '../../stats';
import type { BenchRow, SuiteContext } from '../../types';
import { DENSE, denseSweepArms, MOMA_ARM_LIST, type MomaArm } from './arms';
import { denseEquivalent, type DensePoint } from './dense-sweep';
import { AUX_LR, BATCH_SIZE, type MomaPlan } from './plan';
import { lmData, routedPerSequence, type LmData } from './run-data';

/** A variant's size (from its first seed), its runs in the order of the seeds, its first seed's curves. */
interface VariantRuns {
  head: RowHead;
  runs: SeedRun[];
  series?: Record<string, number[]>;
}

/** Median ms of one eval-mode forward of a validation batch with `routing`, recorded in `timing`. */
async function lmLatency(
  lm: InterleavedLM,
  set: InterleavedSet,
  routing: LmRouting,
  timing: TimingLog,
): Promise<number> {
  const b = lmBatch(
    set,
    Array.from({ length: BATCH_SIZE }, (_, i) => i),
  );
  lm.eval();
  const ms = timing.add(
    await timeMedianAsync(() =>
      settle(tf.tidy(() => lm.forward(b.input, b.inputModality, { routing }).logits)),
    ),
  ).medianMs;
  lm.train();
  tf.dispose([b.input, b.target, b.textMask, b.imageMask]);
  return ms;
}

/** Validation losses (token-weighted means) and their per-sequence values as items; `suffix` names the routing. */
function lossOutcomes(
  ev: LmEvaluation,
  suffix = '',
): { metrics: Record<string, number>; items: Record<string, number[]> } {
  return {
    metrics: {
      [`loss${suffix}`]: ev.loss,
      [`lossText${suffix}`]: ev.lossText,
      [`lossImage${suffix}`]: ev.lossImage,
    },
    items: {
      [`loss${suffix}`]: Array.from(ev.perSequence.loss),
      [`lossText${suffix}`]: Array.from(ev.perSequence.text),
      [`lossImage${suffix}`]: Array.from(ev.perSequence.image),
    },
  };
}

/**
 * Trains one arm on a seed's data and evaluates it with expert choice; a MoE arm then trains its
 * auxiliary routers (main model frozen) and is evaluated again routing with them (`*Causal`), and
 * its FLOPs savings are read off its training curves against the dense arm's (`dense`, same seed).
 */
async function trainArm(
  ctx: SuiteContext,
  plan: MomaPlan,
  arm: MomaArm,
  data: LmData,
  seed: number,
  dense?: LmCurves,
): Promise<{ head: RowHead; run: SeedRun; curves: LmCurves }> {
  const { train, val } = data;
  const tokens = train.seqLen - 1;
  setSeed(seed);
  const lm = new InterleavedLM({
    vocabSize: train.vocabSize,
    seqLen: tokens,
    ffn: MOMA_ARMS[arm.ffn],
    ...(arm.hidden ? { hidden: arm.hidden } : {}),
  });
  const bar = ctx.progress(
    `moma ${arm.variant} seed ${seed}`,
    plan.epochs * Math.floor(train.n / BATCH_SIZE),
  );
  const curves = await trainLm(lm, train, {
    epochs: plan.epochs,
    batchSize: BATCH_SIZE,
    seed,
    onStep: (s) => bar.tick(1, { text: s.text.toFixed(2), image: s.image.toFixed(2) }),
  });
  bar.done();
  const { metrics, items } = lossOutcomes(await evaluateLm(lm, val, { routing: 'ec' }));
  let seconds = curves.seconds;
  let latencyMs = await lmLatency(lm, val, 'ec', ctx.timing);
  if (arm.ffn !== 'dense') {
    if (!dense) throw new Error(`moma: ${arm.variant} needs the dense arm's curves of seed ${seed}`);
    const aux = await trainAuxRouters(lm, takeInterleaved(train, plan.auxTrainSequences), {
      epochs: plan.auxEpochs,
      seed,
      lr: AUX_LR,
    });
    seconds += aux.seconds;
    const causal = await evaluateLm(lm, val, { routing: 'aux' });
    const causalOutcomes = lossOutcomes(causal, 'Causal');
    Object.assign(metrics, causalOutcomes.metrics);
    Object.assign(items, causalOutcomes.items);
    const agree = await auxRouterAgreement(lm, val);
    const window = Math.max(5, Math.round(curves.loss.length / 10));
    const savings = (k: 'text' | 'image' | 'loss') => flopsSavings(curves[k], dense[k], window).ratio;
    Object.assign(metrics, {
      expertsPerTokenCausal: mean(Object.values(causal.expertsPerToken)),
      auxRouterAccuracy: agree.accuracy,
      auxRouterRecall: agree.recall,
      auxBceFinal: mean(aux.losses.slice(-5)),
      flopsSavingsText: savings('text'),
      flopsSavingsImage: savings('image'),
      flopsSavings: savings('loss'),
    });
    latencyMs = (latencyMs + (await lmLatency(lm, val, 'aux', ctx.timing))) / 2;
  }
  const head: RowHead = {
    model: 'moma',
    variant: arm.variant,
    task: 'interleaved-lm',
    paramsTotal: lm.mainParams(),
    paramsActive: moduleCosts(lm).active,
    flopsPerSample: Math.round(lm.flopsPerSample(tokens, routedPerSequence(val))),
  };
  lm.dispose();
  ctx.log(
    `moma seed ${seed}: ${arm.variant} val loss text ${metrics.lossText.toFixed(3)} image ${metrics.lossImage.toFixed(3)}` +
      (metrics.lossCausal !== undefined ? `, causal ${metrics.lossCausal.toFixed(3)}` : '') +
      ` (${seconds.toFixed(1)} s)`,
  );
  return { head, run: { metrics, items, latencyMs, trainSeconds: seconds }, curves };
}

/** The loss metrics whose dense-equivalent FLOPs the width sweep reads. */
const SWEPT = {
  loss: 'flopsSavingsWidths',
  lossText: 'flopsSavingsWidthsText',
  lossImage: 'flopsSavingsWidthsImage',
};

/** `*Bound` metric values: 1 when the savings are a lower bound, -1 an upper bound, 0 interpolated. */
const SWEEP_BOUND = { within: 0, 'below-sweep': 1, 'above-sweep': -1 } as const;

/**
 * Adds to each MoE arm's run, per loss metric, the FLOPs a dense model of the seed's width sweep
 * needs to reach the arm's validation loss over the arm's own FLOPs (clipped to the sweep's range).
 */
function addSweepSavings(
  ctx: SuiteContext,
  seed: number,
  trained: readonly { arm: MomaArm; head: RowHead; run: SeedRun }[],
): void {
  const dense = trained.filter((t) => t.arm.ffn === 'dense');
  for (const t of trained) {
    if (t.arm.ffn === 'dense') continue;
    for (const [metric, name] of Object.entries(SWEPT)) {
      const sweep: DensePoint[] = dense.map((d) => ({
        flops: d.head.flopsPerSample,
        loss: d.run.metrics[metric],
      }));
      const eq = denseEquivalent(sweep, t.run.metrics[metric]);
      t.run.metrics[name] = eq.flops / t.head.flopsPerSample;
      t.run.metrics[`${name}Bound`] = SWEEP_BOUND[eq.bound];
      if (eq.bound !== 'within')
        ctx.log(
          `moma seed ${seed}: ${t.arm.variant} ${metric} is ${eq.bound} of the dense widths: ${name} is a bound`,
        );
    }
  }
}

/**
 * Runs every arm over the suite's seeds. Within a seed all arms start from the same seed, see the
 * same training sequences and are evaluated on the same validation sequences in the same order
 * (per-sequence losses are paired items). Rows' series hold the first seed's training curves. With
 * a dense width sweep, the MoE arms' FLOPs savings against it are added per seed.
 */
export async function runMoma(ctx: SuiteContext, plan: MomaPlan): Promise<BenchRow[]> {
  const variants = new Map<string, VariantRuns>();
  const arms = [...MOMA_ARM_LIST, ...denseSweepArms(plan.denseWidths)];
  for (const seed of ctx.seeds) {
    const data = lmData(plan, seed);
    let dense: LmCurves | undefined;
    const trained: { arm: MomaArm; head: RowHead; run: SeedRun }[] = [];
    for (const arm of arms) {
      const r = await trainArm(ctx, plan, arm, data, seed, dense);
      if (arm.variant === DENSE) dense = r.curves;
      trained.push({ arm, head: r.head, run: r.run });
      const v = variants.get(arm.variant) ?? {
        head: r.head,
        runs: [],
        series: { trainLossText: r.curves.text, trainLossImage: r.curves.image },
      };
      v.runs.push(r.run);
      variants.set(arm.variant, v);
    }
    if (plan.denseWidths.length > 0) addSweepSavings(ctx, seed, trained);
  }
  return [...variants.values()].map((v) => seedRunsRow(v.head, v.runs, v.series));
}
