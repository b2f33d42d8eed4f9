import { loadModel, saveModel, type LoadedModel, type ModelFormat } from '@moe-zoo/core';
import { ConvEncoder } from './conv-encoder';
import { MoVA } from './mova';
import { MoVASystem, MoVASystemConfigSchema, type MoVASystemConfig } from './mova-system';
import { CoarseRouter } from './router';

/** Builds an untrained system of a parsed config; parts already built are disposed if a later one throws. */
function buildSystem(config: MoVASystemConfig): MoVASystem {
  const built: { dispose(): void }[] = [];
  const keep = <M extends { dispose(): void }>(m: M): M => {
    built.push(m);
    return m;
  };
  try {
    return new MoVASystem({
      base: keep(new ConvEncoder(config.base)),
      experts: config.experts.map((o) => keep(new ConvEncoder(o))),
      router: keep(new CoarseRouter(config.router)),
      model: keep(new MoVA(config.model)),
      routing: config.routing,
    });
  } catch (e) {
    for (const m of built) m.dispose();
    throw e;
  }
}

/** How a {@link MoVASystem} is stored (core's checkpoint format, model `moe-zoo/mova-system`). */
export const MOVA_FORMAT: ModelFormat<MoVASystem, typeof MoVASystemConfigSchema> = {
  name: 'moe-zoo/mova-system',
  configSchema: MoVASystemConfigSchema,
  configOf: (system) => system.config,
  build: buildSystem,
};

/**
 * Saves a whole MoVA system (base, experts, router, answer model, routing; validated config and
 * optional JSON `extra`) with core's atomic checkpoint writer.
 *
 * @example
 * ```ts
 * const system = new MoVASystem({ base, experts, router, model: mova, routing: { descriptions } });
 * await saveMoVAModel('runs/mova', system, { accuracy: 0.83 });
 * const { model, config, extra } = await loadMoVAModel('runs/mova');
 * const result = evaluateSystem(model.answerSystem(), data.test);
 * ```
 */
export async function saveMoVAModel(
  dir: string,
  system: MoVASystem,
  extra?: Record<string, unknown>,
): Promise<void> {
  await saveModel(dir, MOVA_FORMAT, system, extra);
}

/** Loads a system saved by {@link saveMoVAModel}; the config is validated before any weight is allocated. */
export async function loadMoVAModel(dir: string): Promise<LoadedModel<MoVASystem, MoVASystemConfig>> {
  return loadModel(dir, MOVA_FORMAT);
}
