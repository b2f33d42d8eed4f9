/**
 * Saving and loading whole models: the one shape every package's `save<Name>Model(dir, model,
 * extra?)` / `load<Name>Model(dir)` pair is built on.
 */
import * as path from 'path';
import type { z } from 'zod';
import type { Module } from '../nn/module';
import { tf } from '../tf';
import { loadCheckpoint, saveCheckpoint } from './checkpoint';
import { CheckpointError } from './errors';
import { MODEL_FILE } from './manifest';

/** How one kind of model is stored: its checkpoint name, its config schema and its constructor. */
export interface ModelFormat<M extends Module, S extends z.ZodType> {
  /** Written to the manifest; a checkpoint of another model is refused on load (code `MODEL`). */
  readonly name: string;
  /** Validates the config on save and on load, before any weight is allocated. */
  readonly configSchema: S;
  /** The config a model was built from (stored in the manifest). */
  configOf(model: M): z.input<S>;
  /** An untrained model of a parsed config. */
  build(config: z.output<S>): M;
}

/** What {@link loadModel} returns. */
export interface LoadedModel<M extends Module, C> {
  model: M;
  /** The parsed config the model was built from. */
  config: C;
  /** The JSON saved beside the weights (training record, scores, ...); `{}` when none was. */
  extra: Record<string, unknown>;
}

/**
 * Saves a model's weights and config with core's atomic checkpoint writer; a config its schema
 * refuses is a `CONFIG` error naming the field, and nothing is written.
 *
 * @example
 * ```ts
 * await saveModel('runs/net', NET_FORMAT, net, { steps: 1000 });
 * const { model, config, extra } = await loadModel('runs/net', NET_FORMAT);
 * ```
 */
export async function saveModel<M extends Module, S extends z.ZodType>(
  dir: string,
  format: ModelFormat<M, S>,
  model: M,
  extra?: Record<string, unknown>,
): Promise<void> {
  await saveCheckpoint(dir, {
    model: format.name,
    state: model.stateDict(),
    config: format.configOf(model),
    configSchema: format.configSchema,
    extra,
  });
}

/**
 * Loads a model saved by {@link saveModel}: checks the manifest, the model name, the config and
 * the checksums before building the model, then loads the weights strictly. Nothing is left
 * allocated when any step fails.
 */
export async function loadModel<M extends Module, S extends z.ZodType>(
  dir: string,
  format: ModelFormat<M, S>,
): Promise<LoadedModel<M, z.output<S>>> {
  const { manifest, state, files } = await loadCheckpoint(dir, {
    expectModel: format.name,
    configSchema: format.configSchema,
  });
  try {
    const config: z.output<S> = format.configSchema.parse(manifest.config);
    const model = format.build(config);
    try {
      model.loadStateDict(state);
    } catch (e) {
      model.dispose();
      const why = e instanceof Error ? e.message : String(e);
      throw new CheckpointError('SHAPE', `does not fit a ${format.name} of this config (${why})`, {
        source: path.join(dir, MODEL_FILE),
        cause: e,
      });
    }
    return { model, config, extra: manifest.extra ?? {} };
  } finally {
    tf.dispose([...Object.values(state), ...Object.values(files).flatMap((f) => Object.values(f))]);
  }
}
