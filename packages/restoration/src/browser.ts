/**
 * The browser entry of @moe-zoo/restoration (`@moe-zoo/restoration/browser`, and what bundlers
 * pick for `@moe-zoo/restoration` under the `browser` condition): the inference path, i.e. the
 * models (`RestorationNet`, MoFME), tiled `restoreImage`, images as pixel arrays and PSNR / SSIM,
 * with no Node built-in. Image files (sharp), weather data, training and shipped models stay in
 * the Node entry; load weights with core's `loadStateFromBytes`.
 */
export { SSIM_C1, SSIM_C2, psnr, gaussianKernel1d, type SsimOptions, ssim } from './metrics';
export { type RgbImage, createImage, cropImage, downscale } from './image';
export { type GridOptions, composeGrid } from './grid';
export { DEFAULT_MAX_PIXELS, ImageError, type ImageErrorCode } from '@moe-zoo/data';
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
  DEFAULT_MAX_TILES,
  type RestoreOptions,
  type RestoreProgress,
  restoreImage,
  restoreImageAsync,
  tileOrigins,
} from './restore';
