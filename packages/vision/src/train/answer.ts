import {
  ConfigError,
  evaluateInBatchesAsync,
  fitShuffled,
  functionField,
  parseConfig,
  tf,
  TrainOptionsSchema,
} from '@moe-zoo/core';
import { z } from 'zod';
import { ANSWERS } from '../data/vocab';
import type { VqaSet } from '../data/vqa';
import type { FusionAnswerer } from '../model/fusion';
import type { MoVA } from '../model/mova';
import { allIndices, answersOf, fusedTokens, type FeatureBank, wordsOf } from './features';

/** Options of the answer-model trainers (strict: a misspelt option is a `ConfigError` naming it). */
export const AnswerTrainOptionsSchema = TrainOptionsSchema.extend({
  /** Train on these sample indices only (default all). */
  samples: z.instanceof(Int32Array).optional(),
  onStep: functionField<(loss: number) => void>('a step callback').optional(),
});
/** Options of the answer-model trainers. */
export type AnswerTrainOptions = z.input<typeof AnswerTrainOptionsSchema>;

/** What a trainer returns. */
export interface AnswerTrainResult {
  seconds: number;
  losses: number[];
}

function crossEntropy(logits: tf.Tensor2D, answers: tf.Tensor1D): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(tf.oneHot(answers, ANSWERS.length), logits) as tf.Scalar;
}

function checkSamples(name: string, samples: Int32Array, batchSize: number): void {
  if (samples.length < batchSize) {
    throw new ConfigError(`${name} options`, [
      { path: 'batchSize', message: `${batchSize} is more than the ${samples.length} training samples` },
    ]);
  }
}

/** One training batch of question indices with their frozen tokens, words and answers. */
interface AnswerBatch {
  idx: number[];
  x: tf.Tensor3D;
  w: tf.Tensor2D;
  y: tf.Tensor1D;
}

/**
 * The shared loop of the answer-model trainers: batches of `sources`' frozen tokens over the
 * chosen samples, cross-entropy of `logits` against the answers, through core's `fitShuffled`
 * (AdamW, warmup + cosine, clipping, leak guard).
 */
async function fitAnswerModel<M extends FusionAnswerer | MoVA>(
  name: string,
  model: M,
  bank: FeatureBank,
  sources: number[],
  set: VqaSet,
  options: AnswerTrainOptions,
  logits: (b: AnswerBatch, m: M) => tf.Tensor2D,
): Promise<AnswerTrainResult> {
  const o = parseConfig(AnswerTrainOptionsSchema, options, `${name} options`);
  const samples = o.samples ?? allIndices(set.n);
  const batchSize = o.batchSize ?? 64;
  checkSamples(name, samples, batchSize);
  const losses: number[] = [];
  const { seconds } = await fitShuffled({
    model,
    samples: samples.length,
    makeBatch: (b): AnswerBatch => {
      const idx = Array.from(b, (i) => samples[i]);
      return { idx, x: fusedTokens(bank, sources, idx), w: wordsOf(set, idx), y: answersOf(set, idx) };
    },
    epochs: o.epochs,
    batchSize,
    lr: o.lr ?? 3e-3,
    seed: o.seed ?? 0,
    loss: (batch) => ({ loss: crossEntropy(logits(batch, model), batch.y) }),
    callbacks: {
      onStep: (s) => {
        losses.push(s.loss);
        o.onStep?.(s.loss);
      },
    },
  });
  return { seconds, losses };
}

/**
 * Trains a {@link FusionAnswerer} on precomputed frozen features of `sources` (base = -1,
 * expert j = j) with core's `fitShuffled` (AdamW, warmup + cosine, clipping, leak guard).
 */
export async function trainFusionAnswerer(
  model: FusionAnswerer,
  bank: FeatureBank,
  sources: number[],
  set: VqaSet,
  o: AnswerTrainOptions,
): Promise<AnswerTrainResult> {
  return fitAnswerModel('trainFusionAnswerer', model, bank, sources, set, o, ({ x, w }, m) =>
    m.forward(x, w),
  );
}

/**
 * Per-sample cross-entropy of a fusion answerer on `samples` (eval mode, batched), in `samples`
 * order; read back with awaited reads, so it runs on every backend.
 *
 * @example
 * ```ts
 * const losses = await fusionLosses(answerer, bank, [BASE_SOURCE, 0], data.train);
 * ```
 */
export async function fusionLosses(
  model: FusionAnswerer,
  bank: FeatureBank,
  sources: number[],
  set: VqaSet,
  samples: Int32Array = allIndices(set.n),
  batchSize = 256,
): Promise<Float32Array> {
  const out = new Float32Array(samples.length);
  await evaluateInBatchesAsync(model, samples.length, batchSize, async ({ from, size }) => {
    const idx = samples.subarray(from, from + size);
    const logits = model.forward(fusedTokens(bank, sources, idx), wordsOf(set, idx));
    const y = tf.oneHot(answersOf(set, idx), ANSWERS.length);
    out.set(await tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), y), -1)).data(), from);
  });
  return out;
}

/**
 * The expert provider for training: rows of precomputed frozen expert tokens of the batch
 * samples `idx` (batch row r = sample idx[r]).
 */
function bankProvider(bank: FeatureBank, idx: ArrayLike<number>) {
  return (j: number, rows: Int32Array): tf.Tensor3D => {
    const { tokens: l } = bank;
    const c = bank.expertDims[j];
    const out = new Float32Array(rows.length * l * c);
    rows.forEach((r, i) =>
      out.set(bank.experts[j].subarray(idx[r] * l * c, (idx[r] + 1) * l * c), i * l * c),
    );
    return tf.tensor3d(out, [rows.length, l, c]);
  };
}

/** The routing mask rows of samples `idx` from an [n × E] mask. */
function routingRows(routed: Uint8Array, e: number, idx: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(idx.length * e);
  for (let i = 0; i < idx.length; i++) out.set(routed.subarray(idx[i] * e, (idx[i] + 1) * e), i * e);
  return out;
}

/**
 * Trains the MoVA fine stage (adapter + head; encoders frozen, features precomputed) with the
 * routing annotations fed directly, as in the paper: `routed` [n × E] says which experts each
 * training sample uses (the routing labels for MoVA, all ones without routing, a random subset
 * for the random-routing ablation). Only routed experts' tokens enter a batch.
 */
export async function trainMoVAModel(
  model: MoVA,
  bank: FeatureBank,
  set: VqaSet,
  routed: Uint8Array,
  o: AnswerTrainOptions,
): Promise<AnswerTrainResult> {
  const e = model.numExperts;
  if (routed.length !== set.n * e)
    throw new Error(`trainMoVAModel: routing mask has ${routed.length} entries, expected ${set.n} x ${e}`);
  return fitAnswerModel('trainMoVAModel', model, bank, [-1], set, o, ({ idx, x, w }, m) => {
    return m.forward(x, w, routingRows(routed, e, idx), bankProvider(bank, idx)).logits;
  });
}
