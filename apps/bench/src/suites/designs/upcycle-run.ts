/**
 * The upcycling arms' runs: per seed, the dense seed model is trained on the suite's plan and
 * measured (row `dense-ffn64`, also the dense side of JetMoE's claim), then upcycled into an
 * FFN-only MoE (sparse upcycling) and into BAM (FFN experts and attention experts), both tuned on
 * the same batches for the same steps and measured on the same test images.
 */
import { setSeed, TokenClassifier, type StepInfo } from '@moe-zoo/core';
import type { ImageSet } from '../../data/fashion-mnist';
import { seedRunsRow, type RowHead, type SeedRun } from '../../stats';
import type { BenchRow, SuiteContext } from '../../types';
import { classifierRowHead } from '../../train/classifier-run';
import { UPCYCLING_VARIANTS } from './attention-arms';
import { BAM, DENSE_SEED, FFN_UPCYCLED, upcycleAttentions, upcycleFfns } from './bam';
import { copyMatching } from './evomoe';
import { stepsPerEpoch, UPCYCLE, type DesignsPlan } from './plan';
import { measureRun } from './run';
import { trainEpochs } from './train';

const TASK = 'upcycling';

/** Trains `model` for the given plan, recording its losses and drops, with one progress bar. */
async function trainRecorded(
  ctx: SuiteContext,
  label: string,
  model: TokenClassifier,
  train: ImageSet,
  plan: DesignsPlan,
  seed: number,
): Promise<{ losses: number[]; drops: number[]; start: number }> {
  const losses: number[] = [];
  const drops: number[] = [];
  const progress = ctx.progress(label, plan.epochs * stepsPerEpoch(plan));
  const start = Date.now();
  const onStep = (s: StepInfo): void => {
    losses.push(s.loss);
    drops.push(s.routing?.dropRate ?? 0);
    progress.tick(1, { loss: s.loss.toFixed(3) });
  };
  await trainEpochs(model, train, plan, seed, { from: 0, to: plan.epochs, onStep });
  progress.done();
  return { losses, drops, start };
}

/**
 * The upcycled pair of a trained dense model: sparse upcycling's FFN-only MoE, and BAM with the
 * same FFN experts and routers (copied from it) plus attention experts upcycled from the dense
 * attention; both compute the dense model's function before tuning.
 */
export function upcycledPair(dense: TokenClassifier, seed: number): [TokenClassifier, TokenClassifier] {
  setSeed(seed * 31 + 11);
  const ffnOnly = new TokenClassifier(FFN_UPCYCLED);
  let bam: TokenClassifier | undefined;
  try {
    upcycleFfns(dense, ffnOnly);
    bam = new TokenClassifier(BAM);
    copyMatching(ffnOnly, bam);
    upcycleAttentions(dense, bam);
    return [ffnOnly, bam];
  } catch (e) {
    ffnOnly.dispose();
    bam?.dispose();
    throw e;
  }
}

/** Trains the dense seed model per seed, upcycles it both ways, tunes and measures: three rows. */
export async function runUpcyclingArms(
  ctx: SuiteContext,
  plan: DesignsPlan,
  data: { train: ImageSet; test: ImageSet },
): Promise<BenchRow[]> {
  const runs: SeedRun[][] = UPCYCLING_VARIANTS.map(() => []);
  const heads: RowHead[] = [];
  const tune: DesignsPlan = { ...plan, lr: plan.lr * UPCYCLE.lrScale };
  for (const seed of ctx.seeds) {
    setSeed(seed);
    const label = (v: string): string => `${TASK} ${v} seed ${seed}`;
    const dense = new TokenClassifier(DENSE_SEED);
    let pair: TokenClassifier[];
    try {
      const record = await trainRecorded(ctx, label(UPCYCLING_VARIANTS[0]), dense, data.train, plan, seed);
      runs[0].push(await measureRun(ctx, label(UPCYCLING_VARIANTS[0]), dense, data.test, record));
      pair = upcycledPair(dense, seed);
      if (seed === ctx.seeds[0]) {
        [dense, ...pair].forEach((m, a) => (heads[a] = classifierRowHead(m, UPCYCLING_VARIANTS[a], TASK)));
      }
    } finally {
      dense.dispose();
    }
    try {
      for (const [i, model] of pair.entries()) {
        const variant = UPCYCLING_VARIANTS[i + 1];
        const tuned = await trainRecorded(ctx, label(variant), model, data.train, tune, seed);
        runs[i + 1].push(await measureRun(ctx, label(variant), model, data.test, tuned));
      }
    } finally {
      for (const m of pair) m.dispose();
    }
  }
  return UPCYCLING_VARIANTS.map((_, a) => seedRunsRow(heads[a], runs[a]));
}
