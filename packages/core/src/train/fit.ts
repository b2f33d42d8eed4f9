import { z } from 'zod';
import type { Module } from '../nn/module';
import { ConfigError, parseConfig } from '../config/parse';
import { makeRng, permutation } from '../utils/random';
import { AdamW } from './adamw';
import { barsDrawing, type ProgressOptions } from './progress';
import type { TrainerCallbacks, TrainHistory } from './callbacks';
import { TrainLoopNumbersSchema } from './options';
import { warmupCosine } from './schedules';
import { LossFn, Trainer, type TrainerCheckpointOptions, type TrainerOptions } from './trainer';

/** Options of {@link fitShuffled}. */
export interface FitShuffledOptions<B, M extends Module> {
  model: M;
  /** Training samples; batches are drawn without replacement from a per-epoch shuffle. */
  samples: number;
  /** Builds a batch from sample indices (tensors it returns are disposed after the step). */
  makeBatch: (indices: Int32Array) => B;
  loss: LossFn<B, M>;
  epochs: number;
  batchSize: number;
  /** Peak learning rate: linear warmup over a quarter epoch, cosine decay to lr/20. */
  lr: number;
  seed: number;
  weightDecay?: number;
  clipNorm?: number;
  callbacks?: TrainerCallbacks;
  /** Periodic checkpoints (see {@link Trainer}); with `resumeFrom`, a long run survives a stop. */
  checkpoint?: TrainerCheckpointOptions;
  /** Resume from this checkpoint directory (same data, seed and schedule). */
  resumeFrom?: string;
  /**
   * Progress display; default a bar on stderr when it is a terminal and no other bars are
   * drawing there (a caller showing its own progress), none otherwise.
   */
  progress?: TrainerOptions<B, M>['progress'];
  /** Whether stderr is a terminal, for the default of `progress` (default `process.stderr.isTTY`). */
  tty?: boolean;
}

const FIT_KEYS: ReadonlySet<string> = new Set([
  'model',
  'samples',
  'makeBatch',
  'loss',
  'epochs',
  'batchSize',
  'lr',
  'seed',
  'weightDecay',
  'clipNorm',
  'callbacks',
  'checkpoint',
  'resumeFrom',
  'progress',
  'tty',
]);

/** Unknown keys and the numeric options (`lr`, `epochs`, `batchSize`, ...) as a `ConfigError`. */
function checkFitOptions<B, M extends Module>(o: FitShuffledOptions<B, M>): void {
  const unknown = Object.keys(o).filter((k) => !FIT_KEYS.has(k));
  if (unknown.length > 0) {
    throw new ConfigError(
      'fitShuffled options',
      unknown.map((k) => ({ path: k, message: 'unrecognized key' })),
    );
  }
  parseConfig(
    TrainLoopNumbersSchema.extend({ samples: z.number().int().min(1) }),
    {
      samples: o.samples,
      epochs: o.epochs,
      batchSize: o.batchSize,
      lr: o.lr,
      seed: o.seed,
      weightDecay: o.weightDecay,
      clipNorm: o.clipNorm,
    },
    'fitShuffled options',
  );
}

function defaultProgress(tty: boolean): false | ProgressOptions {
  return tty && !barsDrawing() ? { tty: true } : false;
}

/**
 * The common supervised loop on core's {@link Trainer}: AdamW with warmup + cosine, gradient
 * clipping, a fresh seeded shuffle every epoch (epoch e uses `makeRng(seed·7919 + e)`), aux
 * losses, guards. Returns the training history and the wall time.
 *
 * @example
 * ```ts
 * const { history } = await fitShuffled({
 *   model, samples: n, epochs: 3, batchSize: 64, lr: 3e-3, seed: 0,
 *   makeBatch: (idx) => batchOf(train, idx),
 *   loss: ({ x, y }, m) => {
 *     const { logits, aux } = m.forward(x);
 *     return { loss: tf.losses.softmaxCrossEntropy(tf.oneHot(y, 10), logits) as tf.Scalar, aux };
 *   },
 * });
 * ```
 */
export async function fitShuffled<B, M extends Module>(
  o: FitShuffledOptions<B, M>,
): Promise<{ history: TrainHistory; seconds: number }> {
  checkFitOptions(o);
  const perEpoch = Math.max(1, Math.floor(o.samples / o.batchSize));
  let shuffled: { epoch: number; order: Int32Array } | undefined;
  const order = (epoch: number) => {
    if (shuffled?.epoch !== epoch)
      shuffled = { epoch, order: permutation(o.samples, makeRng(o.seed * 7919 + epoch)) };
    return shuffled.order;
  };
  const optimizer = new AdamW(o.model, {
    lr: warmupCosine({
      peak: o.lr,
      warmupSteps: Math.ceil(perEpoch / 4),
      totalSteps: perEpoch * o.epochs,
      minLr: o.lr / 20,
    }),
    weightDecay: o.weightDecay ?? 0.01,
  });
  const trainer = new Trainer({
    model: o.model,
    optimizer,
    epochs: o.epochs,
    seed: o.seed,
    clipNorm: o.clipNorm ?? 1,
    progress: o.progress ?? defaultProgress(o.tty ?? !!process.stderr.isTTY),
    checkpoint: o.checkpoint,
    resumeFrom: o.resumeFrom,
    data: {
      numBatches: () => perEpoch,
      batch: (epoch, i) => o.makeBatch(order(epoch).subarray(i * o.batchSize, (i + 1) * o.batchSize)),
    },
    loss: o.loss,
    callbacks: o.callbacks,
  });
  const start = Date.now();
  try {
    const history = await trainer.fit();
    return { history, seconds: (Date.now() - start) / 1000 };
  } finally {
    optimizer.dispose(); // the moments die with the run; only the model's weights remain
  }
}
