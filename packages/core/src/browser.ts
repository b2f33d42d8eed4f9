/**
 * The browser entry of @moe-zoo/core (`@moe-zoo/core/browser`, and what bundlers pick for
 * `@moe-zoo/core` under the `browser` condition): everything of the Node entry that needs no Node
 * built-in. Left out, in the Node entry only: command lines (`createCli`, ...), `cacheDir`, file
 * checkpoints (`saveCheckpoint`, `loadModel`, ...), shipped models (`loadPretrained`, cards), and
 * the `Trainer` / `fitShuffled` / progress bars (file checkpoints, terminal output). Checkpoints
 * load from bytes instead ({@link loadStateFromBytes}, {@link fetchCheckpoint}); `initBackend`
 * starts webgpu, wasm (`wasmPaths` says where its `.wasm` files are) or cpu.
 */

// Tensor library and backend (browsers: webgpu on navigator.gpu, wasm, cpu)
export { tf } from './tf';
export {
  initBrowserBackend as initBackend,
  type BrowserBackendOptions,
  type WasmBinaryName,
} from './backend/init-browser';
export {
  backendInfo,
  parseBackendFlag,
  describeBackend,
  BACKEND_ORDER,
  type BackendName,
  type BackendInfo,
  type InitBackendOptions,
} from './backend/select';
export { backendCapabilities, type BackendCapabilities } from './backend/capabilities';
export { SyncReadbackError, requireSyncReadback } from './backend/readback';
export { describeAdapter, type GpuAdapterSummary } from './backend/webgpu';
export { watchGpuErrors, GpuValidationError, type GpuErrorWatch } from './backend/gpu-errors';

// Randomness
export { setSeed, getSeedState, setSeedState, random, nextSeed, makeRng, permutation } from './utils/random';

// nn modules
export { Module, type StateDict } from './nn/module';
export { fanInUniform, glorotUniform, normalInit } from './nn/init';
export { withParamBudget, ParamBudgetError } from './nn/param-budget';
export { gelu, silu } from './nn/activations';
export { Linear, type LinearOptions } from './nn/linear';
export { Embedding, type EmbeddingOptions } from './nn/embedding';
export { LayerNorm, type LayerNormOptions } from './nn/layer-norm';
export { RMSNorm, type RMSNormOptions } from './nn/rms-norm';
export { Dropout } from './nn/dropout';
export { Conv2d, type Conv2dOptions } from './nn/conv2d';
export { MultiHeadAttention, causalMask, type MultiHeadAttentionOptions } from './nn/attention';
export type { AttentionSlot, AttentionContext, AttentionOutput } from './nn/attention-slot';
export { MoHAttention, MoHAttentionOptionsSchema, type MoHAttentionOptions } from './nn/moh-attention';
export {
  JetMoeAttention,
  JetMoeAttentionOptionsSchema,
  type JetMoeAttentionOptions,
} from './nn/jetmoe-attention';
export { createAttention } from './nn/create-attention';
export { upcycleAttention } from './nn/upcycle-attention';
export { GeluFFN, SwiGLU, type GeluFFNOptions, type SwiGLUOptions } from './nn/ffn';
export type { FfnSlot, SlotContext } from './nn/ffn-slot';
export {
  TransformerBlock,
  type TransformerBlockOptions,
  TransformerBlockOptionsSchema,
  type TransformerBlockOutput,
  type BlockContext,
} from './nn/transformer-block';
export {
  PositionalEmbedding,
  PositionalEmbedding2d,
  sinusoidal1d,
  sinusoidal2d,
  type PositionalEmbeddingOptions,
} from './nn/positional';

// Configs
export { parseConfig, ConfigError } from './config/parse';
export { LIMITS, sizeField, refineParamBudget } from './config/bounds';
export { functionField, instanceField, objectField } from './config/fields';
export {
  MAX_CAPACITY_FACTOR,
  MAX_EXPERT_WIDTH,
  refineExpertWidth,
  moeSlotValues,
  ffnSlotValues,
  attentionBlockValues,
  RouterConfigSchema,
  RouterInputSchema,
  MoELossConfigSchema,
  MoESlotOptionsSchema,
  MoELayerConfigSchema,
  FfnSlotConfigSchema,
  refineTopK,
  fineGrained,
  type RouterConfig,
  type RouterInput,
  type MoELayerConfig,
  type MoELayerConfigInput,
  type FfnSlotConfig,
  type FfnSlotConfigInput,
  type MoESlotOptions,
  type MoESlotOptionsInput,
} from './config/moe';
export {
  AttentionSlotConfigSchema,
  attentionSlotValues,
  refineAttentionSlot,
  jetMoeHeadShape,
  type AttentionSlotConfig,
  type AttentionSlotConfigInput,
} from './config/attention';

// Routers
export {
  Router,
  type RouteResult,
  type RouteContext,
  type TokenChoice,
  type ExpertChoice,
} from './moe/routers/router';
export {
  SoftmaxTopKOptionsSchema,
  NoisyTopKOptionsSchema,
  SigmoidLossFreeOptionsSchema,
  ExpertChoiceOptionsSchema,
  HashRouterOptionsSchema,
  BalancedRouterOptionsSchema,
  UncertaintyRouterOptionsSchema,
  NormalizedSoftmaxOptionsSchema,
  DenseToSparseOptionsSchema,
} from './moe/routers/options';
export { FfnBankOptionsSchema, SwiGluBankOptionsSchema } from './moe/experts/options';
export { SoftmaxTopKRouter, type SoftmaxTopKOptions } from './moe/routers/softmax-topk';
export { NoisyTopKRouter, type NoisyTopKOptions } from './moe/routers/noisy-topk';
export { SigmoidLossFreeRouter, type SigmoidLossFreeOptions } from './moe/routers/sigmoid-loss-free';
export { ExpertChoiceRouter, type ExpertChoiceOptions } from './moe/routers/expert-choice';
export { HashRouter, type HashRouterOptions } from './moe/routers/hash';
export { BalancedRouter, type BalancedRouterOptions } from './moe/routers/balanced';
export { UncertaintyRouter, type UncertaintyRouterOptions } from './moe/routers/uncertainty';
export { RouterBias } from './moe/routers/router-bias';
export {
  NormalizedSoftmaxRouter,
  standardizeLogits,
  type NormalizedSoftmaxOptions,
} from './moe/routers/normalized-softmax';
export {
  DenseToSparseRouter,
  annealedTemperature,
  type DenseToSparseOptions,
} from './moe/routers/dense-to-sparse';
export { createRouter } from './moe/routers';

// Experts, dispatch and routed layers
export { ExpertBank } from './moe/experts/bank';
export { FfnExperts, type FfnBankOptions } from './moe/experts/ffn-bank';
export { SwiGluExperts, type SwiGluBankOptions } from './moe/experts/swiglu-bank';
export { activate, type ActivationName } from './moe/experts/activation';
export { dispatch, type DispatchKind, type DispatchInput, type DispatchResult } from './moe/dispatch';
export { groupedMatMul } from './moe/grouped-matmul';
export { topkIndices, gatherRows, normalizeRows, countAssignments, withoutGradient } from './moe/ops';
export {
  RoutedLayer,
  type Routing,
  type RoutedLayerSettings,
  type BalanceCoefficients,
  type RoutingTap,
} from './moe/routed-layer';
export {
  recordRouting,
  replayRouting,
  routingFlips,
  routedLayersOf,
  type RoutingTrace,
  type TracedLayer,
  type RoutingFlips,
} from './moe/routing-replay';
export { MoELayer, type MoEForwardOptions } from './moe/layer';
export type { MoEAux, FfnOutput, RoutingMetrics } from './moe/types';
export { ffnAux, attentionAux } from './moe/aux-source';
export { upcycle, type DenseFfnWeights } from './moe/upcycle';
export { diversifyExperts } from './moe/diversify';
export { AdaptiveAuxCoefficient, adaptiveAuxStep, type AdaptiveAuxOptions } from './moe/adaptive-aux';
export { selfContrastLogits, type ContrastOptions } from './moe/scmoe';
// RMoE's recurrent router, MixLoRA's and DynMoLE's LoRA-expert layers
export { GruCell, GruCellOptionsSchema, type GruCellOptions } from './nn/gru-cell';
export {
  RecurrentRouterOptionsSchema,
  MlpRouterOptionsSchema,
  TsallisHybridOptionsSchema,
} from './moe/routers/options';
export { RecurrentRouter, type RecurrentRouterOptions } from './moe/routers/recurrent';
export { MlpRouter, type MlpRouterOptions } from './moe/routers/mlp';
export {
  TsallisHybridRouter,
  hybridRoutingMask,
  type TsallisHybridOptions,
} from './moe/routers/tsallis-hybrid';
export type { SharedRouterParts } from './moe/routers';
export { tsallisEntropy, tsallisEntropyLoss } from './moe/tsallis';
export { LoraBankOptionsSchema } from './moe/experts/options';
export { LoraExperts, type LoraBankOptions } from './moe/experts/lora-bank';
export { MpoBankOptionsSchema } from './moe/experts/mpo-options';
export { MpoExperts, type MpoBankOptions } from './moe/experts/mpo-bank';
export { mpoExpertsFromFfn, type MpoFromFfnOptions } from './moe/experts/mpo-from-ffn';
export {
  mpoFromDense,
  mpoToDense,
  mpoBonds,
  balancedFactors,
  type Mpo,
  type MpoLayout,
} from './moe/experts/mpo';
export {
  MixLoraConfigSchema,
  DynMoleConfigSchema,
  type MixLoraConfig,
  type MixLoraConfigInput,
  type DynMoleConfig,
  type DynMoleConfigInput,
} from './config/lora';
export { MixLoraLayer } from './moe/mixlora';
export { DynMoleLayer } from './moe/dynmole';
// Duo-LLM: small / big / skip FFN slot, its router, the exhaustive pattern oracle
export {
  DuoFfnConfigSchema,
  DuoSlotOptionsSchema,
  DuoRoutingSchema,
  duoSlotValues,
  type DuoFfnConfig,
  type DuoFfnConfigInput,
  type DuoSlotOptions,
  type DuoSlotOptionsInput,
  type DuoRouting,
} from './config/duo';
export {
  DuoFfn,
  DuoExperts,
  DuoRouter,
  DUO_SKIP,
  DUO_SMALL,
  DUO_BIG,
  DUO_CHOICES,
  duoPatterns,
  patternCompute,
  withDuoPattern,
  sweepDuoPatterns,
  selectDuoOracle,
  duoOracle,
  type DuoCosts,
  type DuoExpertsOptions,
  type DuoRouterOptions,
  type DuoRouteContext,
  type DuoLayerLike,
  type DuoOutcomes,
  type DuoSweep,
  type DuoOracleOptions,
  type DuoOracleResult,
} from './moe/duo';

// Balancing losses and routing metrics
export {
  switchAuxLoss,
  gshardAuxLoss,
  zLoss,
  cvSquared,
  importanceLoadLoss,
  sequenceAuxLoss,
} from './moe/losses';
export {
  routingMetrics,
  routingMetricsAsync,
  averageMetrics,
  maxViolation,
  meanEntropy,
} from './moe/metrics';
export {
  usageByGroup,
  meanPairwiseTv,
  groupInformation,
  labelPermutationTest,
  type LabelPermutation,
} from './moe/specialisation';
export { ROUTING_TRACE_FORMAT, encodeRoutingTrace, decodeRoutingTrace } from './io/routing-trace';

// Accounting and classification metrics
export { moduleCosts, isCostReporter, type CostReporter, type ModuleCosts } from './metrics/costs';
export { accuracy, confusionMatrix, perClassRecall } from './metrics/classification';

// Quantization
export {
  absmeanTernary,
  absmeanTernaryPerExpert,
  ternarySTE,
  ternarySTEPerExpert,
  binarySTE,
  straightThrough,
  type TernaryWeight,
} from './quant/ternary';
export { int8PerTokenFakeQuant } from './quant/int8';
export {
  packTernary,
  unpackTernary,
  packTernaryTensor,
  unpackTernaryTensor,
  type PackedTernaryTensor,
} from './quant/packing';
export { ternaryBytes, float32Bytes, int8Bytes, bitsPerWeight } from './quant/bytes';
export {
  packBits,
  unpackBits,
  packedBitsBytes,
  packBase3,
  unpackBase3,
  base3Bytes,
} from './quant/bit-packing';
export {
  TERNARY_BITS,
  quantizeChannels,
  dequantizeChannels,
  truncateChannels,
  packChannelCodes,
  unpackChannelCodes,
  channelQuantizedBytes,
  type ChannelQuantized,
} from './quant/channel-quant';
export { encodeTernaryHuffman, decodeTernaryHuffman, ternaryHuffmanBytes } from './quant/ternary-huffman';

// Compressing a trained MoE layer: calibration, expert pruning, compressed experts, subspace merging
export { svd, lowRankFactors, type ThinSvd, type LowRankFactors } from './compress/svd';
export {
  PruneSelectionSchema,
  CalibrationOptionsSchema,
  LowRankFfnBankOptionsSchema,
  CompressedExpertsOptionsSchema,
  SubspaceBankOptionsSchema,
  SubspaceMergeOptionsSchema,
  type PruneSelection,
  type CalibrationOptions,
  type LowRankFfnBankOptions,
  type CompressedExpertsOptions,
  type SubspaceBankOptions,
  type SubspaceMergeOptions,
} from './compress/options';
export { calibrateExperts, type ExpertCalibration } from './compress/calibration';
export { pruneExperts, selectExperts, type PrunedLayer } from './compress/prune';
export { LowRankFfnExperts, lowRankExperts } from './compress/low-rank-bank';
export { TieredExperts } from './compress/tiered-bank';
export { RebankedMoELayer } from './compress/rebanked-layer';
export { CompressedExpertsLayer, compressExperts } from './compress/compressed-layer';
export { SubspaceMergedExperts } from './compress/subspace-bank';
export { groupExperts } from './compress/group-experts';
export { mergeExperts } from './compress/merge';
// Post-training quantization of experts: mixed precision + online pruning, QMoE coding, nested widths
export {
  ExpertBitsSchema,
  MixedPrecisionOptionsSchema,
  TopAnyPruningOptionsSchema,
  EntropyCodedOptionsSchema,
  NestedViewSchema,
  NestedBitOptionsSchema,
  type MixedPrecisionOptions,
  type TopAnyPruningOptions,
  type EntropyCodedOptions,
  type NestedBitOptions,
} from './compress/quant-options';
export {
  bankStoredBytes,
  moduleStoredBytes,
  isStoredBytesReporter,
  type StoredBytesReporter,
} from './compress/stored-bytes';
export {
  DequantizedFfnBank,
  ffnWeightsOf,
  ffnWeightsOfAsync,
  type FfnWeights,
} from './compress/dequantized-bank';
export { expertImportance, allocateExpertBits } from './compress/bit-allocation';
export {
  MixedPrecisionExperts,
  mixedPrecisionExperts,
  mixedPrecisionExpertBytes,
  type PackedMatrix,
  type PackedFfnExpert,
} from './compress/mixed-precision-bank';
export { SkipExpertBank } from './compress/skip-bank';
export { TopAnyPrunedLayer } from './compress/top-any-layer';
export {
  EntropyCodedTernaryExperts,
  entropyCodedTernaryExperts,
  type EntropyCodedStore,
} from './compress/entropy-coded-bank';
export { NestedBitExperts } from './compress/nested-bank';
export { NestedBitMoELayer, type NestedServingCost } from './compress/nested-layer';
export { bytesTable, type CompressedVariant, type BytesTableRow } from './compress/bytes-table';

// Training steps and evaluation (the Trainer, with file checkpoints and progress bars, is Node-only)
export { AdamW, defaultNoDecay, type AdamWOptions, type NamedVariables } from './train/adamw';
export {
  constantLr,
  warmupCosine,
  warmupLinear,
  type LrSchedule,
  type WarmupScheduleOptions,
} from './train/schedules';
export { clipByGlobalNorm, globalNorm, type ClippedGrads } from './train/clip';
export {
  NonFiniteError,
  TensorLeakError,
  TensorLeakGuard,
  assertFinite,
  type LeakGuardOptions,
} from './train/guards';
export {
  combineCallbacks,
  type StepRecord,
  type EpochRecord,
  type TrainHistory,
  type StepInfo,
  type EpochInfo,
  type TrainerCallbacks,
} from './train/callbacks';
export {
  AdamWOptionsSchema,
  TrainLoopNumbersSchema,
  TrainOptionsSchema,
  LearningRateSchema,
  MAX_LEARNING_RATE,
  MAX_BATCH_SIZE,
  MAX_EPOCHS,
} from './train/options';
export { evaluateInBatches, evaluateInBatchesAsync, type EvalBatch } from './train/evaluate';

// Checkpoints as bytes (no file system): safetensors, manifests, loading from bytes or fetch
export { CheckpointError, type CheckpointErrorCode, type CheckpointErrorContext } from './io/errors';
export {
  encodeSafetensorsBytes,
  decodeSafetensors,
  tensorToData,
  dataToTensor,
  type TensorData,
  type SafetensorsDtype,
  type DecodedSafetensors,
} from './io/safetensors';
export {
  CHECKPOINT_FORMAT,
  CHECKPOINT_FORMAT_VERSION,
  LIBRARY_VERSION,
  MANIFEST_FILE,
  MODEL_FILE,
  manifestSchema,
  parseManifest,
  validateConfig,
  type Manifest,
} from './io/manifest';
export {
  checkSizes,
  checkExactTensors,
  headerValues,
  type SizeCheck,
  type HeaderTensor,
  type TensorHeader,
} from './io/header-check';
export {
  loadStateFromBytes,
  fetchCheckpoint,
  type CheckpointBytes,
  type LoadStateFromBytesOptions,
} from './io/from-bytes';
export { sha256Hex, sha256HexAsync } from './io/sha256';

// Models
export {
  TokenClassifier,
  TokenClassifierConfigSchema,
  CheckedTokenClassifierConfigSchema,
  refineTokenClassifier,
  refineHeads,
  tokenClassifierValues,
  tokenClassifierSizeChecks,
  imagePatches,
  type TokenClassifierConfig,
  type TokenClassifierOptions,
} from './models/token-classifier';
