/** Shipped trained models: model cards and the `loadPretrained` every model package offers. */
export {
  CARD_FILE,
  CARD_README,
  ModelCardSchema,
  QualitySchema,
  readModelCard,
  renderModelCard,
  writeModelCard,
  type ModelCard,
  type ModelCardInput,
  type Quality,
} from './card';
export {
  pretrainedLoader,
  type FormatConfig,
  type FormatModel,
  type Pretrained,
  type PretrainedFormats,
  type PretrainedLoader,
} from './pretrained';
