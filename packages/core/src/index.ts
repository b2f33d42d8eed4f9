/**
 * The public surface of @moe-zoo/core, by name (docs/architecture.md section 5). Model packages
 * extend the core through RoutedLayer, ExpertBank, Router, FfnSlot and CostReporter; dispatch
 * plans, disposal helpers and backend kernels stay internal.
 */

// Tensor library and backend
export { tf } from './tf';
export {
  initBackend,
  backendInfo,
  parseBackendFlag,
  describeBackend,
  BACKEND_ORDER,
  type BackendName,
  type BackendInfo,
  type InitBackendOptions,
} from './backend/init';
export { backendCapabilities, type BackendCapabilities } from './backend/capabilities';
export { describeAdapter, type GpuAdapterSummary } from './backend/webgpu';
export { watchGpuErrors, GpuValidationError, type GpuErrorWatch } from './backend/gpu-errors';

// Command lines (exit codes: 0 ok, 1 error, 2 usage)
export {
  createCli,
  integerFlag,
  startBackend,
  runMain,
  type Cli,
  type CliIO,
  type CliSpec,
  type CommonFlags,
} from './cli/program';
export { EXIT_OK, EXIT_ERROR, EXIT_USAGE, UsageError, formatCliError } from './cli/errors';
export { packageVersion } from './cli/version';
export { MemoryStream, runCaptured, type CapturedRun } from './cli/capture';

// Randomness and files
export { setSeed, getSeedState, setSeedState, random, nextSeed, makeRng, permutation } from './utils/random';
export { cacheDir, findWorkspaceRoot } from './utils/cache-dir';

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
} from './moe/routed-layer';
export { MoELayer, type MoEForwardOptions } from './moe/layer';
export type { MoEAux, FfnOutput, RoutingMetrics } from './moe/types';
export { upcycle, type DenseFfnWeights } from './moe/upcycle';
export { diversifyExperts } from './moe/diversify';
export { AdaptiveAuxCoefficient, adaptiveAuxStep, type AdaptiveAuxOptions } from './moe/adaptive-aux';
export { selfContrastLogits, type ContrastOptions } from './moe/scmoe';

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

// Training, evaluation, progress
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
  createReporter,
  createProgress,
  formatEta,
  BarReporter,
  LineReporter,
  SilentReporter,
  type Reporter,
  type ReporterOptions,
  type ProgressHandle,
  type ProgressInfo,
  type ProgressStream,
  type ProgressUpdate,
  type ProgressReporter,
  type ProgressOptions,
} from './train/progress';
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
  Trainer,
  type LossOutput,
  type LossFn,
  type BatchSource,
  type TrainerCheckpointOptions,
  type TrainerGuards,
  type TrainerOptions,
  type TrainPosition,
} from './train/trainer';
export { fitShuffled, type FitShuffledOptions } from './train/fit';
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

// Checkpoints
export * from './io';

// Shipped models: cards and loadPretrained
export * from './zoo';

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
