import { evaluateInBatches, fitShuffled, setSeed, tf } from '@moe-zoo/core';
import { avBatch, type AvBatch } from '../avdigits/batch';
import type { AvSet } from '../avdigits/data';
import { AvModel, type AvModelConfig, type AvModelConfigInput } from './model';
import { FULL_RATE, MOME_RATES, rateKey, type RatePair } from './rates';

/** Options of {@link trainAvModel}. */
export interface TrainAvOptions {
  /** Rate pairs of every batch; the loss is the mean of their cross-entropies (MoME's recipe). */
  rates: readonly RatePair[];
  epochs: number;
  batchSize?: number;
  lr?: number;
  seed?: number;
  /** Called after every step with the loss (mean over rates, without the balance loss). */
  onStep?: (loss: number) => void;
}

/**
 * Trains the trainable parameters of an {@link AvModel} (everything for pre-training, only the
 * adapters after {@link AvModel.freezeBackbone}) with core's `fitShuffled` (AdamW, warmup +
 * cosine, clipping, MoE balance loss added). Returns the per-step losses and the wall time.
 */
export async function trainAvModel(
  model: AvModel,
  train: AvSet,
  o: TrainAvOptions,
): Promise<{ losses: number[]; seconds: number }> {
  const batchSize = o.batchSize ?? 32;
  if (o.rates.length === 0) throw new Error('trainAvModel: rates is empty');
  if (train.n < batchSize) throw new Error(`trainAvModel: ${train.n} samples < batch size ${batchSize}`);
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

/** Options of {@link pretrainAvBackbone}. */
export interface PretrainAvOptions {
  epochs: number;
  seed: number;
  batchSize?: number;
  /** Backbone config (default: `AvBackbone`'s defaults). */
  backbone?: AvModelConfig['backbone'];
  onStep?: (loss: number) => void;
}

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
  o: PretrainAvOptions,
): Promise<{ model: AvModel; losses: number[]; seconds: number }> {
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

/** Options of {@link trainAvAdapters}. */
export interface TrainAvAdaptersOptions {
  /** The adapter in parallel to every backbone FFN (e.g. MoME's `{ kind: 'mome', numExperts: 8, topK: 2 }`). */
  adapter: AvModelConfigInput['adapter'];
  epochs: number;
  /** The run's seed; the adapters are initialised from `seed + 1` (every arm alike: paired arms). */
  seed: number;
  /** Rate pairs of every batch (default {@link MOME_RATES}). */
  rates?: readonly RatePair[];
  batchSize?: number;
  onStep?: (loss: number) => void;
}

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
  o: TrainAvAdaptersOptions,
): Promise<{ model: AvModel; losses: number[]; seconds: number }> {
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
 * batches; keyed by {@link rateKey}.
 */
export function evaluateAvModel(
  model: AvModel,
  set: AvSet,
  rates: readonly RatePair[],
  batchSize = 128,
): Record<string, AvRateEvaluation> {
  const out: Record<string, AvRateEvaluation> = {};
  for (const rate of rates) {
    const [la, lv] = model.backbone.tokensAt(rate);
    const tokens = la + lv;
    const predictions = new Int32Array(set.n);
    let routes: LayerRoutes[] = [];
    let correct = 0;
    evaluateInBatches(model, set.n, batchSize, ({ from, indices: idx }) => {
      const batch = avBatch(set, idx);
      const r = model.forward(batch.audio, batch.video, rate);
      const pred = tf.argMax(r.logits, -1).dataSync();
      if (from === 0)
        routes = r.aux.map((a) => ({
          n: set.n,
          tokens,
          k: a.indices.shape[1],
          indices: new Int32Array(set.n * tokens * a.indices.shape[1]),
        }));
      r.aux.forEach((a, l) => routes[l].indices.set(a.indices.dataSync(), from * tokens * routes[l].k));
      for (let i = 0; i < idx.length; i++) {
        predictions[from + i] = pred[i];
        if (pred[i] === set.y[from + i]) correct++;
      }
    });
    out[rateKey(rate)] = { accuracy: correct / set.n, predictions, routes };
  }
  return out;
}
