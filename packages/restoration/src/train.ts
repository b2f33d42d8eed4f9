import {
  evaluateInBatchesAsync,
  fitShuffled,
  functionField,
  instanceField,
  LearningRateSchema,
  MAX_BATCH_SIZE,
  MAX_EPOCHS,
  objectField,
  parseConfig,
  sizeField,
  tf,
  type StepInfo,
} from '@moe-zoo/core';
import { z } from 'zod';
import { patchBatch, type PatchSet } from './data';
import { psnr, ssim } from './metrics';
import { RestorationNet } from './model';
import { RESTORATION_FORMAT } from './model-files';
import { WEATHER_TYPES } from './weather';

/**
 * The pixel loss of training. `'mse'` (the default) is what PSNR measures. `'l1'` (the papers'
 * choice) traps a net that starts as the identity (zero-initialised output conv) on sparse
 * degradations: a rain or snow patch's clean pixels are already exact, L1's slope there is 1 for
 * any change, and measured on rain + snow patches the net never left the identity (+0.00 dB after
 * 384 steps, against +3.1 dB rain / +5.4 dB snow with MSE).
 * `'psnr'` (HINet's PSNR loss) is the negative mean per-patch PSNR, `10·log10(MSE_i + 1e-5)`
 * averaged over the batch: every patch counts in decibels, so the small errors of rain and snow
 * patches are not drowned by haze's large ones as they are in the batch MSE.
 */
export const RestorationLossSchema = z.enum(['mse', 'l1', 'psnr']);
/** One of {@link RestorationLossSchema}. */
export type RestorationLoss = z.output<typeof RestorationLossSchema>;

/** Options of {@link trainRestoration} (strict: a misspelt option is a `ConfigError` naming it). */
export const TrainRestorationOptionsSchema = z.strictObject({
  model: instanceField(RestorationNet),
  train: objectField<PatchSet>('a patch set'),
  epochs: sizeField(MAX_EPOCHS),
  batchSize: sizeField(MAX_BATCH_SIZE).default(32),
  /** Peak learning rate of the warmup + cosine schedule (default 2e-3). */
  lr: LearningRateSchema.default(2e-3),
  seed: z.number().int().min(0).default(0),
  /** Pixel loss (default `'mse'`, see {@link RestorationLossSchema}). */
  loss: RestorationLossSchema.default('mse'),
  /** Called after every step with the loss and the step's record (routing metrics for MoE nets). */
  onStep: functionField<(step: number, loss: number, info: StepInfo) => void>('a step callback').optional(),
  /** Save a resumable checkpoint into this folder every `checkpointEvery` steps (and at the end). */
  checkpointDir: z.string().min(1).optional(),
  /** Steps between checkpoints (default 200). */
  checkpointEvery: sizeField(1e9).default(200),
  /** Continue the run saved in this checkpoint folder (same data, seed and options). */
  resumeFrom: z.string().min(1).optional(),
});
/** Options of {@link trainRestoration}. */
export type TrainRestorationOptions = z.input<typeof TrainRestorationOptionsSchema>;

/** What {@link trainRestoration} returns. */
export interface TrainRestorationResult {
  losses: number[];
  trainSeconds: number;
}

/** Floor of a patch's MSE in the `'psnr'` loss (caps a patch's PSNR at 50 dB). */
const PSNR_LOSS_EPS = 1e-5;

/** The pixel loss of `pred` against `target` (batch first). */
export function restorationLoss(kind: RestorationLoss, pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const err = tf.sub(pred, target);
    if (kind === 'l1') return tf.mean(tf.abs(err)) as tf.Scalar;
    if (kind === 'mse') return tf.mean(tf.square(err)) as tf.Scalar;
    const axes = Array.from({ length: err.rank - 1 }, (_, i) => i + 1);
    const perItem = tf.add(tf.mean(tf.square(err), axes), PSNR_LOSS_EPS);
    return tf.mul(10 / Math.LN10, tf.mean(tf.log(perItem))) as tf.Scalar;
  });
}

/**
 * Trains a {@link RestorationNet} (MSE loss by default) using core's Trainer (AdamW, warmup + cosine,
 * gradient clipping, NaN and leak guards; MoE aux terms are added when the layers return any).
 *
 * @example
 * ```ts
 * const { losses } = await trainRestoration({ model, train, epochs: 3, batchSize: 32 });
 * ```
 */
export async function trainRestoration(options: TrainRestorationOptions): Promise<TrainRestorationResult> {
  const o = parseConfig(TrainRestorationOptionsSchema, options, 'trainRestoration options');
  const { batchSize, lr, seed, loss: kind } = o;
  const losses: number[] = [];
  o.model.train();
  const { seconds } = await fitShuffled({
    model: o.model,
    samples: o.train.n,
    makeBatch: (idx) => patchBatch(o.train, idx),
    epochs: o.epochs,
    batchSize,
    lr,
    seed,
    loss: ({ x, y }, m) => {
      const out = m.forward(x);
      return { loss: restorationLoss(kind, out.y, y), aux: out.aux };
    },
    callbacks: {
      onStep: (s) => {
        losses.push(s.loss);
        o.onStep?.(s.step, s.loss, s);
      },
    },
    checkpoint: o.checkpointDir
      ? {
          dir: o.checkpointDir,
          every: o.checkpointEvery,
          model: RESTORATION_FORMAT.name,
          config: o.model.config,
          configSchema: RESTORATION_FORMAT.configSchema,
        }
      : undefined,
    resumeFrom: o.resumeFrom,
  });
  return { losses, trainSeconds: seconds };
}

/** Quality of one weather type (or `all`). */
export interface TaskScores {
  psnr: number;
  ssim: number;
  /** PSNR / SSIM of the degraded input itself. */
  inputPsnr: number;
  inputSsim: number;
  n: number;
}

/** Per-item scores of restored outputs and of their degraded inputs, in item order. */
export interface ItemScores {
  psnr: number[];
  ssim: number[];
  inputPsnr: number[];
  inputSsim: number[];
}

/** Mean scores over all items (`all`) and per weather type present in `tasks` (the items' task ids). */
export function scoresByTask(items: ItemScores, tasks: ArrayLike<number>): Record<string, TaskScores> {
  const summarise = (keep: (i: number) => boolean): TaskScores => {
    const idx = Array.from({ length: tasks.length }, (_, i) => i).filter(keep);
    const mean = (v: number[]) => idx.reduce((a, i) => a + v[i], 0) / Math.max(1, idx.length);
    return {
      psnr: mean(items.psnr),
      ssim: mean(items.ssim),
      inputPsnr: mean(items.inputPsnr),
      inputSsim: mean(items.inputSsim),
      n: idx.length,
    };
  };
  const byTask: Record<string, TaskScores> = { all: summarise(() => true) };
  WEATHER_TYPES.forEach((t, ti) => {
    if (Array.from(tasks).includes(ti)) byTask[t] = summarise((i) => tasks[i] === ti);
  });
  return byTask;
}

/** What {@link evaluateRestoration} returns. */
export interface RestorationEval {
  byTask: Record<string, TaskScores>;
  /** PSNR (dB) of every restored patch, in set order: the items of paired tests. */
  patchPsnr: number[];
  /** PSNR (dB) of every degraded input patch, in set order. */
  patchInputPsnr: number[];
  /** Share of the top-k assignments each expert received, per routed layer (`load[layer][expert]`). */
  load: number[][];
  /**
   * Top-k assignments of each patch's tokens per expert, per routed layer, in set order
   * (`assignments[layer][patch][expert]`): what `weatherInformation` reads. Empty for a dense net.
   */
  assignments: number[][][];
}

/** Per-patch counts of the experts chosen for its tokens, from top-k indices [patches * tokens, k]. */
function patchAssignments(indices: number[][], patches: number, experts: number): number[][] {
  const rows = Array.from({ length: patches }, () => new Array<number>(experts).fill(0));
  const tokensPerPatch = indices.length / patches;
  indices.forEach((chosen, t) => {
    for (const e of chosen) rows[Math.floor(t / tokensPerPatch)][e]++;
  });
  return rows;
}

/**
 * Restores every patch of `set` in eval mode (outputs clipped to [0, 1]) and reports PSNR/SSIM
 * per weather type and overall, for the output and for the degraded input, the PSNR of every
 * patch, each expert's share of the assignments and each patch's assignments per expert. Runs on
 * core's `evaluateInBatchesAsync` (the model's training flag is restored afterwards) with awaited
 * reads, so it runs on every backend.
 *
 * @example
 * ```ts
 * const { byTask, patchPsnr } = await evaluateRestoration(net, data.test);
 * ```
 */
export async function evaluateRestoration(
  model: RestorationNet,
  set: PatchSet,
  batchSize = 100,
): Promise<RestorationEval> {
  const out: number[] = [];
  const outS: number[] = [];
  const inP: number[] = [];
  const inS: number[] = [];
  const layers = model.routedLayers().length;
  const perPatch: number[][][] = Array.from({ length: layers }, () => []);
  // Every tensor a batch makes (inputs, outputs, aux) is freed when its step returns.
  await evaluateInBatchesAsync(model, set.n, batchSize, async ({ indices: idx }) => {
    const { x, y } = patchBatch(set, idx);
    const { y: pred, aux } = model.forward(x);
    const clipped = tf.clipByValue(pred, 0, 1);
    const [p, s, pIn, sIn, chosen] = await Promise.all([
      psnr(clipped, y),
      ssim(clipped, y),
      psnr(x, y),
      ssim(x, y),
      Promise.all(aux.map((a) => a.indices.array() as Promise<number[][]>)),
    ]);
    out.push(...p);
    outS.push(...s);
    inP.push(...pIn);
    inS.push(...sIn);
    aux.forEach((a, li) => perPatch[li].push(...patchAssignments(chosen[li], idx.length, a.counts.size)));
  });
  const byTask = scoresByTask({ psnr: out, ssim: outS, inputPsnr: inP, inputSsim: inS }, set.tasks);
  const load = perPatch.map((rows) => {
    const totals = rows.reduce(
      (acc, r) => acc.map((v, e) => v + r[e]),
      new Array<number>(rows[0]?.length ?? 0).fill(0),
    );
    const total = totals.reduce((t, v) => t + v, 0);
    return totals.map((v) => v / Math.max(1, total));
  });
  return { byTask, patchPsnr: out, patchInputPsnr: inP, load, assignments: perPatch };
}
