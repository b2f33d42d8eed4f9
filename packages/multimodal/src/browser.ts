/**
 * The browser entry of @moe-zoo/multimodal (`@moe-zoo/multimodal/browser`, and what bundlers pick
 * for `@moe-zoo/multimodal` under the `browser` condition): the inference path of the shipped
 * models with no Node built-in — the tokenizers, digit VQA (`DigitVqaModel`: MoIIE, MoTE) and
 * `answerQuestionPixels`, the modality routing statistics, MoME's audio-visual model and
 * `classifyAvDigitPixels` on a decoded signal and pixels, MoMa's digit LM with `nameDigitPixels`
 * and `drawDigits`. Files (images, WAVs: pass pixels and decoded signals instead), the data sets
 * (MNIST, spoken digits), training, file checkpoints and the shipped models stay in the Node
 * entry; load weights with core's `loadStateFromBytes`.
 */
export {
  SPECIAL_TOKENS,
  type SpecialToken,
  type EncodeOptions,
  type DecodeOptions,
  TokenizerJsonSchema,
  splitWords,
  WordTokenizer,
} from './tokenizer';
export { DIGIT_SIDE, type DigitPixels, checkDigitPixels } from './digit-pixels';
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
  type AvDigitSignals,
  type AvDigitClassification,
  DEFAULT_AV_RATE,
  classifyAvDigitPixels,
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
  DigitEncoderConfigSchema,
  type DigitEncoderConfig,
  type DigitEncoderOptions,
  DigitEncoder,
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
} from './vqa/model';
export { type MoeLayerChoice, moeLayersOf } from './vqa/slots';
export {
  TOKEN_KIND,
  type HostRouting,
  type ModalityRouting,
  ModalityRoutingStats,
  shareOn,
} from './vqa/routing-stats';
export { type ImageCodebook, encodeImages, decodeImageTokens } from './lm/image-tokens';
export { MODALITY, interleavedTokenizer, describeSequence } from './lm/interleaved';
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
  RoutingGroupSchema,
  GroupMoESlotOptionsSchema,
  type GroupMoESlotOptionsInput,
  GroupRoutedMoEConfigSchema,
  type GroupRoutedMoEConfig,
  type GroupRoutedMoEConfigInput,
  GroupRoutedMoE,
} from './moiie/group-moe';
export {
  DigitVqaConfigSchema,
  type DigitVqaConfig,
  type DigitVqaConfigInput,
  type DigitVqaInput,
  DigitVqaModel,
} from './vqa/digit-vqa';
export { type VqaAnswerResult, encodeQuestion, answerQuestionPixels, answerOf } from './vqa/answer';
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
  vqaSizeChecks,
  digitVqaSizeChecks,
  avSizeChecks,
  lmSizeChecks,
  digitLmSizeChecks,
} from './size-checks';
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
  drawDigits,
} from './moma/digit-lm-tasks';
