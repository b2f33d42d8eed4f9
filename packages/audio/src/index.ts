/** The public surface of @moe-zoo/audio, by name (docs/architecture.md section 5). */
export * from './browser';

export { loadWav } from './wav';
export {
  DEFAULT_SNRS,
  snrLabel,
  SpokenDigitsManifestSchema,
  type AudioSet,
  type SpokenDigitsOptions,
  SpokenDigitsOptionsSchema,
  type SpokenDigits,
  loadSpokenDigits,
} from './data/spoken-digits';
export {
  type TrainAudioOptions,
  TrainAudioOptionsSchema,
  trainAudioClassifier,
  type AudioEvaluation,
  evaluateAudio,
} from './model/train-audio';
export { AUDIO_FORMAT, saveAudioModel, loadAudioModel } from './model/audio-files';
export { DEFAULT_AUDIO_MODEL, loadPretrained } from './pretrained';
export { classifyWav } from './classify';
