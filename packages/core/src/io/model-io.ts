/**
 * Saving and loading whole models: the one shape every package's `save<Name>Model(dir, model,
 * extra?)` / `load<Name>Model(dir)` pair is built on.
 */
import * as path from 'path';
import type { z } from 'zod';
import { ConfigError } from '../config/parse';
import type { Module } from '../nn/module';
import { ParamBudgetError, withParamBudget } from '../nn/param-budget';
import { tf } from '../tf';
import { loadCheckpoint, saveCheckpoint } from './checkpoint';
import { CheckpointError } from './errors';
import {
  checkExactTensors,
  checkSizes,
  headerValues,
  type SizeCheck,
  type TensorHeader,
} from './header-check';
import { MANIFEST_FILE, MODEL_FILE, validateConfig } from './manifest';

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
  /**
   * The config's size fields and where the weights show them (`dim` is axis 1 of
   * `embed.weight`, `depth` counts `blocks.N`): checked against the tensor file's header before
   * `build`, so an edited manifest is refused naming the field instead of allocating.
   */
  sizeChecks?(config: z.output<S>): SizeCheck[];
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

/** Dtypes and shapes of named tensors, as a header describes them. */
function headerOf(tensors: Record<string, tf.Tensor>): TensorHeader {
  return Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, { dtype: t.dtype, shape: t.shape }]));
}

/**
 * `build` within the file's parameter budget. A config implying more values than the file holds
 * is a `SHAPE` error on the tensor file; a constructor's `ConfigError` a `CONFIG` error naming
 * the manifest and the field.
 */
function buildWithin<M extends Module, S extends z.ZodType>(
  format: ModelFormat<M, S>,
  config: z.output<S>,
  values: number,
  files: { manifest: string; tensors: string },
): M {
  try {
    return withParamBudget(values, () => format.build(config));
  } catch (e) {
    if (e instanceof ParamBudgetError) {
      throw new CheckpointError(
        'SHAPE',
        `does not fit a ${format.name} of this config (it holds ${e.budget} values, the config in ${MANIFEST_FILE} implies more)`,
        { source: files.tensors, cause: e },
      );
    }
    if (e instanceof ConfigError) {
      const first = e.issues[0];
      throw new CheckpointError('CONFIG', e.message, {
        source: files.manifest,
        field: first?.path ? `config.${first.path}` : 'config',
        cause: e,
      });
    }
    throw e;
  }
}

/**
 * Loads a model saved by {@link saveModel}. Before anything is built: the manifest, the model
 * name, the config (strict schema with bounds) and the checksums are checked, then the config's
 * size fields against the tensor file's header (`sizeChecks`); the model is then built within
 * the number of values the file holds (a larger config stops before allocating), and its
 * parameters must match the header exactly (names, dtypes, shapes) before the weights are loaded.
 * Every refusal is a {@link CheckpointError} naming the file and the field or tensor; nothing is
 * left allocated when any step fails.
 */
export async function loadModel<M extends Module, S extends z.ZodType>(
  dir: string,
  format: ModelFormat<M, S>,
): Promise<LoadedModel<M, z.output<S>>> {
  const manifestFile = path.join(dir, MANIFEST_FILE);
  const tensorFile = path.join(dir, MODEL_FILE);
  const { manifest, state, files } = await loadCheckpoint(dir, {
    expectModel: format.name,
    configSchema: format.configSchema,
  });
  try {
    // Checked by loadCheckpoint already; a failure here is still a CONFIG error, never a ZodError.
    validateConfig(manifest.config, format.configSchema, manifestFile);
    const config: z.output<S> = format.configSchema.parse(manifest.config);
    const header = headerOf(state);
    checkSizes(format.sizeChecks?.(config) ?? [], header, manifestFile, tensorFile);
    const model = buildWithin(format, config, headerValues(header), {
      manifest: manifestFile,
      tensors: tensorFile,
    });
    try {
      checkExactTensors(headerOf(model.stateDict()), header, tensorFile, `a ${format.name} of this config`);
      model.loadStateDict(state);
    } catch (e) {
      model.dispose();
      if (e instanceof CheckpointError) throw e;
      const why = e instanceof Error ? e.message : String(e);
      throw new CheckpointError('SHAPE', `does not fit a ${format.name} of this config (${why})`, {
        source: tensorFile,
        cause: e,
      });
    }
    return { model, config, extra: manifest.extra ?? {} };
  } finally {
    tf.dispose([...Object.values(state), ...Object.values(files).flatMap((f) => Object.values(f))]);
  }
}
