/**
 * The Node entry of @moe-zoo/core: everything of the browser entry (`./browser`: the public
 * surface by name, docs/architecture.md section 5) plus what needs Node: the backend start-up that
 * reads the environment and starts wasm threads or Dawn, command lines, the cache folder, progress
 * bars, the Trainer, file checkpoints and shipped models.
 */
export * from './browser';
export { initBackend } from './backend/init';
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
export { cacheDir, findWorkspaceRoot } from './utils/cache-dir';
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
export * from './io';
export * from './zoo';
