import { functionField, LIMITS, parseConfig, setSeed, sizeField, TrainOptionsSchema } from '@moe-zoo/core';
import { z } from 'zod';
import { ANSWERS, WORDS } from '../data/vocab';
import type { VqaSet } from '../data/vqa';
import { extendFusionAnswerer, FusionAnswerer } from '../model/fusion';
import { RoutingLabelRuleSchema, routingLabels } from '../routing/labels';
import { fusionLosses, trainFusionAnswerer } from './answer';
import { BASE_SOURCE, sourceDim, type FeatureBank } from './features';

/** Options of {@link buildRoutingLabels} (strict: a misspelt option is a `ConfigError` naming it). */
export const BuildRoutingLabelsOptionsSchema = TrainOptionsSchema.extend({
  /** The label rule (default: the paper's, see `RoutingLabelRuleSchema`; `STRICT_ROUTING_RULE` labels fewer off-type experts). */
  rule: RoutingLabelRuleSchema.optional(),
  /**
   * Answerer initialisations whose per-sample losses are averaged before the rule (default 1;
   * each one trains another E + 1 answerers).
   */
  answererSeeds: sizeField(64).optional(),
  /** Width of the answerers (default 32). */
  dim: sizeField(LIMITS.dim).optional(),
  onStep: functionField<(loss: number) => void>('a step callback').optional(),
});
/** Options of {@link buildRoutingLabels} (`epochs` is each answerer's). */
export type BuildRoutingLabelsOptions = z.input<typeof BuildRoutingLabelsOptionsSchema>;

/** Per-sample losses of the base-only and base + expert j answerers, and the labels from them. */
export interface RoutingLabelSet {
  /** [n × E] row-major 0/1. */
  labels: Uint8Array;
  /** [n] loss with the base alone (mean over the answerer seeds). */
  baseLoss: Float32Array;
  /** [n × E] loss with base + expert j (mean over the answerer seeds). */
  expertLoss: Float32Array;
}

/** A question set with the frozen features of its images. */
export interface BankedSet {
  bank: FeatureBank;
  set: VqaSet;
}

/**
 * Builds MoVA's routing labels by its rule (see {@link routingLabels}): the per-sample answer
 * loss with the base alone against the loss with base + expert j, from E + 1 answer models (as
 * the paper's N + 1 models) trained on a separate routing-data split `fit` and scored on each
 * of `score` (so no labelled sample was seen by the answerers). To compare like with like,
 * the answerers share one initialisation (expert j's input channels enter through
 * zero-initialised weights, so every answerer starts as the same function) and see the same
 * batches; only the expert's channels differ. With `answererSeeds` > 1 the whole set of answerers
 * is trained again from other initialisations and the per-sample losses are averaged.
 *
 * @returns one label set per entry of `score`, in order
 */
export async function buildRoutingLabels(
  fit: BankedSet,
  score: BankedSet[],
  options: BuildRoutingLabelsOptions,
): Promise<{ labels: RoutingLabelSet[]; seconds: number }> {
  const o = parseConfig(BuildRoutingLabelsOptionsSchema, options, 'buildRoutingLabels options');
  const e = fit.bank.expertDims.length;
  const seed = o.seed ?? 0;
  const base = score.map((s) => new Float32Array(s.set.n));
  const expert = score.map((s) => new Float32Array(s.set.n * e));
  const start = Date.now();
  const seeds = o.answererSeeds ?? 1;
  for (let a = 0; a < seeds; a++) {
    // Answerer seed 0 keeps the single-seed labels of earlier versions.
    const s0 = seed * 1000 + a * 100;
    setSeed(s0 + 37);
    const init = new FusionAnswerer({
      inputDim: fit.bank.baseDim,
      tokens: fit.bank.tokens,
      dim: o.dim ?? 32,
      heads: 4,
      blocks: 0,
      vocabSize: WORDS.length,
      numAnswers: ANSWERS.length,
    });
    try {
      for (let c = 0; c <= e; c++) {
        const sources = c === 0 ? [BASE_SOURCE] : [BASE_SOURCE, c - 1];
        const model = extendFusionAnswerer(init, c === 0 ? 0 : sourceDim(fit.bank, c - 1));
        try {
          await trainFusionAnswerer(model, fit.bank, sources, fit.set, {
            epochs: o.epochs,
            batchSize: o.batchSize,
            lr: o.lr,
            seed: s0 + 38,
            onStep: o.onStep,
          });
          for (const [k, s] of score.entries()) {
            (await fusionLosses(model, s.bank, sources, s.set)).forEach((v, i) => {
              if (c === 0) base[k][i] += v / seeds;
              else expert[k][i * e + c - 1] += v / seeds;
            });
          }
        } finally {
          model.dispose();
        }
      }
    } finally {
      init.dispose();
    }
  }
  return {
    labels: score.map((_, k) => ({
      labels: routingLabels(base[k], expert[k], o.rule),
      baseLoss: base[k],
      expertLoss: expert[k],
    })),
    seconds: (Date.now() - start) / 1000,
  };
}
