/** The public surface of @moe-zoo/audio, by name (docs/architecture.md section 5). */
export {
  type AudioSignal,
  WavError,
  decodeWav,
  loadWav,
  encodeWav,
  MAX_WAV_SECONDS,
  WAV_SAMPLE_RATES,
} from './wav';
export { fft, powerSpectrum } from './features/fft';
export {
  type StftOptions,
  type Spectrogram,
  stft,
  hzToMel,
  melToHz,
  type MelOptions,
  melFilterbank,
  type LogMelOptions,
  type FeatureMatrix,
  logMel,
  dct2,
  mfcc,
} from './features/spectral';
export { activePower, addNoise } from './data/noise';
export {
  type FeatureConfig,
  FeatureConfigSchema,
  MAX_SAMPLE_RATE,
  MAX_WINDOW_SECONDS,
  DEFAULT_FEATURES,
  featureShape,
  resample,
  featurize,
  signalToTokens,
} from './data/preprocess';
export {
  DIGIT_WORDS,
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
  AudioModelConfigSchema,
  type AudioModelConfig,
  type AudioModelConfigInput,
  AudioCheckpointConfigSchema,
  AUDIO_FORMAT,
  audioSizeChecks,
  AudioTransformer,
  type TrainAudioOptions,
  TrainAudioOptionsSchema,
  trainAudioClassifier,
  type AudioEvaluation,
  evaluateAudio,
  saveAudioModel,
  loadAudioModel,
} from './model/audio-transformer';
export { DEFAULT_AUDIO_MODEL, loadPretrained } from './pretrained';
export { type Specialisation, specialisation } from './model/specialisation';
export { type Classification, classifyWav } from './classify';
