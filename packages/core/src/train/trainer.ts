import { z } from 'zod';
import { CheckpointError, loadCheckpoint, saveCheckpoint, type AtomicWriteOptions } from '../io';
import { ffnAux } from '../moe/aux-source';
import { averageMetrics, routingMetricsAsync } from '../moe/metrics';
import type { MoEAux } from '../moe/types';
import type { Module } from '../nn/module';
import { tf } from '../tf';
import { getSeedState, setSeed, setSeedState } from '../utils/random';
import { addAll } from './add-all';
import type { AdamW } from './adamw';
import type { EpochRecord, StepRecord, TrainerCallbacks, TrainHistory } from './callbacks';
import { clipByGlobalNorm, globalNorm } from './clip';
import {
  finiteFlags,
  NonFiniteError,
  TensorLeakGuard,
  throwIfNonFinite,
  type LeakGuardOptions,
} from './guards';
import { createProgress, type ProgressOptions, type ProgressReporter } from './progress';

/** What the loss function returns for one batch. */
export interface LossOutput {
  /** The task loss (scalar). */
  loss: tf.Scalar;
  /** Aux outputs of the model's MoE layers; their loss terms are added to the task loss. */
  aux?: MoEAux[];
  /** The model's output, if the caller has it at hand (not used by the trainer). */
  logits?: tf.Tensor;
}

/** Computes the loss of one batch; runs inside the gradient tape, so it must be synchronous. */
export type LossFn<B, M extends Module = Module> = (batch: B, model: M) => LossOutput;

/**
 * Batches by position. `batch(e, i)` must be a pure function of `e` and `i` (shuffle with
 * `makeRng(seed + e)`, not the global stream), so a resumed run sees the same batches. Tensors
 * it creates are disposed after the step.
 */
export interface BatchSource<B> {
  numBatches(epoch: number): number;
  batch(epoch: number, index: number): B;
}

/**
 * Periodic checkpoints of a {@link Trainer}: one directory, each save all-or-nothing (the
 * previous checkpoint stays until the new one is complete, so a crash mid-save resumes from it).
 */
export interface TrainerCheckpointOptions {
  dir: string;
  /** Save every this many steps (and when `fit` returns). */
  every: number;
  /** Model name stored in the manifest and checked on resume. */
  model: string;
  config?: unknown;
  configSchema?: z.ZodType;
  /** How files are written: a seam for tests that fail or kill a save at a chosen step. */
  atomic?: AtomicWriteOptions;
}

/** Runtime checks, both on by default. */
export interface TrainerGuards {
  /** Throw {@link NonFiniteError} on a NaN/Inf loss, aux term, gradient or gradient norm. */
  finite?: boolean;
  /** Throw {@link TensorLeakError} when the live tensor count grows after the first step. */
  leak?: boolean | LeakGuardOptions;
}

/** Options of {@link Trainer}. */
export interface TrainerOptions<B, M extends Module = Module> {
  model: M;
  /** Its parameters are the ones trained. */
  optimizer: AdamW;
  loss: LossFn<B, M>;
  data: BatchSource<B>;
  epochs: number;
  /** Clip gradients to this global L2 norm. */
  clipNorm?: number;
  /**
   * Add the MoE aux loss terms to the task loss (default true). When false they are still
   * reported, but the router trains without its balancing terms.
   */
  auxLosses?: boolean;
  callbacks?: TrainerCallbacks;
  guards?: TrainerGuards;
  /** A bar on a terminal, plain lines otherwise (default); `false` for silence. */
  progress?: boolean | ProgressOptions | ProgressReporter;
  checkpoint?: TrainerCheckpointOptions;
  /** Seeds the global random stream when training starts (not when resuming). */
  seed?: number;
  /** Resume from this checkpoint directory when `fit` first runs. */
  resumeFrom?: string;
}

/** Where training stands: steps done and the next batch to run. */
export interface TrainPosition {
  step: number;
  epoch: number;
  batchIndex: number;
}

const num = z.union([z.number(), z.null()]).transform((v) => v ?? NaN);
const stepRecordSchema = z.object({
  step: z.number().int().positive(),
  epoch: z.number().int().nonnegative(),
  batchIndex: z.number().int().nonnegative(),
  loss: num,
  auxLosses: z.record(z.string(), num),
  totalLoss: num,
  lr: num,
  gradNorm: num,
  routing: z
    .object({ load: z.array(num), maxVio: num, entropy: num, dropRate: num, unusedExperts: num })
    .optional(),
});
const resumeSchema = z.object({
  step: z.number().int().nonnegative(),
  epoch: z.number().int().nonnegative(),
  batchIndex: z.number().int().nonnegative(),
  seedState: z.number().int().nonnegative(),
  history: z.object({
    steps: z.array(stepRecordSchema),
    epochs: z.array(
      z.object({ epoch: z.number().int().nonnegative(), meanLoss: num, steps: z.number().int() }),
    ),
  }),
});

/**
 * Trains a {@link Module} with {@link AdamW}: per step it differentiates the task loss plus every
 * MoE aux loss term, clips, checks for NaN/Inf, updates, calls `model.afterStep()`, records the
 * losses and routing metrics, and checks that no tensor leaked. Runs are reproducible from
 * `seed`, and a run resumed from a checkpoint continues bit-exactly where it stopped.
 *
 * @example
 * ```ts
 * const trainer = new Trainer({
 *   model, optimizer: new AdamW(model, { lr: 1e-3 }), data, epochs: 3,
 *   loss: (b, m) => ({ loss: crossEntropy(m.forward(b.x), b.y) }),
 *   checkpoint: { dir: 'runs/mlp', every: 100, model: 'mlp' }, seed: 42,
 * });
 * const history = await trainer.fit();
 * ```
 */
export class Trainer<B, M extends Module = Module> {
  private readonly opts: TrainerOptions<B, M>;
  private pos: TrainPosition = { step: 0, epoch: 0, batchIndex: 0 };
  private hist: TrainHistory = { steps: [], epochs: [] };
  private started = false;
  private stopRequested = false;
  private lastSaved = -1;

  constructor(options: TrainerOptions<B, M>) {
    const { epochs, clipNorm, checkpoint } = options;
    if (!Number.isInteger(epochs) || epochs < 0)
      throw new Error(`Trainer: epochs must be an integer >= 0, got ${epochs}`);
    if (clipNorm !== undefined && !(clipNorm > 0))
      throw new Error(`Trainer: clipNorm must be > 0, got ${clipNorm}`);
    if (checkpoint && (!Number.isInteger(checkpoint.every) || checkpoint.every < 1)) {
      throw new Error(`Trainer: checkpoint.every must be an integer >= 1, got ${checkpoint.every}`);
    }
    this.opts = options;
  }

  /** Steps and epochs recorded so far (restored on resume). */
  get history(): TrainHistory {
    return this.hist;
  }

  /** Steps done and the next batch. */
  get position(): TrainPosition {
    return { ...this.pos };
  }

  /** Asks `fit` to return after the current step (e.g. from a callback); a later `fit` continues. */
  stop(): void {
    this.stopRequested = true;
  }

  /**
   * Trains from the current position to the end of the last epoch (or until {@link stop}).
   * Sets the model to training mode meanwhile, and restores its mode afterwards.
   */
  async fit(): Promise<TrainHistory> {
    const { model, data, epochs, callbacks, checkpoint } = this.opts;
    if (!this.started) {
      if (this.opts.resumeFrom !== undefined) await this.resume(this.opts.resumeFrom);
      else if (this.opts.seed !== undefined) setSeed(this.opts.seed);
      this.started = true;
    }
    this.stopRequested = false;
    const total = this.totalSteps();
    const progress = createProgress(this.opts.progress ?? true);
    const leakOpt = this.opts.guards?.leak ?? true;
    const leak = leakOpt === false ? undefined : new TensorLeakGuard(leakOpt === true ? {} : leakOpt);
    const wasTraining = model.training;
    model.train(true);
    progress.start(total, this.pos.step);
    try {
      while (this.pos.epoch < epochs && !this.stopRequested) {
        const { step, epoch, batchIndex } = this.pos;
        const n = data.numBatches(epoch);
        if (batchIndex >= n) {
          this.pos = { step, epoch: epoch + 1, batchIndex: 0 };
          continue;
        }
        const rec = await this.runStep(step + 1, epoch, batchIndex);
        const endOfEpoch = batchIndex + 1 >= n;
        this.pos = endOfEpoch
          ? { step: rec.step, epoch: epoch + 1, batchIndex: 0 }
          : { step: rec.step, epoch, batchIndex: batchIndex + 1 };
        this.hist.steps.push(rec);
        progress.update({ step: rec.step, epoch, loss: rec.loss, lr: rec.lr });
        await callbacks?.onStep?.({ ...rec, totalSteps: total });
        if (endOfEpoch) {
          const summary = this.epochRecord(epoch);
          this.hist.epochs.push(summary);
          await callbacks?.onEpochEnd?.(summary);
        }
        if (checkpoint && rec.step % checkpoint.every === 0) await this.save();
        leak?.check(rec.step);
      }
      if (checkpoint && this.pos.step > 0 && this.lastSaved !== this.pos.step) await this.save();
    } finally {
      progress.stop();
      model.train(wasTraining);
    }
    return this.hist;
  }

  /**
   * Restores model, optimizer, position, random stream and history from a checkpoint written by
   * a trainer (`fit` calls it for `resumeFrom`). The data source must be the same.
   */
  async resume(dir: string): Promise<void> {
    const { model, optimizer, checkpoint } = this.opts;
    const ckpt = await loadCheckpoint(dir, {
      expectModel: checkpoint?.model,
      configSchema: checkpoint?.configSchema,
    });
    try {
      const parsed = resumeSchema.safeParse(ckpt.manifest.extra ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new CheckpointError('MANIFEST', `not a trainer checkpoint: ${issue.message}`, {
          source: dir,
          field: ['extra', ...issue.path.map(String)].join('.'),
        });
      }
      const optState = ckpt.files.optimizer;
      if (!optState)
        throw new CheckpointError('MISSING', 'no optimizer state (optimizer.safetensors)', { source: dir });
      model.loadStateDict(ckpt.state, { source: ckpt.modelFile });
      optimizer.loadState(optState);
      const x = parsed.data;
      if (optimizer.stepCount !== x.step) {
        throw new CheckpointError(
          'MANIFEST',
          `optimizer step ${optimizer.stepCount} != trainer step ${x.step}`,
          {
            source: dir,
            field: 'extra.step',
          },
        );
      }
      this.pos = { step: x.step, epoch: x.epoch, batchIndex: x.batchIndex };
      this.hist = x.history;
      setSeedState(x.seedState);
      this.started = true;
      this.lastSaved = x.step;
    } finally {
      tf.dispose([
        ...Object.values(ckpt.state),
        ...Object.values(ckpt.files).flatMap((f) => Object.values(f)),
      ]);
    }
  }

  /** Saves model, optimizer, position, random stream and history to `dir` (default the configured one). */
  async save(dir?: string): Promise<void> {
    const ck = this.opts.checkpoint;
    const target = dir ?? ck?.dir;
    if (!ck || target === undefined)
      throw new Error('Trainer.save: needs the `checkpoint` option (model name, dir)');
    const optState = this.opts.optimizer.state();
    try {
      await saveCheckpoint(target, {
        model: ck.model,
        state: this.opts.model.stateDict(),
        config: ck.config,
        configSchema: ck.configSchema,
        extra: { ...this.pos, seedState: getSeedState(), history: this.hist },
        files: { optimizer: optState },
        atomic: ck.atomic,
      });
    } finally {
      tf.dispose(Object.values(optState));
    }
    this.lastSaved = this.pos.step;
  }

  private totalSteps(): number {
    let total = 0;
    for (let e = 0; e < this.opts.epochs; e++) total += this.opts.data.numBatches(e);
    return total;
  }

  private epochRecord(epoch: number): EpochRecord {
    const losses = this.hist.steps.filter((s) => s.epoch === epoch).map((s) => s.loss);
    return {
      epoch,
      meanLoss: losses.reduce((a, b) => a + b, 0) / Math.max(1, losses.length),
      steps: losses.length,
    };
  }

  /**
   * One optimizer step; everything it allocates is disposed before it returns or throws. Its
   * numbers (losses, gradient norm, finiteness, routing) are read back asynchronously, once per
   * step, so the loop also runs where reads cannot be synchronous (webgpu in Node).
   */
  private async runStep(step: number, epoch: number, batchIndex: number): Promise<StepRecord> {
    const { model, optimizer, data, clipNorm } = this.opts;
    const lossFn = this.opts.loss;
    const addAux = this.opts.auxLosses ?? true;
    const checkFinite = this.opts.guards?.finite ?? true;
    const named = optimizer.namedParameters().filter(([, v]) => v.trainable);
    const nameOf = new Map(named.map(([n, v]) => [v.name, n]));
    const lr = optimizer.currentLr();
    // Tensors that must outlive the gradient tape's tidy; disposed in `finally`.
    const kept: tf.Tensor[] = [];
    let parts: tf.Tensor1D | undefined;
    let nums: tf.Tensor1D | undefined;
    let finite: { names: string[]; flags: tf.Tensor1D } | undefined;
    let applied: Record<string, tf.Tensor> = {};
    let auxNames: string[] = [];
    let auxes: MoEAux[] = [];
    try {
      tf.tidy(() => {
        const batch = data.batch(epoch, batchIndex);
        const { value, grads: byVar } = tf.variableGrads(
          () => {
            const out = lossFn(batch, model);
            if (out.loss.rank !== 0)
              throw new Error(`Trainer: the loss must be a scalar, got shape [${out.loss.shape}]`);
            const terms = sumAuxTerms(out.aux ?? []);
            auxNames = [...terms.keys()];
            parts = keep(kept, tf.stack([out.loss, ...terms.values()]) as tf.Tensor1D);
            // Routing metrics of the MoE FFN layers only; a routed attention's losses are still added.
            auxes = ffnAux(out.aux ?? []).map((a) => ({
              losses: {},
              counts: keep(kept, tf.clone(a.counts)),
              probs: keep(kept, tf.clone(a.probs)),
              dropped: keep(kept, tf.clone(a.dropped)),
              indices: keep(kept, tf.clone(a.indices)),
            }));
            return addAux && terms.size > 0 ? addAll([out.loss, ...terms.values()]) : out.loss;
          },
          named.map(([, v]) => v),
        );
        const grads: Record<string, tf.Tensor> = {};
        for (const [varName, g] of Object.entries(byVar)) grads[nameOf.get(varName) as string] = g;
        const clipped = clipNorm !== undefined ? clipByGlobalNorm(grads, clipNorm) : undefined;
        const norm = clipped?.norm ?? globalNorm(grads);
        nums = keep(
          kept,
          tf.concat([parts as tf.Tensor1D, tf.reshape(value, [1]), tf.reshape(norm, [1])]) as tf.Tensor1D,
        );
        if (checkFinite) {
          finite = finiteFlags(Object.fromEntries(Object.entries(grads).map(([n, g]) => [`grad:${n}`, g])));
          if (finite) keep(kept, finite.flags);
        }
        applied = clipped?.grads ?? grads;
        for (const g of Object.values(applied)) keep(kept, g);
      });
      const [values, flags] = await Promise.all([(nums as tf.Tensor1D).data(), finite?.flags.data()]);
      const [loss, ...rest] = Array.from(values);
      const auxValues = rest.slice(0, auxNames.length);
      const [totalLoss, gradNorm] = rest.slice(auxNames.length);
      if (checkFinite) {
        const host: [string, number][] = [
          ['loss', loss],
          ...auxNames.map((n, i): [string, number] => [`aux:${n}`, auxValues[i]]),
        ];
        host.push(['total_loss', totalLoss]);
        for (const [name, v] of host) if (!Number.isFinite(v)) throw new NonFiniteError(step, name);
        if (finite && flags) throwIfNonFinite(step, finite.names, flags);
        if (!Number.isFinite(gradNorm)) throw new NonFiniteError(step, 'grad_norm');
      }
      tf.tidy(() => {
        optimizer.step(applied);
        model.afterStep();
      });
      const routing = averageMetrics(await Promise.all(auxes.map(routingMetricsAsync)));
      return {
        step,
        epoch,
        batchIndex,
        loss,
        auxLosses: Object.fromEntries(auxNames.map((n, i) => [n, auxValues[i]])),
        totalLoss,
        lr,
        gradNorm,
        ...(routing ? { routing } : {}),
      };
    } finally {
      tf.dispose(kept);
    }
  }
}

function keep<T extends tf.Tensor>(list: tf.Tensor[], t: T): T {
  list.push(tf.keep(t));
  return t;
}

/** Aux loss terms summed over layers by name, in first-seen order. */
function sumAuxTerms(aux: MoEAux[]): Map<string, tf.Scalar> {
  const byName = new Map<string, tf.Scalar[]>();
  for (const a of aux) {
    for (const [name, t] of Object.entries(a.losses)) {
      if (t.rank !== 0)
        throw new Error(`Trainer: aux loss "${name}" must be a scalar, got shape [${t.shape}]`);
      byName.set(name, [...(byName.get(name) ?? []), t]);
    }
  }
  return new Map([...byName].map(([n, ts]) => [n, addAll(ts)]));
}
