import { loadModel, saveModel, type LoadedModel, type ModelFormat, type SizeCheck } from '@moe-zoo/core';
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

/** Where an encoder's weights show its channels: one `<prefix>.convs.N` per convolution. */
function encoderChecks(field: string, prefix: string, channels: readonly number[]): SizeCheck[] {
  return [
    { field: `${field}.channels`, value: channels.length, blocks: `${prefix}.convs` },
    ...channels.map((c, i) => ({
      field: `${field}.channels.${i}`,
      value: c,
      tensor: `${prefix}.convs.${i}.weight`,
      axis: 3,
    })),
  ];
}

/**
 * Where a MoVA system's weights show its size fields: the encoders' channels, the number of
 * experts, the router's and the model's widths, blocks, vocabularies and token grid.
 */
export function movaSizeChecks(c: MoVASystemConfig): SizeCheck[] {
  const m = c.model;
  const checks: SizeCheck[] = [
    { field: 'experts', value: c.experts.length, blocks: 'experts' },
    ...encoderChecks('base', 'base', c.base.channels),
    ...c.experts.flatMap((e, j) => encoderChecks(`experts.${j}`, `experts.${j}`, e.channels)),
    { field: 'router.blocks', value: c.router.blocks, blocks: 'router.blocks' },
    { field: 'router.dim', value: c.router.dim, tensor: 'router.image.weight', axis: 1 },
    { field: 'router.vocabSize', value: c.router.vocabSize, tensor: 'router.words.embed.weight', axis: 0 },
    { field: 'router.maxCandidates', value: c.router.maxCandidates, tensor: 'router.slot.weight', axis: 0 },
    { field: 'model.blocks', value: m.blocks, blocks: 'model.blocks' },
    { field: 'model.baseDim', value: m.baseDim, tensor: 'model.proj.weight', axis: 0 },
    { field: 'model.dim', value: m.dim, tensor: 'model.proj.weight', axis: 1 },
    { field: 'model.tokens', value: m.tokens, tensor: 'model.pos.weight', axis: 0 },
    { field: 'model.vocabSize', value: m.vocabSize, tensor: 'model.question.embed.weight', axis: 0 },
  ];
  if (m.blocks > 0) {
    checks.push(
      { field: 'model.experts', value: m.experts, tensor: 'model.blocks.0.cross.wq', axis: 0 },
      { field: 'model.expertDim', value: m.expertDim, tensor: 'model.blocks.0.cross.wk', axis: 1 },
    );
  }
  return checks;
}

/** How a {@link MoVASystem} is stored (core's checkpoint format, model `moe-zoo/mova-system`). */
export const MOVA_FORMAT: ModelFormat<MoVASystem, typeof MoVASystemConfigSchema> = {
  name: 'moe-zoo/mova-system',
  configSchema: MoVASystemConfigSchema,
  configOf: (system) => system.config,
  build: buildSystem,
  sizeChecks: movaSizeChecks,
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
 * const result = await evaluateSystem(model.answerSystem(), data.test);
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
