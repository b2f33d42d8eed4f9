/** The public surface of @moe-zoo/vision, by name (docs/architecture.md section 5). */
export { visionCacheDir } from './cache';
export {
  imageToTensor,
  imagesToTensor,
  DEFAULT_MAX_PIXELS,
  decodeImage,
  encodeImage,
  ImageError,
  readImage,
  writeImage,
  type DecodedImage,
  type DecodeImageOptions,
  type EncodeImageOptions,
  type ImageErrorCode,
  type ImageFormat,
  type Normalise,
} from './image/io';
export { renderSvg } from './image/svg';
export {
  CONTENT_TYPES,
  type ContentType,
  TEXT_ALPHABET,
  ANSWERS,
  answerId,
  type ImageFacts,
  type QuestionTemplate,
  QUESTIONS,
  EXPERT_DESCRIPTIONS,
  WORDS,
  MAX_WORDS,
  tokenize,
} from './data/vocab';
export { type ImagePool, imagePool } from './data/npm-images';
export { type TextSpec } from './data/text';
export { type ChartSpec, randomChartSpec } from './data/chart';
export {
  GENERATOR_VERSION,
  type VqaSet,
  type VisionDataOptions,
  type VisionData,
  loadVisionData,
  subsetVqa,
} from './data/vqa';
export { type AnswerHeadOptions, AnswerHead } from './model/answer-head';
export { type ConvEncoderOptions, ConvEncoder } from './model/conv-encoder';
export {
  type EncoderRole,
  BASE_TARGETS,
  type BaseTarget,
  createEncoder,
  type PretrainOptions,
  PretrainOptionsSchema,
  type PretrainResult,
  pretrainEncoder,
} from './train/pretrain';
export { type FusionAnswererOptions, FusionAnswererOptionsSchema, FusionAnswerer } from './model/fusion';
export { type GateOutput, selectTopK, maskedTopKGate } from './model/gating';
export {
  type RoutedExpertTokens,
  type MoVAdapterBlockOptions,
  type AdapterBlockStats,
  MoVAdapterBlock,
} from './model/adapter';
export { type MoVAOptions, type ExpertProvider, type MoVAOutput, MoVA } from './model/mova';
export { type CoarseRouterOptions, CoarseRouter, routedFromProbs } from './model/router';
export {
  RoutingLabelRuleSchema,
  type RoutingLabelOptions,
  type RoutingLabelRule,
  PAPER_ROUTING_RULE,
  STRICT_ROUTING_RULE,
  routingLabels,
  type RoutingAgreement,
  routingAgreement,
  randomRouting,
} from './routing/labels';
export { type OnTypeShare, onTypeShares } from './routing/on-type';
export { type EmptyRouting, emptyRouting } from './routing/empty';
export { type FeatureBank, buildFeatureBank, sourceDim, pooledBase, allIndices } from './train/features';
export {
  type AnswerTrainOptions,
  AnswerTrainOptionsSchema,
  type AnswerTrainResult,
  trainFusionAnswerer,
  trainMoVAModel,
} from './train/answer';
export { type RouterTrainOptions, RouterTrainOptionsSchema, trainRouter, routeBatch } from './train/router';
export {
  type SystemOutput,
  type AnswerSystem,
  fusionSystem,
  type RoutingPolicy,
  movaSystem,
  type SystemEvaluation,
  evaluateSystem,
} from './train/systems';
export {
  type BuildRoutingLabelsOptions,
  BuildRoutingLabelsOptionsSchema,
  type RoutingLabelSet,
  type BankedSet,
  buildRoutingLabels,
} from './train/routing-labels';
export { type GroupedCrossAttentionOptions, GroupedCrossAttention } from './model/grouped-cross-attention';
export {
  ViTConfigSchema,
  type ViTConfig,
  type ViTConfigInput,
  ViT,
  VIT_FORMAT,
  saveViTModel,
  loadViTModel,
  type LabelledImages,
  loadFashion,
  type TrainViTOptions,
  TrainViTOptionsSchema,
  trainViT,
  evaluateViT,
} from './model/vmoe';
export {
  ConvEncoderOptionsSchema,
  CoarseRouterOptionsSchema,
  MoVAOptionsSchema,
  MoVAdapterBlockOptionsSchema,
  GroupedCrossAttentionOptionsSchema,
  AnswerHeadOptionsSchema,
  MAX_ENCODER_CONVS,
  MAX_MOVA_EXPERTS,
  encoderValues,
  movaValues,
} from './model/part-schemas';
export {
  MoVARoutingSchema,
  type MoVARouting,
  MoVASystemConfigSchema,
  type MoVASystemConfig,
  type MoVASystemConfigInput,
  type MoVASystemParts,
  MoVASystem,
} from './model/mova-system';
export { MOVA_FORMAT, movaSizeChecks, saveMoVAModel, loadMoVAModel } from './model/mova-files';
export { type ImageClass, classifyImage } from './model/classify-image';
export { type VisualAnswer, answerVisualQuestion } from './model/answer-question';
export { loadPretrained } from './pretrained';
