/** The public surface of @moe-zoo/restoration, by name (docs/architecture.md section 5). */
export * from './browser';

export {
  type DecodeOptions,
  sniffFormat,
  peekSize,
  decodeImage,
  encodeImage,
  readImageFile,
  writeImageFile,
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

export { RESTORATION_FORMAT, saveRestorationModel, loadRestorationModel } from './model-files';
export { DEFAULT_RESTORATION_MODEL, loadPretrained } from './pretrained';
export {
  TrainDeweatherOptionsSchema,
  type TrainDeweatherOptions,
  deweatherConfig,
  trainDeweather,
} from './deweather';
