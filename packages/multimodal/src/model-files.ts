/** Saving and loading the multimodal models with core's checkpoint format (one format per model). */
import { loadModel, saveModel, type LoadedModel, type ModelFormat } from '@moe-zoo/core';
import { DigitLmConfigSchema, DigitLmModel, type DigitLmConfig } from './moma/digit-lm';
import { InterleavedLM, InterleavedLmConfigSchema, type InterleavedLmConfig } from './moma/lm';
import { AvModel, AvModelConfigSchema, type AvModelConfig } from './mome/model';
import { VqaModelConfigSchema, VqaTransformer, type VqaModelConfig } from './vqa/model';
import { DigitVqaConfigSchema, DigitVqaModel, type DigitVqaConfig } from './vqa/digit-vqa';
import {
  avSizeChecks,
  digitLmSizeChecks,
  digitVqaSizeChecks,
  lmSizeChecks,
  vqaSizeChecks,
} from './size-checks';

/** How a MoMa {@link InterleavedLM} (or its dense twin) is stored. */
export const MOMA_FORMAT: ModelFormat<InterleavedLM, typeof InterleavedLmConfigSchema> = {
  name: 'moe-zoo/moma-lm',
  configSchema: InterleavedLmConfigSchema,
  configOf: (model) => model.config,
  build: (config) => new InterleavedLM(config),
  sizeChecks: (config) => lmSizeChecks(config),
};

/** How a whole {@link DigitLmModel} (the MoMa LM and its image codebook, e.g. the shipped `moma-digit-lm`) is stored. */
export const DIGIT_LM_FORMAT: ModelFormat<DigitLmModel, typeof DigitLmConfigSchema> = {
  name: 'moe-zoo/digit-lm',
  configSchema: DigitLmConfigSchema,
  configOf: (model) => model.config,
  build: (config) => new DigitLmModel(config),
  sizeChecks: digitLmSizeChecks,
};

/** How a MoME {@link AvModel} (backbone and adapters) is stored. */
export const MOME_FORMAT: ModelFormat<AvModel, typeof AvModelConfigSchema> = {
  name: 'moe-zoo/mome-av',
  configSchema: AvModelConfigSchema,
  configOf: (model) => model.config,
  build: (config) => new AvModel(config),
  sizeChecks: avSizeChecks,
};

/**
 * How a {@link VqaTransformer} is stored: dense, MoIIE arms, MoTE and float MoE alike, since every
 * block's FFN slot is in its config.
 */
export const VQA_FORMAT: ModelFormat<VqaTransformer, typeof VqaModelConfigSchema> = {
  name: 'moe-zoo/vqa-transformer',
  configSchema: VqaModelConfigSchema,
  configOf: (model) => model.config,
  build: (config) => new VqaTransformer(config),
  sizeChecks: (config) => vqaSizeChecks(config),
};

/**
 * How a whole {@link DigitVqaModel} (vision tower + VQA transformer, e.g. the shipped
 * `moiie-digit-vqa`) is stored: both configs in one, weights under `encoder.*` and `vqa.*`.
 */
export const DIGIT_VQA_FORMAT: ModelFormat<DigitVqaModel, typeof DigitVqaConfigSchema> = {
  name: 'moe-zoo/digit-vqa',
  configSchema: DigitVqaConfigSchema,
  configOf: (model) => model.config,
  build: (config) => new DigitVqaModel(config),
  sizeChecks: digitVqaSizeChecks,
};

/**
 * Saves a MoMa language model (weights, config and optional JSON `extra`).
 *
 * @example
 * ```ts
 * await saveMomaModel('runs/moma', lm, { steps: 400 });
 * const { model, config, extra } = await loadMomaModel('runs/moma');
 * ```
 */
export async function saveMomaModel(
  dir: string,
  model: InterleavedLM,
  extra?: Record<string, unknown>,
): Promise<void> {
  await saveModel(dir, MOMA_FORMAT, model, extra);
}

/** Loads a model saved by {@link saveMomaModel}; the config is validated before weights are allocated. */
export async function loadMomaModel(dir: string): Promise<LoadedModel<InterleavedLM, InterleavedLmConfig>> {
  return loadModel(dir, MOMA_FORMAT);
}

/**
 * Saves a MoMa digit LM with its image codebook (weights, config and optional JSON `extra`).
 *
 * @example
 * ```ts
 * await saveDigitLmModel('runs/moma-digits', DigitLmModel.of(lm, codebook));
 * const { model } = await loadDigitLmModel('runs/moma-digits');
 * ```
 */
export async function saveDigitLmModel(
  dir: string,
  model: DigitLmModel,
  extra?: Record<string, unknown>,
): Promise<void> {
  await saveModel(dir, DIGIT_LM_FORMAT, model, extra);
}

/** Loads a model saved by {@link saveDigitLmModel}; the config is validated before weights are allocated. */
export async function loadDigitLmModel(dir: string): Promise<LoadedModel<DigitLmModel, DigitLmConfig>> {
  return loadModel(dir, DIGIT_LM_FORMAT);
}

/**
 * Saves a MoME audio-visual model (weights, config and optional JSON `extra`).
 *
 * @example
 * ```ts
 * await saveMomeModel('runs/mome', model);
 * const { model: again } = await loadMomeModel('runs/mome');
 * ```
 */
export async function saveMomeModel(
  dir: string,
  model: AvModel,
  extra?: Record<string, unknown>,
): Promise<void> {
  await saveModel(dir, MOME_FORMAT, model, extra);
}

/** Loads a model saved by {@link saveMomeModel}; the config is validated before weights are allocated. */
export async function loadMomeModel(dir: string): Promise<LoadedModel<AvModel, AvModelConfig>> {
  return loadModel(dir, MOME_FORMAT);
}

/**
 * Saves a digit-VQA model (weights, config and optional JSON `extra`). Weight surgery done after
 * construction (up-cycled experts, noise on copies, a MoTE layer's shared FFN) is in the weights.
 *
 * @example
 * ```ts
 * await saveVqaModel('runs/moiie', upcycleArm(base, 'moiie'), { epochs: 2 });
 * const { model, config, extra } = await loadVqaModel('runs/moiie');
 * ```
 */
export async function saveVqaModel(
  dir: string,
  model: VqaTransformer,
  extra?: Record<string, unknown>,
): Promise<void> {
  await saveModel(dir, VQA_FORMAT, model, extra);
}

/**
 * Loads a model saved by {@link saveVqaModel}; the config is validated before weights are allocated.
 * Trainable flags are not stored: everything loads trainable except a MoTE layer's shared FFN.
 */
export async function loadVqaModel(dir: string): Promise<LoadedModel<VqaTransformer, VqaModelConfig>> {
  return loadModel(dir, VQA_FORMAT);
}

/**
 * Saves a whole digit-VQA model, vision tower included (weights, config and optional JSON `extra`).
 *
 * @example
 * ```ts
 * const { model } = await trainDigitVqa({ seed: 0 });
 * await saveDigitVqaModel('runs/digit-vqa', model, { seed: 0 });
 * const { model: again, config, extra } = await loadDigitVqaModel('runs/digit-vqa');
 * ```
 */
export async function saveDigitVqaModel(
  dir: string,
  model: DigitVqaModel,
  extra?: Record<string, unknown>,
): Promise<void> {
  await saveModel(dir, DIGIT_VQA_FORMAT, model, extra);
}

/**
 * Loads a model saved by {@link saveDigitVqaModel}; the config is validated before weights are
 * allocated. The vision tower loads frozen, the transformer trainable.
 */
export async function loadDigitVqaModel(dir: string): Promise<LoadedModel<DigitVqaModel, DigitVqaConfig>> {
  return loadModel(dir, DIGIT_VQA_FORMAT);
}
