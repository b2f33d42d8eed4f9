import {
  ConfigError,
  fitShuffled,
  functionField,
  makeRng,
  parseConfig,
  tf,
  TrainOptionsSchema,
} from '@moe-zoo/core';
import { z } from 'zod';
import { MAX_WORDS, tokenize } from '../data/vocab';
import type { VqaSet } from '../data/vqa';
import { routedFromProbs, type CoarseRouter } from '../model/router';
import { wordsOf } from './features';

/** Options of {@link trainRouter} (strict: a misspelt option is a `ConfigError` naming it). */
export const RouterTrainOptionsSchema = TrainOptionsSchema.extend({
  /** Drop up to this many candidates from each training pool at random (default E − 2). */
  maxDropped: z.number().int().min(0).max(1024).optional(),
  onStep: functionField<(loss: number) => void>('a step callback').optional(),
});
/** Options of {@link trainRouter}. */
export type RouterTrainOptions = z.input<typeof RouterTrainOptionsSchema>;

/**
 * Trains the coarse router on a small labelled set (`samples`, e.g. 600–2000 samples, as the
 * paper's 2K routing instructions): multi-label sigmoid cross-entropy over the candidates of a
 * pool that is shuffled, randomly truncated and described with a randomly chosen rewritten
 * description per expert (§3.2 "Routing Data Augmentation").
 *
 * @param pooled mean base token of every sample of `set`, [n × baseDim]
 * @param labels routing labels of every sample of `set`, [n × E]
 * @param descriptions per expert, its description variants
 */
export async function trainRouter(
  router: CoarseRouter,
  pooled: Float32Array,
  set: VqaSet,
  samples: Int32Array,
  labels: Uint8Array,
  descriptions: string[][],
  options: RouterTrainOptions,
): Promise<{ seconds: number; losses: number[] }> {
  const o = parseConfig(RouterTrainOptionsSchema, options, 'trainRouter options');
  const e = descriptions.length;
  const c = pooled.length / set.n;
  if (labels.length !== set.n * e)
    throw new Error(`trainRouter: ${labels.length} labels, expected ${set.n} x ${e} experts`);
  const batchSize = o.batchSize ?? 64;
  if (samples.length < batchSize) {
    throw new ConfigError('trainRouter options', [
      { path: 'batchSize', message: `${batchSize} is more than the ${samples.length} training samples` },
    ]);
  }
  const maxDropped = Math.min(o.maxDropped ?? e - 2, e - 1);
  const tokenized = descriptions.map((variants) => variants.map((d) => tokenize(d)));
  const rng = makeRng((o.seed ?? 0) * 7919 + 4242);
  const losses: number[] = [];
  const { seconds } = await fitShuffled({
    model: router,
    samples: samples.length,
    makeBatch: (b) => {
      const idx = Array.from(b, (i) => samples[i]);
      const n = idx.length;
      const p = new Float32Array(n * c);
      const desc = new Int32Array(n * e * MAX_WORDS);
      const present = new Uint8Array(n * e);
      const y = new Float32Array(n * e);
      idx.forEach((k, i) => {
        p.set(pooled.subarray(k * c, (k + 1) * c), i * c);
        const order = Array.from({ length: e }, (_, j) => j);
        for (let j = e - 1; j > 0; j--) {
          const s = Math.floor(rng() * (j + 1));
          [order[j], order[s]] = [order[s], order[j]];
        }
        const keep = e - Math.floor(rng() * (maxDropped + 1));
        for (let slot = 0; slot < keep; slot++) {
          const expert = order[slot];
          const variants = tokenized[expert];
          desc.set(variants[Math.floor(rng() * variants.length)], (i * e + slot) * MAX_WORDS);
          present[i * e + slot] = 1;
          y[i * e + slot] = labels[k * e + expert];
        }
      });
      return {
        pooled: tf.tensor2d(p, [n, c]),
        words: wordsOf(set, idx),
        desc: tf.tensor3d(desc, [n, e, MAX_WORDS], 'int32'),
        present,
        y: tf.tensor2d(y, [n, e]),
        weight: tf.tensor2d(Float32Array.from(present), [n, e]),
      };
    },
    epochs: o.epochs,
    batchSize,
    lr: o.lr ?? 3e-3,
    seed: o.seed ?? 0,
    loss: (bt, m) => {
      const logits = m.forward(bt.pooled, bt.words, bt.desc, bt.present);
      return { loss: tf.losses.sigmoidCrossEntropy(bt.y, logits, bt.weight) as tf.Scalar };
    },
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
 * Routes a batch with the full pool in expert order (first description of each expert):
 * experts whose probability exceeds `threshold` (default 0.5), at most `maxExperts` (default 3).
 * Returns [B × E] row-major 0/1 and the probabilities, read back with an awaited read (every
 * backend).
 *
 * @example
 * ```ts
 * const { routed, probs } = await routeBatch(router, pooled, words, DESCRIPTIONS);
 * ```
 */
export async function routeBatch(
  router: CoarseRouter,
  pooled: tf.Tensor2D,
  words: tf.Tensor2D,
  descriptions: string[][],
  o: { threshold?: number; maxExperts?: number } = {},
): Promise<{ routed: Uint8Array; probs: Float32Array }> {
  const b = pooled.shape[0];
  const e = descriptions.length;
  const desc = new Int32Array(b * e * MAX_WORDS);
  const first = descriptions.map((v) => tokenize(v[0]));
  for (let i = 0; i < b; i++) first.forEach((t, j) => desc.set(t, (i * e + j) * MAX_WORDS));
  const wasTraining = router.training;
  router.eval();
  const probs = tf.tidy(() =>
    tf.sigmoid(
      router.forward(
        pooled,
        words,
        tf.tensor3d(desc, [b, e, MAX_WORDS], 'int32'),
        new Uint8Array(b * e).fill(1),
      ),
    ),
  );
  router.train(wasTraining);
  try {
    const p = (await probs.data()) as Float32Array;
    return { routed: routedFromProbs(p, e, o), probs: p };
  } finally {
    probs.dispose();
  }
}
