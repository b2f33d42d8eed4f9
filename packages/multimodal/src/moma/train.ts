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
import { MODALITY, type InterleavedSet } from '../lm/interleaved';
import type { CollectedRouting, LmRouting } from './grouped-ec';
import type { InterleavedLM } from './lm';

/** A next-token batch: inputs are positions 0..L−2, targets 1..L−1. */
export interface LmBatch {
  /** [B, L−1] int32 */
  input: tf.Tensor2D;
  /** Modality of every input position [B·(L−1)] (routes the tokens). */
  inputModality: Uint8Array;
  /** [B, L−1] int32 */
  target: tf.Tensor2D;
  /** [B, L−1] 1 where the target is a text / an image token. */
  textMask: tf.Tensor2D;
  imageMask: tf.Tensor2D;
}

/** Builds the next-token batch of sequences `idx`. */
export function lmBatch(set: InterleavedSet, idx: ArrayLike<number>): LmBatch {
  const l = set.seqLen - 1;
  const b = idx.length;
  const input = new Int32Array(b * l);
  const target = new Int32Array(b * l);
  const inputModality = new Uint8Array(b * l);
  const text = new Float32Array(b * l);
  const image = new Float32Array(b * l);
  for (let i = 0; i < b; i++) {
    const s = idx[i];
    if (!(s >= 0 && s < set.n)) throw new Error(`lmBatch: sequence index ${s} outside [0, ${set.n})`);
    const base = s * set.seqLen;
    input.set(set.ids.subarray(base, base + l), i * l);
    inputModality.set(set.modality.subarray(base, base + l), i * l);
    target.set(set.ids.subarray(base + 1, base + l + 1), i * l);
    for (let j = 0; j < l; j++) {
      const m = set.modality[base + 1 + j];
      text[i * l + j] = m === MODALITY.text ? 1 : 0;
      image[i * l + j] = m === MODALITY.image ? 1 : 0;
    }
  }
  return {
    input: tf.tensor2d(input, [b, l], 'int32'),
    inputModality,
    target: tf.tensor2d(target, [b, l], 'int32'),
    textMask: tf.tensor2d(text, [b, l]),
    imageMask: tf.tensor2d(image, [b, l]),
  };
}

function disposeBatch(b: LmBatch): void {
  tf.dispose([b.input, b.target, b.textMask, b.imageMask]);
}

/** Per-sequence summed cross-entropy over text and image targets with their counts: [B, 4] = [textSum, textN, imageSum, imageN]. */
function rowLossSums(logits: tf.Tensor3D, b: LmBatch): tf.Tensor2D {
  return tf.tidy(() => {
    const v = logits.shape[2];
    const ce = tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(b.target, v)), -1)) as tf.Tensor2D; // [B, L]
    return tf.stack(
      [
        tf.sum(tf.mul(ce, b.textMask), -1),
        tf.sum(b.textMask, -1),
        tf.sum(tf.mul(ce, b.imageMask), -1),
        tf.sum(b.imageMask, -1),
      ],
      1,
    ) as tf.Tensor2D;
  });
}

/** The same summed over the batch: [textSum, textN, imageSum, imageN]. */
function lossSums(logits: tf.Tensor3D, b: LmBatch): tf.Tensor1D {
  return tf.tidy(() => tf.sum(rowLossSums(logits, b), 0) as tf.Tensor1D);
}

/** Options of {@link trainLm} (strict: a misspelt option is a `ConfigError` naming it). */
export const TrainLmOptionsSchema = TrainOptionsSchema.extend({
  onStep:
    functionField<(s: { loss: number; text: number; image: number }) => void>('a step callback').optional(),
});
/** Options of {@link trainLm}. */
export type TrainLmOptions = z.input<typeof TrainLmOptionsSchema>;

/** Per-step training losses (mean next-token cross-entropy over all / text / image targets). */
export interface LmCurves {
  loss: number[];
  text: number[];
  image: number[];
  seconds: number;
}

/**
 * Trains the LM's main parameters with core's `fitShuffled` (AdamW, warmup + cosine, clipping) on
 * next-token cross-entropy over text and image targets (padding excluded), routing with batch-level
 * expert choice. Records the per-modality training loss of every step.
 */
export async function trainLm(
  model: InterleavedLM,
  set: InterleavedSet,
  options: TrainLmOptions,
): Promise<LmCurves> {
  const o = parseConfig(TrainLmOptionsSchema, options, 'trainLm options');
  const batchSize = o.batchSize ?? 32;
  if (set.n < batchSize) {
    throw new ConfigError('trainLm options', [
      { path: 'batchSize', message: `${batchSize} is more than the ${set.n} training sequences` },
    ]);
  }
  if (set.vocabSize !== model.config.vocabSize)
    throw new Error(`trainLm: set vocabulary ${set.vocabSize} != model vocabSize ${model.config.vocabSize}`);
  model.trainAuxRoutersOnly(false);
  const curves: LmCurves = { loss: [], text: [], image: [], seconds: 0 };
  // The step's per-modality sums [textSum, textN, imageSum, imageN], kept past the gradient tape
  // and read back (awaited) in `onStep`: no synchronous read inside the loss.
  const step: { sums?: tf.Tensor1D } = {};
  try {
    const { seconds } = await fitShuffled<LmBatch, InterleavedLM>({
      model,
      samples: set.n,
      makeBatch: (idx) => lmBatch(set, idx),
      epochs: o.epochs,
      batchSize,
      lr: o.lr ?? 3e-3,
      seed: o.seed ?? 0,
      loss: (b, m) => {
        const { logits } = m.forward(b.input, b.inputModality, { routing: 'ec' });
        const sums = lossSums(logits, b);
        step.sums?.dispose();
        step.sums = tf.keep(tf.clone(sums));
        const loss = tf.div(
          tf.add(sums.gather(0), sums.gather(2)),
          tf.maximum(tf.add(sums.gather(1), sums.gather(3)), 1),
        );
        return { loss: loss as tf.Scalar };
      },
      callbacks: {
        onStep: async (s) => {
          const read = step.sums as tf.Tensor1D;
          step.sums = undefined;
          const [ts, tn, is, iN] = await read.data();
          read.dispose();
          curves.text.push(ts / Math.max(tn, 1));
          curves.image.push(is / Math.max(iN, 1));
          curves.loss.push(s.loss);
          o.onStep?.({
            loss: s.loss,
            text: curves.text[curves.text.length - 1],
            image: curves.image[curves.image.length - 1],
          });
        },
      },
    });
    curves.seconds = seconds;
  } finally {
    step.sums?.dispose(); // left by a step that failed
  }
  return curves;
}

/** Held-out next-token losses of an LM. */
export interface LmEvaluation {
  /** Mean cross-entropy over all text and image targets. */
  loss: number;
  lossText: number;
  lossImage: number;
  /** Mean cross-entropy of every sequence over all / text / image targets (for paired comparisons). */
  perSequence: { loss: Float64Array; text: Float64Array; image: Float64Array };
  /** (token, expert) pairs per routed token (1 with expert choice at capacity 1; varies with aux routing), per group name. */
  expertsPerToken: Record<string, number>;
}

/**
 * Evaluates in eval mode, in batches of `batchSize` sequences (expert choice picks its tokens
 * within each batch, as in training, so use the training batch size), with the given routing.
 * Reads are awaited, so it runs on every backend.
 *
 * @example
 * ```ts
 * const { loss, lossText, lossImage } = await evaluateLm(lm, val, { routing: 'ec' });
 * ```
 */
export async function evaluateLm(
  model: InterleavedLM,
  set: InterleavedSet,
  o: { routing?: LmRouting; batchSize?: number } = {},
): Promise<LmEvaluation> {
  const batchSize = o.batchSize ?? 32;
  const sums = [0, 0, 0, 0];
  const perSequence = {
    loss: new Float64Array(set.n),
    text: new Float64Array(set.n),
    image: new Float64Array(set.n),
  };
  const pairs: Record<string, [number, number]> = {};
  const layers = model.moeLayers();
  await evaluateInBatchesAsync(model, set.n, batchSize, async ({ from, indices }) => {
    const b = lmBatch(set, indices);
    const out = model.forward(b.input, b.inputModality, { routing: o.routing ?? 'ec' });
    const [s, stats] = await Promise.all([
      rowLossSums(out.logits, b).data(),
      Promise.all(out.aux.map((aux, l) => layers[l].groupStats(aux, b.inputModality))),
    ]);
    for (let i = 0; i < indices.length; i++) {
      const [ts, tn, is, iN] = s.subarray(i * 4, i * 4 + 4);
      sums[0] += ts;
      sums[1] += tn;
      sums[2] += is;
      sums[3] += iN;
      perSequence.loss[from + i] = (ts + is) / Math.max(tn + iN, 1);
      perSequence.text[from + i] = ts / Math.max(tn, 1);
      perSequence.image[from + i] = is / Math.max(iN, 1);
    }
    for (const layer of stats) {
      for (const g of layer) {
        const p = (pairs[g.group] ??= [0, 0]);
        p[0] += g.pairs;
        p[1] += g.tokens;
      }
    }
  });
  return {
    loss: (sums[0] + sums[2]) / Math.max(sums[1] + sums[3], 1),
    lossText: sums[0] / Math.max(sums[1], 1),
    lossImage: sums[2] / Math.max(sums[3], 1),
    perSequence,
    expertsPerToken: Object.fromEntries(Object.entries(pairs).map(([k, [p, t]]) => [k, t ? p / t : 0])),
  };
}

interface AuxBatch {
  /** Per MoE layer, per group: router inputs and EC targets. */
  parts: { layer: number; group: number; x: tf.Tensor2D; chosen: tf.Tensor2D }[];
}

/**
 * Expert-choice decisions of the frozen model on a batch, per layer and group: tensors that
 * outlive the forward pass's own ones and belong to the enclosing scope (dispose them otherwise).
 */
function collectRouting(model: InterleavedLM, b: LmBatch, collectAux = false): CollectedRouting[][] {
  const collect: CollectedRouting[][] = [];
  tf.tidy(() => {
    model.forward(b.input, b.inputModality, { routing: 'ec', collect, collectAux });
    // Returned from the tidy: everything else the forward pass made is freed.
    return collect.flat().flatMap((c) => [c.inputs, c.chosen, ...(c.auxLogits ? [c.auxLogits] : [])]);
  });
  return collect;
}

/** Options of {@link trainAuxRouters} (strict: a misspelt option is a `ConfigError` naming it). */
export const TrainAuxOptionsSchema = TrainOptionsSchema.extend({
  onStep: functionField<(loss: number) => void>('a step callback').optional(),
});
/** Options of {@link trainAuxRouters}. */
export type TrainAuxOptions = z.input<typeof TrainAuxOptionsSchema>;

/**
 * MoMa's second stage: freezes the trained LM and fits every group's {@link AuxRouter} with binary
 * cross-entropy to the expert-choice decisions the model makes on training batches (same batch
 * size as training). Returns the per-step BCE.
 */
export async function trainAuxRouters(
  model: InterleavedLM,
  set: InterleavedSet,
  options: TrainAuxOptions,
): Promise<{ losses: number[]; seconds: number }> {
  const o = parseConfig(TrainAuxOptionsSchema, options, 'trainAuxRouters options');
  const layers = model.moeLayers();
  if (layers.length === 0) throw new Error('trainAuxRouters: the model has no expert-choice layer');
  const batchSize = o.batchSize ?? 32;
  const losses: number[] = [];
  model.trainAuxRoutersOnly(true);
  try {
    const { seconds } = await fitShuffled<AuxBatch, InterleavedLM>({
      model,
      samples: set.n,
      makeBatch: (idx) => {
        const b = lmBatch(set, idx);
        model.eval();
        const collected = collectRouting(model, b);
        model.train();
        disposeBatch(b);
        const parts: AuxBatch['parts'] = [];
        collected.forEach((layer, l) =>
          layer.forEach((c) => {
            const g = layers[l].groups.findIndex((s) => s.name === c.group);
            parts.push({ layer: l, group: g, x: c.inputs, chosen: c.chosen });
          }),
        );
        return { parts };
      },
      epochs: o.epochs,
      batchSize,
      lr: o.lr ?? 3e-3,
      seed: o.seed ?? 0,
      loss: ({ parts }) => {
        const terms = parts.map(
          (p) =>
            tf.losses.sigmoidCrossEntropy(
              p.chosen,
              layers[p.layer].auxRouters[p.group].logits(p.x),
            ) as tf.Scalar,
        );
        return { loss: tf.div(tf.addN(terms), terms.length) as tf.Scalar };
      },
      callbacks: { onStep: (s) => (losses.push(s.loss), o.onStep?.(s.loss)) },
    });
    return { losses, seconds };
  } finally {
    model.trainAuxRoutersOnly(false);
  }
}

/**
 * How well the auxiliary routers reproduce expert choice on held-out batches: accuracy of the
 * (token, expert) decisions `p > 0.5` against the EC assignment, and recall of the EC-chosen pairs.
 * Reads are awaited, so it runs on every backend.
 *
 * @example
 * ```ts
 * const { accuracy, recall } = await auxRouterAgreement(lm, val);
 * ```
 */
export async function auxRouterAgreement(
  model: InterleavedLM,
  set: InterleavedSet,
  batchSize = 32,
): Promise<{ accuracy: number; recall: number }> {
  let agree = 0;
  let total = 0;
  let hit = 0;
  let chosen = 0;
  // Whole batches only (expert choice picks within a batch, as in training).
  const full = Math.floor(set.n / batchSize) * batchSize;
  await evaluateInBatchesAsync(model, full, batchSize, async ({ indices }) => {
    const b = lmBatch(set, indices);
    const groups = collectRouting(model, b, true).flat();
    const read = await Promise.all(
      groups.map((c) => Promise.all([c.chosen.data(), (c.auxLogits as tf.Tensor2D).data()])),
    );
    for (const [picked, aux] of read) {
      for (let i = 0; i < picked.length; i++) {
        const pick = aux[i] > 0 ? 1 : 0;
        if (pick === picked[i]) agree++;
        total++;
        if (picked[i] === 1) {
          chosen++;
          hit += pick;
        }
      }
    }
  });
  return { accuracy: total ? agree / total : NaN, recall: chosen ? hit / chosen : NaN };
}
