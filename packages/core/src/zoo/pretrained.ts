/**
 * Shipped models by name: each model package keeps its trained models in `<package>/models/<name>/`
 * (a checkpoint plus its card) and offers `loadPretrained(name | dir)` built on {@link pretrainedLoader}.
 */
import { existsSync, statSync } from 'fs';
import * as path from 'path';
import type { z } from 'zod';
import { MAX_MANIFEST_BYTES, readChecked } from '../io/checkpoint';
import { CheckpointError } from '../io/errors';
import { MANIFEST_FILE, parseManifest } from '../io/manifest';
import { loadModel, type LoadedModel, type ModelFormat } from '../io/model-io';
import type { Module } from '../nn/module';
import { readModelCard, type ModelCard } from './card';

/** A loaded shipped (or user-saved) model: the model, its config, its card and where it came from. */
export interface Pretrained<M extends Module, C> extends LoadedModel<M, C> {
  /** The model card; undefined for a user's checkpoint folder without one. */
  card: ModelCard | undefined;
  /** The folder the model was loaded from. */
  dir: string;
}

/** The formats of a package's shipped models, by model name. */
export type PretrainedFormats = Record<string, ModelFormat<Module, z.ZodType>>;

/** The model type of a format. */
export type FormatModel<F> = F extends ModelFormat<infer M, z.ZodType> ? M : never;
/** The parsed config type of a format. */
export type FormatConfig<F> = F extends ModelFormat<Module, infer S> ? z.output<S> : never;

/** What {@link pretrainedLoader} returns: load by shipped name (typed) or by a checkpoint folder. */
export interface PretrainedLoader<F extends PretrainedFormats> {
  <N extends keyof F & string>(name: N): Promise<Pretrained<FormatModel<F[N]>, FormatConfig<F[N]>>>;
  (nameOrDir: string): Promise<Pretrained<FormatModel<F[keyof F]>, FormatConfig<F[keyof F]>>>;
  /** The shipped names. */
  readonly names: readonly (keyof F & string)[];
  /** The folder of a shipped model, or of a checkpoint folder given by path. */
  resolve(nameOrDir: string): string;
}

function isDirectory(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}

/**
 * Builds a package's `loadPretrained`: a shipped name loads `<modelsDir>/<name>` with that name's
 * format; anything else is taken as a checkpoint folder, loaded with the format its manifest
 * names (one of the package's formats). Unknown names and missing folders are a `MISSING`
 * {@link CheckpointError} listing the shipped names.
 *
 * @example
 * ```ts
 * export const loadPretrained = pretrainedLoader('@moe-zoo/audio', path.join(__dirname, '..', 'models'), {
 *   'spoken-digits-moe': AUDIO_FORMAT,
 * });
 * const { model, card } = await loadPretrained('spoken-digits-moe');
 * ```
 */
export function pretrainedLoader<F extends PretrainedFormats>(
  packageName: string,
  modelsDir: string,
  formats: F,
): PretrainedLoader<F> {
  const names = Object.keys(formats) as (keyof F & string)[];
  const resolve = (nameOrDir: string): string => {
    if (Object.prototype.hasOwnProperty.call(formats, nameOrDir)) {
      const dir = path.join(modelsDir, nameOrDir);
      if (!isDirectory(dir)) {
        throw new CheckpointError('MISSING', `${packageName} ships no folder for model "${nameOrDir}"`, {
          source: dir,
        });
      }
      return dir;
    }
    if (isDirectory(nameOrDir)) return path.resolve(nameOrDir);
    throw new CheckpointError(
      'MISSING',
      `"${nameOrDir}" is neither a model of ${packageName} (${names.join(', ')}) nor a checkpoint folder`,
      { source: nameOrDir },
    );
  };
  const formatOf = async (nameOrDir: string, dir: string): Promise<ModelFormat<Module, z.ZodType>> => {
    if (Object.prototype.hasOwnProperty.call(formats, nameOrDir)) return formats[nameOrDir];
    const manifestFile = path.join(dir, MANIFEST_FILE);
    if (!existsSync(manifestFile)) {
      throw new CheckpointError('MISSING', `${dir} holds no ${MANIFEST_FILE}: not a checkpoint folder`, {
        source: manifestFile,
      });
    }
    const text = (await readChecked(manifestFile, MAX_MANIFEST_BYTES)).toString('utf8');
    const model = parseManifest(text, manifestFile).model;
    const format = Object.values(formats).find((f) => f.name === model);
    if (!format) {
      const known = [...new Set(Object.values(formats).map((f) => f.name))].join(', ');
      throw new CheckpointError('MODEL', `holds a "${model}" model; ${packageName} loads ${known}`, {
        source: manifestFile,
      });
    }
    return format;
  };
  // The overloads' precise types hold by construction: a name's format built the model.
  const load = async (nameOrDir: string): Promise<Pretrained<Module, unknown>> => {
    const dir = resolve(nameOrDir);
    const format = await formatOf(nameOrDir, dir);
    const card = await readModelCard(dir);
    const loaded = await loadModel(dir, format);
    return { ...loaded, card, dir };
  };
  return Object.assign(load, { names, resolve }) as unknown as PretrainedLoader<F>;
}
