/** Audio models as checkpoint folders (core's file checkpoints: Node only). */
import { loadModel, saveModel, type LoadedModel, type ModelFormat } from '@moe-zoo/core';
import {
  AudioCheckpointConfigSchema,
  AudioTransformer,
  audioSizeChecks,
  type AudioModelConfig,
} from './audio-transformer';

/**
 * How an {@link AudioTransformer} is stored (core's checkpoint format). Checkpoints with the older
 * flat config (`{ kind, hidden, numExperts, topK }`) load too, converted to the current form.
 */
export const AUDIO_FORMAT: ModelFormat<AudioTransformer, typeof AudioCheckpointConfigSchema> = {
  name: 'moe-zoo-audio-transformer',
  configSchema: AudioCheckpointConfigSchema,
  configOf: (model) => model.config,
  build: (config) => new AudioTransformer(config),
  sizeChecks: audioSizeChecks,
};

/**
 * Saves the model, its config and optional JSON `extra` with core's checkpoint format.
 *
 * @example
 * ```ts
 * await saveAudioModel('runs/digits', model, { accuracy: 0.81 });
 * const { model: again, config, extra } = await loadAudioModel('runs/digits');
 * ```
 */
export async function saveAudioModel(
  dir: string,
  model: AudioTransformer,
  extra?: Record<string, unknown>,
): Promise<void> {
  await saveModel(dir, AUDIO_FORMAT, model, extra);
}

/** Loads a model saved by {@link saveAudioModel}; the config is validated before weights are allocated. */
export async function loadAudioModel(dir: string): Promise<LoadedModel<AudioTransformer, AudioModelConfig>> {
  return loadModel(dir, AUDIO_FORMAT);
}
