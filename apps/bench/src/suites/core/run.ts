/** The core suite's training loop: every arm over every seed, rows with per-seed and per-image outcomes. */
import { evaluateInBatchesAsync, ffnAux, imagePatches, setSeed, tf, TokenClassifier } from '@moe-zoo/core';
import type { ImageSet, loadFashionMnist } from '../../data/fashion-mnist';
import { mean, seedRunsRow, type SeedRun } from '../../stats';
import { classifierRowHead, runClassifier } from '../../train/classifier-run';
import type { BalancePoint, BenchRow, ExpertLoadPoint, SuiteContext, SuiteSeries } from '../../types';
import type { Arm } from './arms';
import { BALANCE_EVERY, MODEL, PATCH, type CorePlan } from './plan';

/** MaxVio per training step, kept every {@link BALANCE_EVERY} steps and at the last step. */
function balancePoints(variant: string, maxVio: number[]): BalancePoint[] {
  return maxVio
    .map((v, i) => ({ model: 'token-classifier', variant, step: i + 1, maxVio: v }))
    .filter((p, i) => i % BALANCE_EVERY === 0 || i === maxVio.length - 1);
}

/**
 * Per-layer expert load of a trained model on a set (eval mode): the share of each MoE layer's
 * routed assignments that went to each expert, from the layers' aux counts.
 */
async function expertLoadPoints(
  model: TokenClassifier,
  variant: string,
  set: ImageSet,
): Promise<ExpertLoadPoint[]> {
  const size = set.height * set.width;
  let counts: Float64Array[] = [];
  await evaluateInBatchesAsync(model, set.n, 500, async ({ from, size: n }) => {
    const images = tf.tensor3d(set.x.subarray(from * size, (from + n) * size), [n, set.height, set.width]);
    const aux = ffnAux(model.forward(imagePatches(images, PATCH)).aux); // one per MoE FFN layer
    if (counts.length === 0) counts = aux.map((a) => new Float64Array(a.counts.size));
    const read = await Promise.all(aux.map((a) => a.counts.data()));
    read.forEach((values, layer) => values.forEach((c, e) => (counts[layer][e] += c)));
  });
  return counts.flatMap((layer, l) => {
    const total = layer.reduce((s, c) => s + c, 0);
    return Array.from(layer, (c, expert) => ({
      model: 'token-classifier',
      variant,
      layer: l,
      expert,
      load: total > 0 ? c / total : 0,
    }));
  });
}

/** Trains and evaluates `arms` over the suite's seeds; also fills `series` from the first seed when given. */
export async function runArms(
  ctx: SuiteContext,
  plan: CorePlan,
  task: string,
  arms: Arm[],
  data: ReturnType<typeof loadFashionMnist>,
  series?: Required<SuiteSeries>,
): Promise<BenchRow[]> {
  const { epochs, batchSize } = plan;
  const rows: BenchRow[] = [];
  for (const arm of arms) {
    const runs: SeedRun[] = [];
    const vioSeries: number[][] = [];
    let model: TokenClassifier | undefined;
    for (const seed of ctx.seeds) {
      model?.dispose();
      // Arms of the same shape start from the same weights for a seed: a paired comparison.
      setSeed(seed);
      model = new TokenClassifier({ ...MODEL, ffn: arm.ffn });
      const steps = epochs * Math.floor(data.train.n / batchSize);
      const run = await runClassifier({
        model,
        train: data.train,
        test: data.test,
        patch: PATCH,
        epochs,
        batchSize,
        lr: plan.lr,
        seed,
        progress: ctx.progress(`${task} ${arm.variant} seed ${seed}`, steps),
      });
      ctx.timing.add(run.timing);
      const tail = run.maxVio.slice(Math.floor(run.maxVio.length * 0.75));
      runs.push({
        metrics: { accuracy: run.accuracy, maxVio: mean(tail), finalLoss: mean(run.losses.slice(-20)) },
        items: { accuracy: run.correct },
        latencyMs: run.latencyMsPerBatch,
        trainSeconds: run.trainSeconds,
      });
      vioSeries.push(run.maxVio);
      if (series && seed === ctx.seeds[0]) {
        series.balance.push(...balancePoints(arm.variant, run.maxVio));
        series.expertLoad.push(...(await expertLoadPoints(model, arm.variant, data.test)));
      }
      ctx.log(
        `${task} ${arm.variant} seed ${seed}: accuracy ${run.accuracy.toFixed(3)}, MaxVio ${mean(tail).toFixed(3)}`,
      );
    }
    const m = model as TokenClassifier;
    rows.push(
      seedRunsRow(classifierRowHead(m, arm.variant, task), runs, {
        maxVio: vioSeries[0],
      }),
    );
    m.dispose();
  }
  return rows;
}
