import {
  ConfigError,
  evaluateInBatchesAsync,
  fitShuffled,
  functionField,
  parseConfig,
  setSeed,
  sizeField,
  tf,
  TrainOptionsSchema,
} from '@moe-zoo/core';
import { z } from 'zod';
import { avBatch, type AvBatch } from '../avdigits/batch';
import type { AvSet } from '../avdigits/data';
import { AvBackboneConfigSchema } from './backbone';
import { AvAdapterConfigSchema, AvModel } from './model';
import { FULL_RATE, MOME_RATES, rateKey, type RatePair } from './rates';

/** A compression-rate pair as an option (strict; each rate 1 to 64). */
const RatePairSchema = z.strictObject({ audio: sizeField(64), video: sizeField(64) });

/** Options of {@link trainAvModel} (strict: a misspelt option is a `ConfigError` naming it). */
export const TrainAvOptionsSchema = TrainOptionsSchema.extend({
  /** Rate pairs of every batch; the loss is the mean of their cross-entropies (MoME's recipe). */
  rates: z.array(RatePairSchema).min(1).max(64).readonly(),
  /** Called after every step with the loss (mean over rates, without the balance loss). */
  onStep: functionField<(loss: number) => void>('a step callback').optional(),
});
/** Options of {@link trainAvModel}. */
export type TrainAvOptions = z.input<typeof TrainAvOptionsSchema>;

/**
 * Trains the trainable parameters of an {@link AvModel} (everything for pre-training, only the
 * adapters after {@link AvModel.freezeBackbone}) with core's `fitShuffled` (AdamW, warmup +
 * cosine, clipping, MoE balance loss added). Returns the per-step losses and the wall time.
 */
export async function trainAvModel(
  model: AvModel,
  train: AvSet,
  options: TrainAvOptions,
): Promise<{ losses: number[]; seconds: number }> {
  const o = parseConfig(TrainAvOptionsSchema, options, 'trainAvModel options');
  const batchSize = o.batchSize ?? 32;
  if (train.n < batchSize) {
    throw new ConfigError('trainAvModel options', [
      { path: 'batchSize', message: `${batchSize} is more than the ${train.n} training samples` },
    ]);
  }
  if (model.countParams(true) === 0) throw new Error('trainAvModel: the model has no trainable parameter');
  const losses: number[] = [];
  const { seconds } = await fitShuffled<AvBatch, AvModel>({
    model,
    samples: train.n,
    makeBatch: (idx) => avBatch(train, idx),
    epochs: o.epochs,
    batchSize,
    lr: o.lr ?? 3e-3,
    seed: o.seed ?? 0,
    loss: ({ audio, video, y }, m) => {
      const labels = tf.oneHot(y, m.backbone.config.numClasses);
      const aux = [];
      const terms: tf.Scalar[] = [];
      for (const rate of o.rates) {
        const out = m.forward(audio, video, rate);
        terms.push(tf.losses.softmaxCrossEntropy(labels, out.logits) as tf.Scalar);
        aux.push(...out.aux);
      }
      const loss = (terms.length === 1 ? terms[0] : tf.div(tf.addN(terms), terms.length)) as tf.Scalar;
      return { loss, aux };
    },
    callbacks: { onStep: (s) => (losses.push(s.loss), o.onStep?.(s.loss)) },
  });
  return { losses, seconds };
}

/** Options of {@link pretrainAvBackbone} (strict: a misspelt option is a `ConfigError` naming it). */
export const PretrainAvOptionsSchema = TrainOptionsSchema.omit({ lr: true, seed: true }).extend({
  seed: z.number().int().min(0),
  /** Backbone config (default: `AvBackbone`'s defaults). */
  backbone: AvBackboneConfigSchema.optional(),
  onStep: functionField<(loss: number) => void>('a step callback').optional(),
});
/** Options of {@link pretrainAvBackbone}. */
export type PretrainAvOptions = z.input<typeof PretrainAvOptionsSchema>;

/**
 * MoME's first stage: seeds the generator with `seed`, builds an {@link AvModel} without adapters
 * and trains it on the uncompressed pair ({@link FULL_RATE}).
 *
 * @example
 * ```ts
 * const { model: backbone } = await pretrainAvBackbone(av.train, { epochs: 6, seed: 0 });
 * ```
 */
export async function pretrainAvBackbone(
  train: AvSet,
  options: PretrainAvOptions,
): Promise<{ model: AvModel; losses: number[]; seconds: number }> {
  const o = parseConfig(PretrainAvOptionsSchema, options, 'pretrainAvBackbone options');
  setSeed(o.seed);
  const model = new AvModel(o.backbone ? { backbone: o.backbone } : {});
  const run = await trainAvModel(model, train, {
    rates: [FULL_RATE],
    epochs: o.epochs,
    batchSize: o.batchSize,
    seed: o.seed,
    onStep: o.onStep,
  });
  return { model, ...run };
}

/** Options of {@link trainAvAdapters} (strict: a misspelt option is a `ConfigError` naming it). */
export const TrainAvAdaptersOptionsSchema = TrainOptionsSchema.omit({ lr: true, seed: true }).extend({
  /** The adapter in parallel to every backbone FFN (e.g. MoME's `{ kind: 'mome', numExperts: 8, topK: 2 }`). */
  adapter: AvAdapterConfigSchema.optional(),
  /** The run's seed; the adapters are initialised from `seed + 1` (every arm alike: paired arms). */
  seed: z.number().int().min(0),
  /** Rate pairs of every batch (default {@link MOME_RATES}). */
  rates: z.array(RatePairSchema).min(1).max(64).readonly().optional(),
  onStep: functionField<(loss: number) => void>('a step callback').optional(),
});
/** Options of {@link trainAvAdapters}. */
export type TrainAvAdaptersOptions = z.input<typeof TrainAvAdaptersOptionsSchema>;

/**
 * MoME's second stage: a new {@link AvModel} with `adapter`, the weights of a pre-trained
 * `backbone` copied in and frozen, its adapters trained over `rates` (the mean of the rates'
 * losses per batch). `backbone` is left as it was.
 *
 * @example
 * ```ts
 * const { model } = await trainAvAdapters(backbone, av.train, {
 *   adapter: { kind: 'mome', numExperts: 8, topK: 2 },
 *   epochs: 5,
 *   seed: 0,
 * });
 * ```
 */
export async function trainAvAdapters(
  backbone: AvModel,
  train: AvSet,
  options: TrainAvAdaptersOptions,
): Promise<{ model: AvModel; losses: number[]; seconds: number }> {
  const o = parseConfig(TrainAvAdaptersOptionsSchema, options, 'trainAvAdapters options');
  setSeed(o.seed + 1);
  const model = new AvModel({ backbone: backbone.config.backbone, adapter: o.adapter });
  try {
    model.backbone.loadStateDict(backbone.backbone.stateDict());
    model.freezeBackbone();
    const run = await trainAvModel(model, train, {
      rates: o.rates ?? MOME_RATES,
      epochs: o.epochs,
      batchSize: o.batchSize,
      seed: o.seed,
      onStep: o.onStep,
    });
    return { model, ...run };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** Expert choices of one adapter layer at one rate: `indices` [n × tokens × k]. */
export interface LayerRoutes {
  n: number;
  tokens: number;
  k: number;
  indices: Int32Array;
}

/** Evaluation of an {@link AvModel} at one rate pair. */
export interface AvRateEvaluation {
  accuracy: number;
  predictions: Int32Array;
  /** Per MoME layer, the experts each token chose (empty without MoME adapters). */
  routes: LayerRoutes[];
}

/**
 * Accuracy (and, for MoME, the chosen experts) of a model at each rate pair, in eval mode and in
 * batches; keyed by {@link rateKey}. Reads are awaited, so it runs on every backend.
 *
 * @example
 * ```ts
 * const evals = await evaluateAvModel(model, av.test, MOME_RATES); // evals.a4v1.accuracy, ...
 * ```
 */
export async function evaluateAvModel(
  model: AvModel,
  set: AvSet,
  rates: readonly RatePair[],
  batchSize = 128,
): Promise<Record<string, AvRateEvaluation>> {
  const out: Record<string, AvRateEvaluation> = {};
  for (const rate of rates) {
    const [la, lv] = model.backbone.tokensAt(rate);
    const tokens = la + lv;
    const predictions = new Int32Array(set.n);
    let routes: LayerRoutes[] = [];
    let correct = 0;
    await evaluateInBatchesAsync(model, set.n, batchSize, async ({ from, indices: idx }) => {
      const batch = avBatch(set, idx);
      const r = model.forward(batch.audio, batch.video, rate);
      const [pred, ...chosen] = await Promise.all([
        tf.argMax(r.logits, -1).data(),
        ...r.aux.map((a) => a.indices.data()),
      ]);
      if (from === 0)
        routes = r.aux.map((a) => ({
          n: set.n,
          tokens,
          k: a.indices.shape[1],
          indices: new Int32Array(set.n * tokens * a.indices.shape[1]),
        }));
      r.aux.forEach((_, l) => routes[l].indices.set(chosen[l], from * tokens * routes[l].k));
      for (let i = 0; i < idx.length; i++) {
        predictions[from + i] = pred[i];
        if (pred[i] === set.y[from + i]) correct++;
      }
    });
    out[rateKey(rate)] = { accuracy: correct / set.n, predictions, routes };
  }
  return out;
}
