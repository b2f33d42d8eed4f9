import { classifySignal, type Classification } from './classify-signal';
import type { AudioTransformer } from './model/audio-transformer';
import { DEFAULT_AUDIO_MODEL, loadPretrained } from './pretrained';
import { loadWav, type AudioSignal } from './wav';

/**
 * Classifies the spoken digit of a WAV file (or decoded samples) with a model: by default the
 * shipped `spoken-digits-moe`; a shipped name or a folder saved by `saveAudioModel` is loaded and
 * disposed after, a loaded model is used as it is. Throws `WavError` for empty, malformed or
 * unsupported WAVs and `CheckpointError` for a bad checkpoint or an unknown name.
 *
 * @example
 * ```ts
 * const { word, probs } = await classifyWav('seven.wav');             // the shipped model
 * const mine = await classifyWav('seven.wav', 'runs/digits');          // a saved checkpoint
 * ```
 */
export async function classifyWav(
  wav: string | AudioSignal,
  model: AudioTransformer | string = DEFAULT_AUDIO_MODEL,
): Promise<Classification> {
  const signal = typeof wav === 'string' ? await loadWav(wav) : wav;
  if (typeof model !== 'string') return classifySignal(model, signal);
  const loaded = await loadPretrained(model);
  try {
    return classifySignal(loaded.model, signal);
  } finally {
    loaded.model.dispose();
  }
}
