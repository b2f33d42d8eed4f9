export { ImageError, type ImageErrorCode } from './image/error';
export {
  IMAGE_FORMATS,
  imageFormatFromPath,
  peekImageSize,
  sniffImageFormat,
  type ImageFormat,
} from './image/format';
export {
  DEFAULT_MAX_PIXELS,
  decodeImage,
  decodeImageSync,
  encodeImage,
  encodeImageSync,
  readImage,
  writeImage,
  type DecodedImage,
  type DecodeImageOptions,
  type EncodeImageOptions,
  type Normalise,
} from './image/io';
export {
  clearDatasetCache,
  DATASET_CLASS_NAMES,
  DATASET_IMAGE_PIXELS,
  DATASET_IMAGE_SIDE,
  datasetClassSizes,
  datasetImage,
  IMAGE_DATASETS,
  loadImageDataset,
  type DatasetPixels,
  type ImageDatasetName,
  type LabelledImages,
  type LoadImageDatasetOptions,
} from './datasets/mnist';
export { MissingPackageError, optionalPackageDir, type ModuleResolver } from './optional-package';
