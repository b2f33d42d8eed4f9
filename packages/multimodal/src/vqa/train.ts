import { evaluateInBatches, fitShuffled, tf } from '@moe-zoo/core';
import { vqaBatch, type VqaSet } from './data';
import type { VqaTransformer } from './model';
import { QUESTION_TYPES } from './questions';

/** Options of {@link trainVqa}. */
export interface TrainVqaOptions {
  epochs: number;
  batchSize?: number;
  lr?: number;
  seed?: number;
  /** 'image' (default) trains on images, 'caption' on the text captions (text-only stage). */
  mode?: 'image' | 'caption';
  /** Called after every step with the task loss and (MoE) MaxVio. */
  onStep?: (loss: number, maxVio: number | undefined) => void;
}

/** Loss curve, MaxVio curve and wall time of a {@link trainVqa} run. */
export interface TrainVqaResult {
  losses: number[];
  maxVio: number[];
  /** Per-step values of every MoE balance term the trainer added (already scaled), by name. */
  auxLosses: Record<string, number[]>;
  seconds: number;
}

/**
 * Trains the model's currently trainable parameters with core's `fitShuffled` (AdamW, warmup +
 * cosine, clipping, MoE aux losses added, leak and NaN guards). Freeze parts first (e.g.
 * `model.trainOnly('connector')`) for staged recipes.
 */
export async function trainVqa(
  model: VqaTransformer,
  set: VqaSet,
  o: TrainVqaOptions,
): Promise<TrainVqaResult> {
  const batchSize = o.batchSize ?? 64;
  if (set.n < batchSize) throw new Error(`trainVqa: ${set.n} samples < batch size ${batchSize}`);
  const mode = o.mode ?? 'image';
  const classes = model.config.numAnswers;
  const losses: number[] = [];
  const maxVio: number[] = [];
  const auxLosses: Record<string, number[]> = {};
  const { seconds } = await fitShuffled({
    model,
    samples: set.n,
    makeBatch: (idx) => vqaBatch(set, idx, mode),
    epochs: o.epochs,
    batchSize,
    lr: o.lr ?? 3e-3,
    seed: o.seed ?? 0,
    loss: (batch, m) => {
      const { logits, aux } = m.forward(batch);
      return {
        loss: tf.losses.softmaxCrossEntropy(tf.oneHot(batch.answer, classes), logits) as tf.Scalar,
        aux,
      };
    },
    callbacks: {
      onStep: (s) => {
        losses.push(s.loss);
        if (s.routing) maxVio.push(s.routing.maxVio);
        for (const [name, v] of Object.entries(s.auxLosses)) (auxLosses[name] ??= []).push(v);
        o.onStep?.(s.loss, s.routing?.maxVio);
      },
    },
  });
  return { losses, maxVio, auxLosses, seconds };
}

/** Accuracy overall and per question family, plus MoE routing by modality. */
export interface VqaEvaluation {
  accuracy: number;
  /** Accuracy per question family (parity, compare, ink). */
  byType: Record<string, number>;
  predictions: Int32Array;
  /**
   * Expert usage per modality: fraction of (token, slot) assignments per expert, over non-pad tokens,
   * all MoE layers and the test set (absent for a model without MoE slots).
   */
  usage?: { image: number[]; text: number[] };
}

/** Evaluates in eval mode and batches (image mode; `mode: 'caption'` for a text-only set). */
export function evaluateVqa(
  model: VqaTransformer,
  set: VqaSet,
  o: { batchSize?: number; mode?: 'image' | 'caption' } = {},
): VqaEvaluation {
  const batchSize = o.batchSize ?? 250;
  const mode = o.mode ?? 'image';
  if (mode === 'image' && !set.tokens) throw new Error('evaluateVqa: the set has no visual tokens');
  const prefix = mode === 'image' ? (set.tokens as { count: number }).count : set.captionLen;
  const len = prefix + set.questionLen;
  const predictions = new Int32Array(set.n);
  let counts: { image: number[]; text: number[] } | undefined;
  evaluateInBatches(model, set.n, batchSize, ({ from, indices: idx }) => {
    const out = model.forward(vqaBatch(set, idx, mode));
    predictions.set(tf.argMax(out.logits, -1).dataSync(), from);
    for (const a of out.aux) {
      const k = a.indices.shape[1];
      const e = a.counts.shape[0];
      const ids = a.indices.dataSync();
      counts ??= { image: new Array<number>(e).fill(0), text: new Array<number>(e).fill(0) };
      for (let t = 0; t < ids.length / k; t++) {
        const b = Math.floor(t / len);
        const p = t % len;
        const isImage = mode === 'image' && p < prefix;
        if (!isImage && p >= prefix && set.question[idx[b] * set.questionLen + (p - prefix)] === 0) continue;
        const row = isImage ? counts.image : counts.text;
        for (let j = 0; j < k; j++) row[ids[t * k + j]]++;
      }
    }
  });
  let correct = 0;
  const byTypeN = new Array<number>(QUESTION_TYPES.length).fill(0);
  const byTypeOk = new Array<number>(QUESTION_TYPES.length).fill(0);
  for (let i = 0; i < set.n; i++) {
    const ok = predictions[i] === set.answer[i] ? 1 : 0;
    correct += ok;
    byTypeN[set.type[i]]++;
    byTypeOk[set.type[i]] += ok;
  }
  const norm = (v: number[]) => {
    const s = v.reduce((a, b) => a + b, 0);
    return v.map((x) => (s > 0 ? x / s : 0));
  };
  return {
    accuracy: correct / set.n,
    byType: Object.fromEntries(
      QUESTION_TYPES.map((t, i) => [t, byTypeN[i] ? byTypeOk[i] / byTypeN[i] : NaN]),
    ),
    predictions,
    usage: counts && { image: norm(counts.image), text: norm(counts.text) },
  };
}
