/**
 * The shipped checkpoints, fetched from the studio's own server (copied there by the build) and
 * loaded with core's `loadStateFromBytes`: the same manifest + safetensors files the Node
 * packages load, checked the same way (model name, config, sha256). Each model loads once.
 */
import { fetchCheckpoint, loadStateFromBytes, parseManifest, type Module } from '@moe-zoo/core';
import { AudioCheckpointConfigSchema, AudioTransformer } from '@moe-zoo/audio';
import { DigitVqaConfigSchema, DigitVqaModel } from '@moe-zoo/multimodal';
import { RestorationConfigSchema, RestorationNet } from '@moe-zoo/restoration';
import type { z } from 'zod';

/** Fetches a checkpoint folder, builds the model from its manifest's config and loads its weights (eval mode). */
async function loadCheckpoint<S extends z.ZodType, M extends Module>(
  url: string,
  modelName: string,
  configSchema: S,
  build: (config: z.output<S>) => M,
): Promise<M> {
  const bytes = await fetchCheckpoint(url);
  const model = build(configSchema.parse(parseManifest(bytes.manifest, `${url}manifest.json`).config));
  await loadStateFromBytes(model, bytes, { expectModel: modelName, configSchema });
  model.eval();
  return model;
}

/** Loads `load(url)` once; later calls share the promise (a failure is retried next time). */
function once<T>(load: (url: string) => Promise<T>): (url: string) => Promise<T> {
  let pending: Promise<T> | undefined;
  return (url) => {
    pending ??= load(url).catch((e: unknown) => {
      pending = undefined;
      throw e;
    });
    return pending;
  };
}

/** The restoration net (`mofme-deweather`) from its checkpoint folder's URL. */
export const restorationModel = once((url) =>
  loadCheckpoint(url, 'moe-zoo/restoration-net', RestorationConfigSchema, (c) => new RestorationNet(c)),
);
/** The spoken-digit classifier (`spoken-digits-moe`) from its checkpoint folder's URL. */
export const digitModel = once((url) =>
  loadCheckpoint(
    url,
    'moe-zoo-audio-transformer',
    AudioCheckpointConfigSchema,
    (c) => new AudioTransformer(c),
  ),
);
/** The digit-VQA model (`moiie-digit-vqa`) from its checkpoint folder's URL. */
export const vqaModel = once((url) =>
  loadCheckpoint(url, 'moe-zoo/digit-vqa', DigitVqaConfigSchema, (c) => new DigitVqaModel(c)),
);
