/** The public surface of @moe-zoo/restoration, by name (docs/architecture.md section 5). */
export { SSIM_C1, SSIM_C2, psnr, gaussianKernel1d, type SsimOptions, ssim } from './metrics';
export { type RgbImage, createImage, cropImage, downscale } from './image';
export { type GridOptions, composeGrid } from './grid';
export {
  type DecodeOptions,
  sniffFormat,
  peekSize,
  decodeImage,
  encodeImage,
  readImageFile,
  writeImageFile,
  DEFAULT_MAX_PIXELS,
  ImageError,
  type ImageErrorCode,
  type ImageFormat,
} from './image-io';
export {
  WEATHER_TYPES,
  type WeatherType,
  type HazeOptions,
  addHaze,
  type RainOptions,
  addRain,
  type SnowOptions,
  addSnow,
  degrade,
} from './weather';
export {
  TRAIN_PHOTOS,
  TEST_PHOTOS,
  type PhotoName,
  loadPhoto,
  type PatchSet,
  type PatchSetOptions,
  PatchSetOptionsSchema,
  MAX_PATCH_SET_PIXELS,
  makePatchSet,
  patchBatch,
  patchImage,
} from './data';
export {
  type Modulation,
  type FiLMExpertsOptions,
  FiLMExpertsOptionsSchema,
  FiLMExperts,
  MAX_ADAPTOR_RATIO,
  mofmeSlotValues,
  MoFMESlotOptionsSchema,
  type MoFMESlotOptions,
  type MoFMESlotOptionsInput,
  MoFMEConfigSchema,
  type MoFMEConfig,
  type MoFMEConfigInput,
  MoFMELayer,
} from './mofme';
export {
  FfnSlotSchema,
  type RestorationFfnConfig,
  type RestorationFfnConfigInput,
  RestorationConfigSchema,
  type RestorationConfig,
  type RestorationConfigInput,
  type RestorationOutput,
  RestorationNet,
  MAX_TILE,
  restorationValues,
  restorationSizeChecks,
} from './model';
export {
  type TrainRestorationOptions,
  TrainRestorationOptionsSchema,
  type TrainRestorationResult,
  trainRestoration,
  RestorationLossSchema,
  type RestorationLoss,
  restorationLoss,
  type TaskScores,
  type RestorationEval,
  evaluateRestoration,
} from './train';
export { weatherInformation, weatherRoutingTest } from './routing';
export {
  type PhotoPair,
  type PhotoPairOptions,
  type PhotoEvaluation,
  type CropBox,
  makePhotoPairs,
  photoCropRows,
  cropToBox,
  evaluatePhotos,
  scoreImage,
} from './photos';
export { DEFAULT_MAX_TILES, type RestoreOptions, type RestoreProgress, restoreImage } from './restore';
export { RESTORATION_FORMAT, saveRestorationModel, loadRestorationModel } from './model-files';
export { DEFAULT_RESTORATION_MODEL, loadPretrained } from './pretrained';
export {
  TrainDeweatherOptionsSchema,
  type TrainDeweatherOptions,
  deweatherConfig,
  trainDeweather,
} from './deweather';
