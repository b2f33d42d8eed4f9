/**
 * The browser entry of @moe-zoo/audio (`@moe-zoo/audio/browser`, and what bundlers pick for
 * `@moe-zoo/audio` under the `browser` condition): the inference path, i.e. WAV bytes to signals,
 * the log-mel / MFCC features, the audio transformer and classifying a decoded signal, with no
 * Node built-in. Reading WAV files, the spoken-digit data sets, training, file checkpoints and
 * the shipped models stay in the Node entry; load weights with core's `loadStateFromBytes`.
 */
export {
  type AudioSignal,
  WavError,
  decodeWav,
  encodeWav,
  MAX_WAV_SECONDS,
  WAV_SAMPLE_RATES,
} from './wav-codec';
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
export { DIGIT_WORDS } from './data/digit-words';
export {
  AudioModelConfigSchema,
  type AudioModelConfig,
  type AudioModelConfigInput,
  AudioCheckpointConfigSchema,
  audioSizeChecks,
  AudioTransformer,
} from './model/audio-transformer';
export { type Specialisation, specialisation } from './model/specialisation';
export { type Classification, classifySignal, classificationOf, signalTensor } from './classify-signal';
