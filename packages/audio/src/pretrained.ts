/** The trained models @moe-zoo/audio ships (`models/<name>/`: checkpoint + card). */
import * as path from 'path';
import { pretrainedLoader } from '@moe-zoo/core';
import { AUDIO_FORMAT } from './model/audio-files';

/** The shipped model `classifyWav` and `moe-audio-classify` use by default. */
export const DEFAULT_AUDIO_MODEL = 'spoken-digits-moe';

/**
 * Loads a shipped audio model by name (`spoken-digits-moe`: spoken-digit classification with a
 * top-2 MoE) or a folder saved with `saveAudioModel`; returns the model, its config, its model
 * card and its folder.
 *
 * @example
 * ```ts
 * const { model, card } = await loadPretrained('spoken-digits-moe');
 * console.log(card?.quality[0]);
 * ```
 */
export const loadPretrained = pretrainedLoader('@moe-zoo/audio', path.join(__dirname, '..', 'models'), {
  [DEFAULT_AUDIO_MODEL]: AUDIO_FORMAT,
});
