/** The public surface of @moe-zoo/multimodal, by name (docs/architecture.md section 5). */
export { type DigitImages, MNIST_SPLITS, loadDigitImages } from './mnist';
export {
  SPECIAL_TOKENS,
  type SpecialToken,
  type EncodeOptions,
  type DecodeOptions,
  TokenizerJsonSchema,
  splitWords,
  WordTokenizer,
} from './tokenizer';
export {
  type AvSet,
  type AvDigitsOptions,
  AvDigitsOptionsSchema,
  type AvDigits,
  makeAvDigits,
} from './avdigits/data';
export { type AvBatch, avBatch, avgPoolTokens } from './avdigits/batch';
export { type RatePair, MOME_RATES, FULL_RATE, rateKey } from './mome/rates';
export { AvBackboneConfigSchema, type AvBackboneConfig, AvBackbone } from './mome/backbone';
export {
  BottleneckAdapter,
  type MomeAdapterOptions,
  MomeAdapterOptionsSchema,
  MomeAdapter,
} from './mome/adapters';
export {
  AvAdapterConfigSchema,
  AvModelConfigSchema,
  type AvModelConfig,
  type AvModelConfigInput,
  AvModel,
} from './mome/model';
export {
  type TrainAvOptions,
  TrainAvOptionsSchema,
  trainAvModel,
  type PretrainAvOptions,
  PretrainAvOptionsSchema,
  pretrainAvBackbone,
  type TrainAvAdaptersOptions,
  TrainAvAdaptersOptionsSchema,
  trainAvAdapters,
  type LayerRoutes,
  type AvRateEvaluation,
  evaluateAvModel,
} from './mome/train';
export {
  type TokenSegment,
  type ExpertOverlap,
  alignedExpertOverlap,
  type MomeOverlap,
  momeOverlap,
} from './mome/overlap';
export {
  type AvDigitInput,
  type AvDigitClassification,
  DEFAULT_AV_RATE,
  classifyAvDigit,
} from './mome/classify';
export {
  DIGIT_NAMES,
  VQA_ANSWERS,
  type VqaAnswer,
  QUESTION_TYPES,
  type QuestionType,
  type InkHalves,
  type VqaQuestion,
  inkHalves,
  shiftImage,
  vqaTokenizer,
} from './vqa/questions';
export {
  type VisualTokens,
  type VqaSet,
  type MakeVqaOptions,
  MakeVqaOptionsSchema,
  MAX_VQA_SAMPLES,
  makeVqaSet,
  takeVqa,
  withPatchTokens,
  type VqaInput,
  type VqaBatch,
  vqaBatch,
} from './vqa/data';
export {
  DigitEncoderConfigSchema,
  type DigitEncoderConfig,
  type DigitEncoderOptions,
  DigitEncoder,
  type PretrainEncoderOptions,
  PretrainEncoderOptionsSchema,
  pretrainDigitEncoder,
  encoderAccuracy,
  withEncoderTokens,
} from './vqa/vision-encoder';
export { VqaFfnSlotSchema, type VqaFfnSlot, type VqaFfnSlotInput } from './vqa/ffn-slot';
export {
  VqaModelConfigSchema,
  type VqaModelConfig,
  type VqaModelConfigInput,
  vqaFfnSlots,
  moeLayerIndices,
  PatchConnector,
  VqaTransformer,
  copyMatchingWeights,
} from './vqa/model';
export { type MoeLayerChoice } from './vqa/slots';
export {
  type TrainVqaOptions,
  TrainVqaOptionsSchema,
  type TrainVqaResult,
  trainVqa,
  type VqaEvaluation,
  evaluateVqa,
} from './vqa/train';
export {
  TOKEN_KIND,
  type HostRouting,
  type ModalityRouting,
  ModalityRoutingStats,
  shareOn,
} from './vqa/routing-stats';
export { questionOnlyAccuracy } from './vqa/baselines';
export { type KMeansOptions, type KMeansResult, nearestCentroids, kmeans } from './lm/kmeans';
export {
  type ImageCodebook,
  type ImageCodebookOptions,
  fitImageCodebook,
  encodeImages,
  decodeImageTokens,
} from './lm/image-tokens';
export {
  MODALITY,
  interleavedTokenizer,
  type InterleavedSet,
  type InterleavedOptions,
  makeInterleavedSet,
  describeSequence,
  takeInterleaved,
} from './lm/interleaved';
export { AuxRouter } from './moma/aux-router';
export {
  ExpertGroupSchema,
  type ExpertGroupSpec,
  ModalityGroupedMoEConfigSchema,
  type ModalityGroupedMoEConfig,
  type ModalityGroupedMoEConfigInput,
  type LmRouting,
  type GroupRoutingStats,
  type CollectedRouting,
  type ExpertGroupContext,
  type GroupedMoEContext,
  ExpertChoiceGroup,
  ModalityGroupedMoE,
} from './moma/grouped-ec';
export {
  InterleavedLmConfigSchema,
  type InterleavedLmConfig,
  type InterleavedLmConfigInput,
  type LmFfnConfig,
  MOMA_ARMS,
  type LmForwardOptions,
  InterleavedLM,
} from './moma/lm';
export {
  type LmBatch,
  lmBatch,
  type TrainLmOptions,
  TrainLmOptionsSchema,
  type LmCurves,
  trainLm,
  type LmEvaluation,
  evaluateLm,
  type TrainAuxOptions,
  TrainAuxOptionsSchema,
  trainAuxRouters,
  auxRouterAgreement,
} from './moma/train';
export { movingAverage, type FlopsSavings, flopsSavings, pairedStandardError } from './moma/savings';
export {
  RoutingGroupSchema,
  GroupMoESlotOptionsSchema,
  type GroupMoESlotOptionsInput,
  GroupRoutedMoEConfigSchema,
  type GroupRoutedMoEConfig,
  type GroupRoutedMoEConfigInput,
  GroupRoutedMoE,
} from './moiie/group-moe';
export {
  MOIIE_ARMS,
  type MoiieArm,
  armGroups,
  type UpcycleArmOptions,
  UpcycleArmOptionsSchema,
  armSlot,
  widenFfn,
  upcycleArm,
} from './moiie/arms';
export { pretrainLanguageModel, alignConnector, instructionTune } from './moiie/recipe';
export {
  type VqaStagesPlan,
  type VqaStage,
  type VqaStageReport,
  type PreparedVqaBase,
  prepareVqaBase,
} from './moiie/stages';
export {
  DigitVqaConfigSchema,
  type DigitVqaConfig,
  type DigitVqaConfigInput,
  type DigitVqaInput,
  DigitVqaModel,
} from './vqa/digit-vqa';
export {
  DigitVqaRecipeSchema,
  type DigitVqaRecipe,
  type DigitVqaRecipeInput,
  type DigitVqaArm,
  type DigitVqaStage,
  DIGIT_VQA_MOTE_DEFAULTS,
  type TrainDigitVqaOptions,
  TrainDigitVqaOptionsSchema,
  MAX_RECIPE_SAMPLES,
  type TrainedDigitVqa,
  type DigitVqaScore,
  digitVqaSteps,
  evaluateDigitVqa,
  trainDigitVqa,
} from './moiie/train-digit-vqa';
export { type VqaAnswerResult, answerQuestion } from './vqa/answer';
export { expertOutputCosine } from './moiie/expert-similarity';
export {
  type ExpertWeightFormat,
  ExpertWeightFormatSchema,
  type QuantFfnExpertsOptions,
  QuantFfnExpertsOptionsSchema,
  QuantFfnExperts,
} from './mote/quant-experts';
export {
  binaryBytes,
  type PackedTernaryExperts,
  packTernaryExperts,
  unpackTernaryExperts,
  packedBytes,
  quantBankBytes,
  floatExpertBytes,
  equalMemoryHidden,
} from './mote/memory';
export {
  MoTESlotOptionsSchema,
  type MoTESlotOptionsInput,
  MoTELayerConfigSchema,
  type MoTELayerConfig,
  type MoTELayerConfigInput,
  MoTELayer,
} from './mote/mote-layer';
export {
  type BuildMoteOptions,
  BuildMoteOptionsSchema,
  buildMote,
  type BuildFloatMoeOptions,
  BuildFloatMoeOptionsSchema,
  buildFloatMoe,
  continueDense,
} from './mote/upcycle';
export {
  vqaSizeChecks,
  digitVqaSizeChecks,
  avSizeChecks,
  lmSizeChecks,
  digitLmSizeChecks,
} from './size-checks';
export {
  MOMA_FORMAT,
  MOME_FORMAT,
  VQA_FORMAT,
  DIGIT_VQA_FORMAT,
  DIGIT_LM_FORMAT,
  saveDigitLmModel,
  loadDigitLmModel,
  saveDigitVqaModel,
  loadDigitVqaModel,
  saveMomaModel,
  loadMomaModel,
  saveMomeModel,
  loadMomeModel,
  saveVqaModel,
  loadVqaModel,
} from './model-files';
export { loadPretrained } from './pretrained';
export { DIGIT_SIDE, type DigitImageInput } from './digit-pixels';
export {
  DigitLmConfigSchema,
  type DigitLmConfig,
  type DigitLmConfigInput,
  DigitLmModel,
} from './moma/digit-lm';
export {
  type DigitNaming,
  type DigitDrawing,
  type DrawDigitOptions,
  nameDigitPixels,
  nameDigit,
  drawDigits,
} from './moma/digit-lm-tasks';
