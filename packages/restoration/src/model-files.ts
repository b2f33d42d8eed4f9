import { loadModel, saveModel, type LoadedModel, type ModelFormat } from '@moe-zoo/core';
import {
  RestorationConfigSchema,
  RestorationNet,
  restorationSizeChecks,
  type RestorationConfig,
} from './model';

/** How a {@link RestorationNet} is stored (core's checkpoint format, model `moe-zoo/restoration-net`). */
export const RESTORATION_FORMAT: ModelFormat<RestorationNet, typeof RestorationConfigSchema> = {
  name: 'moe-zoo/restoration-net',
  configSchema: RestorationConfigSchema,
  configOf: (net) => net.config,
  build: (config) => new RestorationNet(config),
  sizeChecks: restorationSizeChecks,
};

/**
 * Saves a restoration net (weights, validated config and optional JSON `extra`) with core's atomic
 * checkpoint writer.
 *
 * @example
 * ```ts
 * await saveRestorationModel('runs/mofme', net, { steps: 3072 });
 * const { model, config, extra } = await loadRestorationModel('runs/mofme');
 * ```
 */
export async function saveRestorationModel(
  dir: string,
  model: RestorationNet,
  extra?: Record<string, unknown>,
): Promise<void> {
  await saveModel(dir, RESTORATION_FORMAT, model, extra);
}

/** Loads a net saved by {@link saveRestorationModel}; the config is validated before any allocation. */
export async function loadRestorationModel(
  dir: string,
): Promise<LoadedModel<RestorationNet, RestorationConfig>> {
  return loadModel(dir, RESTORATION_FORMAT);
}
