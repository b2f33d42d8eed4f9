/** The public surface of @moe-zoo/multimodal, by name (docs/architecture.md section 5): the browser entry and what needs Node. */
export * from './browser';

export { type DigitImages, MNIST_SPLITS, loadDigitImages } from './mnist';
export {
  type AvSet,
  type AvDigitsOptions,
  AvDigitsOptionsSchema,
  type AvDigits,
  makeAvDigits,
} from './avdigits/data';
export { type AvBatch, avBatch, avgPoolTokens } from './avdigits/batch';
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
export { type AvDigitInput, classifyAvDigit } from './mome/classify-files';
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
  type PretrainEncoderOptions,
  PretrainEncoderOptionsSchema,
  pretrainDigitEncoder,
  encoderAccuracy,
  withEncoderTokens,
} from './vqa/vision-encoder';
export { copyMatchingWeights } from './vqa/model';
export {
  type TrainVqaOptions,
  TrainVqaOptionsSchema,
  type TrainVqaResult,
  trainVqa,
  type VqaEvaluation,
  evaluateVqa,
} from './vqa/train';
export { questionOnlyAccuracy } from './vqa/baselines';
export { type KMeansOptions, type KMeansResult, nearestCentroids, kmeans } from './lm/kmeans';
export { type ImageCodebookOptions, fitImageCodebook } from './lm/image-tokens';
export {
  type InterleavedSet,
  type InterleavedOptions,
  makeInterleavedSet,
  takeInterleaved,
} from './lm/interleaved';
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
export { answerQuestion } from './vqa/answer-question';
export { expertOutputCosine } from './moiie/expert-similarity';
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
export { type DigitImageInput } from './digit-image';
export { nameDigit } from './moma/name-digit';
