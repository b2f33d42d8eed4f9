import { ConfigError, Module, parseConfig, refineParamBudget, sizeField, type tf } from '@moe-zoo/core';
import { z } from 'zod';
import { tokenize } from '../data/vocab';
import { movaSystem, type AnswerSystem } from '../train/systems';
import { routeBatch } from '../train/router';
import type { ConvEncoder } from './conv-encoder';
import type { CoarseRouter } from './router';
import type { MoVA } from './mova';
import {
  CoarseRouterOptionsSchema,
  ConvEncoderOptionsSchema,
  encoderValues,
  MAX_MOVA_EXPERTS,
  MoVAOptionsSchema,
  movaValues,
} from './part-schemas';

/**
 * How a {@link MoVASystem} routes at inference, as {@link routeBatch} does: the router reads the
 * first description of each expert, in expert order; experts above `threshold` are routed, at
 * most `maxExperts` (both as in `routeBatch` when omitted).
 *
 * @example
 * ```ts
 * const routing = { descriptions: CONTENT_TYPES.map((t) => EXPERT_DESCRIPTIONS[t]), threshold: 0.5 };
 * ```
 */
export const MoVARoutingSchema = z.strictObject({
  /** Per expert, its description variants, as given to `trainRouter` (inference reads the first). */
  descriptions: z
    .array(z.array(z.string().max(1000)).min(1).max(64))
    .min(1)
    .max(MAX_MOVA_EXPERTS),
  threshold: z.number().min(0).max(1).optional(),
  maxExperts: sizeField(MAX_MOVA_EXPERTS).optional(),
});
/** Routing options of a {@link MoVASystem}. */
export type MoVARouting = z.input<typeof MoVARoutingSchema>;

/**
 * Config of a {@link MoVASystem}: the options of each part (`ConvEncoderOptionsSchema` for the
 * base and every expert, `CoarseRouterOptionsSchema`, `MoVAOptionsSchema`) and the routing.
 * Widths, counts and vocabularies must agree across parts, and every description must be made
 * of known words; a failure names the field (e.g. `router.baseDim`). The token grids, which
 * depend on the encoders' defaults, are checked when the system is built.
 *
 * @example
 * ```ts
 * const config = parseConfig(MoVASystemConfigSchema, system.config, 'mova system config');
 * ```
 */
export const MoVASystemConfigSchema = z
  .strictObject({
    base: ConvEncoderOptionsSchema,
    experts: z.array(ConvEncoderOptionsSchema).min(1).max(MAX_MOVA_EXPERTS),
    router: CoarseRouterOptionsSchema,
    model: MoVAOptionsSchema,
    routing: MoVARoutingSchema,
  })
  .superRefine(
    refineParamBudget(
      (c: {
        base: { channels: number[] };
        experts: { channels: number[] }[];
        model: Parameters<typeof movaValues>[0];
      }) => [c.base, ...c.experts].reduce((s, e) => s + encoderValues(e.channels), 0) + movaValues(c.model),
      'experts',
    ),
  )
  .superRefine((c, ctx) => {
    if (ctx.issues.length > 0) return;
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message });
    const e = c.model.experts;
    const width = (o: { channels: number[] }) => o.channels[o.channels.length - 1];
    if (c.experts.length !== e)
      issue(['experts'], `${c.experts.length} expert encoders, model.experts is ${e}`);
    if (c.routing.descriptions.length !== e)
      issue(
        ['routing', 'descriptions'],
        `${c.routing.descriptions.length} descriptions, model.experts is ${e}`,
      );
    if (c.router.maxCandidates < e)
      issue(['router', 'maxCandidates'], `${c.router.maxCandidates} candidate slots for ${e} experts`);
    if (width(c.base) !== c.model.baseDim)
      issue(
        ['model', 'baseDim'],
        `${c.model.baseDim}, the base encoder's last channel count is ${width(c.base)}`,
      );
    if (c.router.baseDim !== c.model.baseDim)
      issue(['router', 'baseDim'], `${c.router.baseDim}, model.baseDim is ${c.model.baseDim}`);
    c.experts.forEach((o, j) => {
      if (width(o) !== c.model.expertDim)
        issue(
          ['experts', j, 'channels'],
          `last channel count ${width(o)}, model.expertDim is ${c.model.expertDim}`,
        );
    });
    if (c.router.vocabSize !== c.model.vocabSize)
      issue(['router', 'vocabSize'], `${c.router.vocabSize}, model.vocabSize is ${c.model.vocabSize}`);
    c.routing.descriptions.forEach((variants, j) =>
      variants.forEach((d, k) => {
        try {
          const top = Math.max(...tokenize(d));
          if (top >= c.router.vocabSize)
            issue(['routing', 'descriptions', j, k], `word id ${top} >= router.vocabSize`);
        } catch (err) {
          issue(['routing', 'descriptions', j, k], err instanceof Error ? err.message : String(err));
        }
      }),
    );
  });
/** Parsed config of a {@link MoVASystem}. */
export type MoVASystemConfig = z.output<typeof MoVASystemConfigSchema>;
/** Config of a {@link MoVASystem} as written by a caller. */
export type MoVASystemConfigInput = z.input<typeof MoVASystemConfigSchema>;

/** The trained parts a {@link MoVASystem} is made of. */
export interface MoVASystemParts {
  base: ConvEncoder;
  /** One expert encoder per expert, in the order of the model's experts and of `routing.descriptions`. */
  experts: ConvEncoder[];
  router: CoarseRouter;
  model: MoVA;
  routing: MoVARouting;
}

/**
 * A whole MoVA visual-question system as one module: the base encoder, the expert encoders, the
 * coarse router and the MoVA answer model are its children (state names `base.*`,
 * `experts.<j>.*`, `router.*`, `model.*`), and `config` holds every part's options plus the
 * routing, so core's checkpoints store and restore all of it (see `saveMoVAModel`). The module
 * takes over the parts: disposing it disposes them.
 *
 * @example
 * ```ts
 * const system = new MoVASystem({ base, experts, router, model: mova, routing: { descriptions } });
 * const result = await evaluateSystem(system.answerSystem(), data.test);
 * ```
 */
export class MoVASystem extends Module {
  readonly config: MoVASystemConfig;
  readonly base: ConvEncoder;
  readonly experts: ConvEncoder[];
  readonly router: CoarseRouter;
  readonly model: MoVA;

  /** Throws a `ConfigError` naming the field when the parts do not fit together. */
  constructor(parts: MoVASystemParts) {
    super();
    const label = 'mova system config';
    this.config = parseConfig(
      MoVASystemConfigSchema,
      {
        base: parts.base.options,
        experts: parts.experts.map((e) => e.options),
        router: parts.router.options,
        model: parts.model.options,
        routing: parts.routing,
      },
      label,
    );
    const { model } = parts;
    const wrong: { path: string; message: string }[] = [];
    if (parts.base.tokens !== model.options.tokens)
      wrong.push({
        path: 'model.tokens',
        message: `${model.options.tokens}, the base encoder gives ${parts.base.tokens}`,
      });
    parts.experts.forEach((e, j) => {
      if (e.tokens !== model.expertTokens)
        wrong.push({
          path: `experts.${j}`,
          message: `gives ${e.tokens} tokens, the model expects ${model.expertTokens}`,
        });
      if (e.imageSize !== parts.base.imageSize)
        wrong.push({
          path: `experts.${j}.imageSize`,
          message: `${e.imageSize}, the base reads ${parts.base.imageSize}`,
        });
    });
    if (wrong.length) throw new ConfigError(label, wrong);
    this.base = this.child('base', parts.base);
    this.experts = this.childList('experts', parts.experts);
    this.router = this.child('router', parts.router);
    this.model = this.child('model', model);
  }

  /**
   * Routes a batch as the system does at inference ({@link routeBatch} with the stored
   * descriptions and options): [B × E] row-major 0/1 and the router's probabilities.
   *
   * @param pooled mean base token of each image [B, baseDim]
   * @param words question word ids [B, W] (int32)
   */
  route(pooled: tf.Tensor2D, words: tf.Tensor2D): Promise<{ routed: Uint8Array; probs: Float32Array }> {
    const { descriptions, threshold, maxExperts } = this.config.routing;
    return routeBatch(this.router, pooled, words, descriptions, { threshold, maxExperts });
  }

  /**
   * The system as an `AnswerSystem` for `evaluateSystem` (`movaSystem` routed by {@link route}):
   * base -> router -> the routed experts on their images only -> MoVA.
   */
  answerSystem(): AnswerSystem {
    return movaSystem({
      base: this.base,
      experts: this.experts,
      model: this.model,
      route: async (pooled, words) => (await this.route(pooled, words)).routed,
    });
  }
}
