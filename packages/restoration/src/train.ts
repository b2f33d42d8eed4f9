import { evaluateInBatches, fitShuffled, tf, type StepInfo } from '@moe-zoo/core';
import { patchBatch, type PatchSet } from './data';
import { psnr, ssim } from './metrics';
import type { RestorationNet } from './model';
import { WEATHER_TYPES } from './weather';

/** Options of {@link trainRestoration}. */
export interface TrainRestorationOptions {
  model: RestorationNet;
  train: PatchSet;
  epochs: number;
  batchSize?: number;
  /** Peak learning rate of the warmup + cosine schedule (default 2e-3). */
  lr?: number;
  seed?: number;
  /** Called after every step with the L1 loss and the step's record (routing metrics for MoE nets). */
  onStep?: (step: number, loss: number, info: StepInfo) => void;
}

/** What {@link trainRestoration} returns. */
export interface TrainRestorationResult {
  losses: number[];
  trainSeconds: number;
}

/** Mean absolute error, the training loss (L1). */
export function l1Loss(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.abs(tf.sub(pred, target))) as tf.Scalar);
}

/**
 * Trains a {@link RestorationNet} with L1 loss using core's Trainer (AdamW, warmup + cosine,
 * gradient clipping, NaN and leak guards; MoE aux terms are added when the layers return any).
 *
 * @example
 * ```ts
 * const { losses } = await trainRestoration({ model, train, epochs: 3, batchSize: 32 });
 * ```
 */
export async function trainRestoration(o: TrainRestorationOptions): Promise<TrainRestorationResult> {
  const batchSize = o.batchSize ?? 32;
  const lr = o.lr ?? 2e-3;
  const seed = o.seed ?? 0;
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
      return { loss: l1Loss(out.y, y), aux: out.aux };
    },
    callbacks: {
      onStep: (s) => {
        losses.push(s.loss);
        o.onStep?.(s.step, s.loss, s);
      },
    },
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

/** What {@link evaluateRestoration} returns. */
export interface RestorationEval {
  byTask: Record<string, TaskScores>;
  /**
   * Mean routing distribution per weather type of each routed layer: `routing[layer][task]`
   * is a length-E vector (empty for a dense model).
   */
  routing: number[][][];
  /** Share of the top-k assignments each expert received, per routed layer (`load[layer][expert]`). */
  load: number[][];
}

/**
 * Restores every patch of `set` in eval mode (outputs clipped to [0, 1]) and reports PSNR/SSIM
 * per weather type and overall, for the output and for the degraded input, plus the mean
 * routing distribution per weather type and each expert's share of the assignments. Runs on
 * core's `evaluateInBatches`: the model's training flag is restored afterwards.
 */
export function evaluateRestoration(model: RestorationNet, set: PatchSet, batchSize = 100): RestorationEval {
  const out: number[] = [];
  const outS: number[] = [];
  const inP: number[] = [];
  const inS: number[] = [];
  const layers = model.routedLayers().length;
  const numTasks = WEATHER_TYPES.length;
  const sums: number[][][] = Array.from({ length: layers }, () => Array.from({ length: numTasks }, () => []));
  const tokenCounts = new Array<number>(numTasks).fill(0);
  const assigned: number[][] = Array.from({ length: layers }, () => []);
  // Every tensor a batch makes (inputs, outputs, aux) is freed when its step returns.
  evaluateInBatches(model, set.n, batchSize, ({ indices: idx }) => {
    const { x, y } = patchBatch(set, idx);
    const { y: pred, aux } = model.forward(x);
    const clipped = tf.clipByValue(pred, 0, 1);
    out.push(...psnr(clipped, y));
    outS.push(...ssim(clipped, y));
    inP.push(...psnr(x, y));
    inS.push(...ssim(x, y));
    aux.forEach((a, li) => {
      a.counts.dataSync().forEach((c, e) => (assigned[li][e] = (assigned[li][e] ?? 0) + c));
      const probs = a.probs.arraySync();
      const perSample = probs.length / idx.length;
      probs.forEach((row, t) => {
        const task = set.tasks[idx[Math.floor(t / perSample)]];
        const acc = sums[li][task];
        row.forEach((p, e) => (acc[e] = (acc[e] ?? 0) + p));
        if (li === 0) tokenCounts[task]++;
      });
    });
  });
  const mean = (v: number[]) => v.reduce((s, z) => s + z, 0) / Math.max(1, v.length);
  const scores = (keep: (i: number) => boolean): TaskScores => {
    const pick = (v: number[]) => v.filter((_, i) => keep(i));
    return {
      psnr: mean(pick(out)),
      ssim: mean(pick(outS)),
      inputPsnr: mean(pick(inP)),
      inputSsim: mean(pick(inS)),
      n: pick(out).length,
    };
  };
  const byTask: Record<string, TaskScores> = { all: scores(() => true) };
  WEATHER_TYPES.forEach((t, ti) => {
    if (set.tasks.some((v) => v === ti)) byTask[t] = scores((i) => set.tasks[i] === ti);
  });
  const routing = sums.map((perTask) =>
    perTask.map((acc, ti) => acc.map((s) => s / Math.max(1, tokenCounts[ti]))),
  );
  const load = assigned.map((c) => {
    const total = c.reduce((t, v) => t + v, 0);
    return c.map((v) => v / Math.max(1, total));
  });
  return { byTask, routing, load };
}

/**
 * How strongly routing tracks the weather type: the mutual information (bits) between the
 * task and the expert, from per-task mean routing distributions (tasks equally likely),
 * divided by log2(number of tasks) so 1 means the router fully separates the tasks.
 */
export function routingTaskInformation(perTask: number[][]): number {
  const tasks = perTask.filter((r) => r.length > 0);
  if (tasks.length < 2) return 0;
  const e = tasks[0].length;
  const marginal = Array.from({ length: e }, (_, j) => tasks.reduce((s, r) => s + r[j], 0) / tasks.length);
  let mi = 0;
  for (const r of tasks) {
    for (let j = 0; j < e; j++) {
      if (r[j] > 0 && marginal[j] > 0) mi += (r[j] / tasks.length) * Math.log2(r[j] / marginal[j]);
    }
  }
  return mi / Math.log2(tasks.length);
}
