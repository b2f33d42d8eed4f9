/** The trained models @moe-zoo/restoration ships (`models/<name>/`: checkpoint + card). */
import * as path from 'path';
import { pretrainedLoader } from '@moe-zoo/core';
import { RESTORATION_FORMAT } from './model-files';

/** The shipped model `moe-restore` and {@link loadPretrained} use by default. */
export const DEFAULT_RESTORATION_MODEL = 'mofme-deweather';

/**
 * Loads a shipped restoration model by name (`mofme-deweather`: MoFME all-weather removal of
 * rain, snow and haze) or a folder saved with `saveRestorationModel`; returns the net, its config,
 * its model card and its folder.
 *
 * @example
 * ```ts
 * const { model, card } = await loadPretrained('mofme-deweather');
 * const clean = restoreImage(model, await readImageFile('rainy.jpg'));
 * ```
 */
export const loadPretrained = pretrainedLoader('@moe-zoo/restoration', path.join(__dirname, '..', 'models'), {
  [DEFAULT_RESTORATION_MODEL]: RESTORATION_FORMAT,
});
