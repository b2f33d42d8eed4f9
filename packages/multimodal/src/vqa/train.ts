import {
  ConfigError,
  evaluateInBatchesAsync,
  fitShuffled,
  functionField,
  parseConfig,
  RoutedLayer,
  tf,
  TrainOptionsSchema,
} from '@moe-zoo/core';
import { z } from 'zod';
import { GroupRoutedMoE } from '../moiie/group-moe';
import { vqaBatch, type VqaSet } from './data';
import type { VqaTransformer } from './model';
import { QUESTION_TYPES } from './questions';
import { ModalityRoutingStats, TOKEN_KIND } from './routing-stats';

/** Options of {@link trainVqa} (strict: a misspelt option is a `ConfigError` naming it). */
export const TrainVqaOptionsSchema = TrainOptionsSchema.extend({
  /** 'image' (default) trains on images, 'caption' on the text captions (text-only stage). */
  mode: z.enum(['image', 'caption']).optional(),
  /** Called after every step with the task loss and (MoE) MaxVio; training waits for a returned promise. */
  onStep: functionField<(loss: number, maxVio: number | undefined) => unknown>('a step callback').optional(),
});
/** Options of {@link trainVqa}. */
export type TrainVqaOptions = z.input<typeof TrainVqaOptionsSchema>;

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
  options: TrainVqaOptions,
): Promise<TrainVqaResult> {
  const o = parseConfig(TrainVqaOptionsSchema, options, 'trainVqa options');
  const batchSize = o.batchSize ?? 64;
  if (set.n < batchSize) {
    throw new ConfigError('trainVqa options', [
      { path: 'batchSize', message: `${batchSize} is more than the ${set.n} training samples` },
    ]);
  }
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
      onStep: async (s) => {
        losses.push(s.loss);
        if (s.routing) maxVio.push(s.routing.maxVio);
        for (const [name, v] of Object.entries(s.auxLosses)) (auxLosses[name] ??= []).push(v);
        await o.onStep?.(s.loss, s.routing?.maxVio);
      },
    },
  });
  return { losses, maxVio, auxLosses, seconds };
}

/** Accuracy overall and per question family, plus MoE routing by modality. */
export interface VqaEvaluation {
  accuracy: number;
  /** Accuracy per question family present in the set (parity, compare, ink, digit). */
  byType: Record<string, number>;
  predictions: Int32Array;
  /**
   * Expert usage per modality: fraction of (token, slot) assignments per expert, over non-pad tokens,
   * all MoE layers and the test set (absent for a model without MoE slots).
   */
  usage?: { image: number[]; text: number[] };
  /** Router entropy per modality over valid tokens, normalised by log(experts the router chooses from). */
  entropy?: { image: number; text: number };
}

/** The routed FFN slots of a model in block order: the order of `forward`'s `aux`. */
function routedSlots(model: VqaTransformer): RoutedLayer[] {
  return model.blocks.map((b) => b.ffn).filter((s): s is RoutedLayer => s instanceof RoutedLayer);
}

/**
 * Evaluates in eval mode and batches (image mode; `mode: 'caption'` for a text-only set). Reads
 * are awaited, so it runs on every backend.
 *
 * @example
 * ```ts
 * const { accuracy, byType, usage } = await evaluateVqa(model, test);
 * ```
 */
export async function evaluateVqa(
  model: VqaTransformer,
  set: VqaSet,
  o: { batchSize?: number; mode?: 'image' | 'caption' } = {},
): Promise<VqaEvaluation> {
  const batchSize = o.batchSize ?? 250;
  const mode = o.mode ?? 'image';
  if (mode === 'image' && !set.tokens) throw new Error('evaluateVqa: the set has no visual tokens');
  const prefix = mode === 'image' ? (set.tokens as { count: number }).count : set.captionLen;
  const len = prefix + set.questionLen;
  const predictions = new Int32Array(set.n);
  const slots = routedSlots(model);
  let stats: ModalityRoutingStats | undefined;
  await evaluateInBatchesAsync(model, set.n, batchSize, async ({ from, indices: idx }) => {
    const out = model.forward(vqaBatch(set, idx, mode));
    const [pred, routes] = await Promise.all([
      tf.argMax(out.logits, -1).data(),
      Promise.all(out.aux.map((a) => Promise.all([a.probs.data(), a.indices.data()]))),
    ]);
    predictions.set(pred, from);
    if (out.aux.length === 0) return;
    const kind = new Int8Array(idx.length * len);
    for (let t = 0; t < kind.length; t++) {
      const b = Math.floor(t / len);
      const p = t % len;
      if (mode === 'image' && p < prefix) kind[t] = TOKEN_KIND.image;
      else if (p >= prefix && set.question[idx[b] * set.questionLen + (p - prefix)] === 0)
        kind[t] = TOKEN_KIND.pad;
      else kind[t] = TOKEN_KIND.text;
    }
    out.aux.forEach((a, i) => {
      const e = a.counts.shape[0];
      stats ??= new ModalityRoutingStats(e);
      const slot = slots[i];
      const choices = (m: number) => (slot instanceof GroupRoutedMoE ? slot.choicesFor(m) : e);
      stats.add(
        {
          probs: routes[i][0],
          indices: routes[i][1],
          choices: { image: choices(1), text: choices(0) },
        },
        kind,
      );
    });
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
  const routing = stats?.result();
  return {
    accuracy: correct / set.n,
    byType: Object.fromEntries(
      QUESTION_TYPES.flatMap((t, i) => (byTypeN[i] ? [[t, byTypeOk[i] / byTypeN[i]]] : [])),
    ),
    predictions,
    ...(routing ? { usage: routing.usage, entropy: routing.entropy } : {}),
  };
}
