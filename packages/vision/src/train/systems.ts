import { evaluateInBatchesAsync, tf, type Module } from '@moe-zoo/core';
import { CONTENT_TYPES, QUESTIONS } from '../data/vocab';
import type { VqaSet } from '../data/vqa';
import type { ConvEncoder } from '../model/conv-encoder';
import type { FusionAnswerer } from '../model/fusion';
import type { MoVA } from '../model/mova';
import { emptyRouting } from '../routing/empty';
import { wordsOf } from './features';

/** What answering one batch from raw images computed. */
export interface SystemOutput {
  logits: tf.Tensor2D;
  /** Expert-encoder runs (one per sample and expert computed). */
  expertRuns: number;
  /** Cross-attention calls (MoVA only). */
  crossRows: number;
  /** The routing used, [B × E] (MoVA only). */
  routed?: Uint8Array;
}

/** A complete answering system: frozen encoders plus an answer model, run from raw images. */
export interface AnswerSystem {
  /**
   * images [B, H, W] in [0, 1], question word ids [B, W] (int32). Asynchronous: a routed system
   * reads its routing back (awaited) before it runs the routed experts.
   */
  predict(images: tf.Tensor3D, words: tf.Tensor2D): Promise<SystemOutput>;
  /** The modules `predict` runs (encoders and answer model), put in eval mode by {@link evaluateSystem}. */
  readonly modules: readonly Module[];
}

/**
 * A fusion system: every listed encoder runs on every image, tokens are concatenated
 * channel-wise and answered by a {@link FusionAnswerer}. `experts` counts how many of the
 * encoders are experts (the rest is the base), for the cost accounting.
 */
export function fusionSystem(encoders: ConvEncoder[], model: FusionAnswerer, experts: number): AnswerSystem {
  return {
    modules: [...encoders, model],
    async predict(images, words) {
      const logits = tf.tidy(() => {
        const feats = encoders.map((e) => e.forward(images));
        return model.forward(feats.length === 1 ? feats[0] : tf.concat(feats, -1), words);
      });
      return { logits, expertRuns: experts * images.shape[0], crossRows: 0 };
    },
  };
}

/**
 * Decides the experts of a batch from the pooled base tokens [B, baseDim] and the question
 * words: [B × E] row-major 0/1 (or a promise of it, e.g. the router's probabilities read back
 * with an awaited read, as `routeBatch` does).
 */
export type RoutingPolicy = (pooled: tf.Tensor2D, words: tf.Tensor2D) => Uint8Array | Promise<Uint8Array>;

/**
 * The full MoVA pipeline: base encoder -> routing policy (the coarse router, or an ablation) ->
 * each routed expert encoder runs on exactly the images routed to it -> MoV-Adapter -> answer.
 */
export function movaSystem(o: {
  base: ConvEncoder;
  experts: ConvEncoder[];
  model: MoVA;
  route: RoutingPolicy;
}): AnswerSystem {
  return {
    modules: [o.base, ...o.experts, o.model],
    async predict(images, words) {
      const baseTokens = o.base.forward(images);
      const pooled = tf.tidy(() => tf.mean(baseTokens, 1) as tf.Tensor2D);
      let routed: Uint8Array;
      try {
        routed = await o.route(pooled, words);
      } catch (e) {
        baseTokens.dispose();
        throw e;
      } finally {
        pooled.dispose();
      }
      let expertRuns = 0;
      const out = o.model.forward(baseTokens, words, routed, (j, rows) => {
        expertRuns += rows.length;
        return tf.tidy(() => o.experts[j].forward(tf.gather(images, tf.tensor1d(rows, 'int32'))));
      });
      baseTokens.dispose();
      return { logits: out.logits, expertRuns, crossRows: out.crossRows, routed };
    },
  };
}

/** Accuracy overall and per content type, with the measured costs. */
export interface SystemEvaluation {
  accuracy: number;
  /** Accuracy per content type, in {@link CONTENT_TYPES} order. */
  perType: number[];
  /** Accuracy per question template, in {@link QUESTIONS} order (NaN where none). */
  perQuestion: number[];
  /** Measured expert-encoder runs per sample. */
  expertsPerSample: number;
  /** Measured cross-attention calls per sample. */
  crossPerSample: number;
  predictions: Int32Array;
  /** The routing used per sample, [n × E] (MoVA systems only). */
  routed?: Uint8Array;
  /** Samples for which the routing selected no expert (MoVA systems only). */
  emptyRouted?: number;
  /** What the caller should see, e.g. "router selected 0 experts for 12 of 240 samples ...". */
  warnings: string[];
}

/**
 * Runs a system over a set from raw images in batches, its modules in eval mode (core's
 * `evaluateInBatchesAsync`; training flags restored afterwards), with awaited reads, so it runs on
 * every backend. For a MoVA system, `warnings` says when the routing selected no expert for some
 * or all samples.
 *
 * @example
 * ```ts
 * const { accuracy, perType, expertsPerSample } = await evaluateSystem(system, data.test);
 * ```
 */
export async function evaluateSystem(
  system: AnswerSystem,
  set: VqaSet,
  batchSize = 200,
): Promise<SystemEvaluation> {
  const per = set.size * set.size;
  const predictions = new Int32Array(set.n);
  let expertRuns = 0;
  let crossRows = 0;
  let routed: Uint8Array | undefined;
  await evaluateInBatchesAsync(system.modules, set.n, batchSize, async ({ from, size: n, indices }) => {
    const images = tf.tensor3d(set.images.subarray(from * per, (from + n) * per), [n, set.size, set.size]);
    const out = await system.predict(images, wordsOf(set, indices));
    predictions.set(await tf.argMax(out.logits, -1).data(), from);
    expertRuns += out.expertRuns;
    crossRows += out.crossRows;
    if (out.routed) {
      const e = out.routed.length / n;
      routed ??= new Uint8Array(set.n * e);
      routed.set(out.routed, from * e);
    }
  });
  const hits = (keep: (i: number) => boolean) => {
    let ok = 0;
    let all = 0;
    for (let i = 0; i < set.n; i++) {
      if (!keep(i)) continue;
      all++;
      if (predictions[i] === set.answer[i]) ok++;
    }
    return all ? ok / all : NaN;
  };
  const empty = routed && emptyRouting(routed, routed.length / set.n);
  return {
    accuracy: hits(() => true),
    perType: CONTENT_TYPES.map((_, t) => hits((i) => set.type[i] === t)),
    perQuestion: QUESTIONS.map((_, q) => hits((i) => set.question[i] === q)),
    expertsPerSample: expertRuns / set.n,
    crossPerSample: crossRows / set.n,
    predictions,
    routed,
    emptyRouted: empty?.samples,
    warnings: empty?.warning ? [empty.warning] : [],
  };
}
