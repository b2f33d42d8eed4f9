/**
 * The LoRA arms' runs: per seed, the dense twin of the suite's classifier is trained on the suite's
 * Fashion-MNIST plan and frozen; every arm fine-tunes LoRA layers over it on the same mixed
 * three-task set (same batches, same learning rates) and is evaluated on the same test items.
 */
import {
  evaluateInBatchesAsync,
  imagePatches,
  moduleCosts,
  setSeed,
  tf,
  TokenClassifier,
} from '@moe-zoo/core';
import type { ImageSet } from '../../data/fashion-mnist';
import { mean, seedRunsRow, type RowHead, type SeedRun } from '../../stats';
import type { BenchRow, SuiteContext } from '../../types';
import { batch } from '../../train/classifier-run';
import { LORA_TASKS, type TaskSet } from './lora-data';
import { LoraClassifier, type LoraArm } from './lora-model';
import { LORA_BASE_HIDDEN, MODEL, PATCH, type DesignsPlan, type LoraPlan } from './plan';
import { trainEpochs, type PatchClassifier } from './train';

/** Per-test-item outcomes of a classifier: right/wrong and cross-entropy (awaited reads: every backend). */
async function evaluateItems(
  model: PatchClassifier,
  set: ImageSet,
): Promise<{ correct: number[]; loss: number[] }> {
  const parts = await evaluateInBatchesAsync(model, set.n, 250, async ({ indices }) => {
    const { images, labels } = batch(set, indices);
    const { logits } = model.forward(imagePatches(images, PATCH));
    const right = tf.cast(tf.equal(tf.argMax(logits, -1), labels), 'int32');
    const loss = tf.losses.softmaxCrossEntropy(
      tf.oneHot(labels, 10),
      logits,
      undefined,
      undefined,
      tf.Reduction.NONE,
    );
    const [r, l] = await Promise.all([right.data(), loss.data()]);
    return { correct: Array.from(r), loss: Array.from(l) };
  });
  return { correct: parts.flatMap((p) => p.correct), loss: parts.flatMap((p) => p.loss) };
}

/** Accuracy of each task on its block of the test items. */
function perTaskAccuracy(correct: readonly number[], set: TaskSet): Record<string, number> {
  return Object.fromEntries(
    LORA_TASKS.map((name, t) => {
      const mine = correct.filter((_, i) => set.task[i] === t);
      return [`acc:${name}`, mean(mine)];
    }),
  );
}

/**
 * Trains the frozen base of a seed, then every arm on the tasks, and returns one row per arm.
 * `fashion` is the suite's Fashion-MNIST split (the base's training data).
 */
export async function runLoraArms(
  ctx: SuiteContext,
  plan: DesignsPlan,
  lora: LoraPlan,
  arms: readonly LoraArm[],
  fashion: { train: ImageSet; test: ImageSet },
  tasks: { train: TaskSet; test: TaskSet },
): Promise<BenchRow[]> {
  const runs: SeedRun[][] = arms.map(() => []);
  const heads: RowHead[] = [];
  const steps = lora.epochs * Math.floor(tasks.train.n / lora.batchSize);
  for (const seed of ctx.seeds) {
    setSeed(seed);
    const base = new TokenClassifier({ ...MODEL, ffn: { kind: 'dense', hidden: LORA_BASE_HIDDEN } });
    try {
      const pre = ctx.progress(
        `lora base seed ${seed}`,
        plan.epochs * Math.floor(fashion.train.n / plan.batchSize),
      );
      await trainEpochs(base, fashion.train, plan, seed, {
        from: 0,
        to: plan.epochs,
        onStep: () => pre.tick(1),
      });
      pre.done();
      const baseAcc = mean((await evaluateItems(base, fashion.test)).correct);
      const zeroShot = mean((await evaluateItems(base, tasks.test)).correct);
      ctx.log(
        `lora base seed ${seed}: Fashion-MNIST accuracy ${baseAcc.toFixed(3)}, tasks before fine-tuning ${zeroShot.toFixed(3)}`,
      );
      for (const [a, arm] of arms.entries()) {
        setSeed(seed * 31 + 7);
        const model = new LoraClassifier(base, arm);
        try {
          const losses: number[] = [];
          const progress = ctx.progress(`multitask-lora ${arm.variant} seed ${seed}`, steps);
          const start = Date.now();
          await trainEpochs(model, tasks.train, lora, seed, {
            from: 0,
            to: lora.epochs,
            onStep: (s) => {
              losses.push(s.loss);
              progress.tick(1, { loss: s.loss.toFixed(3) });
            },
          });
          progress.done();
          const trainSeconds = (Date.now() - start) / 1000;
          const ev = await evaluateItems(model, tasks.test);
          const metrics: Record<string, number> = {
            accuracy: mean(ev.correct),
            testLoss: mean(ev.loss),
            ...perTaskAccuracy(ev.correct, tasks.test),
            trainableParams: model.countParams(true),
            baseAccuracy: baseAcc,
            zeroShotAccuracy: zeroShot,
            finalLoss: mean(losses.slice(-Math.max(1, Math.floor(losses.length / 10)))),
          };
          runs[a].push({
            metrics,
            items: { accuracy: ev.correct, testLoss: ev.loss },
            latencyMs: 0,
            trainSeconds,
          });
          ctx.log(
            `multitask-lora ${arm.variant} seed ${seed}: accuracy ${metrics.accuracy.toFixed(3)}, test loss ${metrics.testLoss.toFixed(3)}, ` +
              `trainable ${metrics.trainableParams}, ` +
              LORA_TASKS.map((t) => `${t} ${metrics[`acc:${t}`].toFixed(3)}`).join(', '),
          );
          if (seed === ctx.seeds[0]) {
            heads[a] = {
              model: 'lora-classifier',
              variant: arm.variant,
              task: 'multitask-lora',
              paramsTotal: model.countParams(),
              paramsActive: moduleCosts(model).active,
              flopsPerSample: model.flopsPerSample(),
            };
          }
        } finally {
          model.dispose();
        }
      }
    } finally {
      base.dispose();
    }
  }
  return arms.map((_, a) => seedRunsRow(heads[a], runs[a]));
}
