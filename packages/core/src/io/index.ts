/** Checkpoints that are safe to load: safetensors, atomic writes, manifests with checksums. */
export { CheckpointError, type CheckpointErrorCode, type CheckpointErrorContext } from './errors';
export {
  encodeSafetensors,
  encodeSafetensorsBytes,
  decodeSafetensors,
  tensorToData,
  dataToTensor,
  type TensorData,
  type SafetensorsDtype,
  type DecodedSafetensors,
} from './safetensors';
export {
  loadStateFromBytes,
  fetchCheckpoint,
  type CheckpointBytes,
  type LoadStateFromBytesOptions,
} from './from-bytes';
export { sha256Hex, sha256HexAsync } from './sha256';
export { makeDirs } from './make-dirs';
export { saveRoutingTrace, loadRoutingTrace } from './routing-trace-file';
export { writeFileAtomic, writeFilesAtomic, type AtomicWriteOptions } from './atomic';
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
} from './manifest';
export {
  saveCheckpoint,
  loadCheckpoint,
  loadIntoModule,
  MAX_MANIFEST_BYTES,
  type SaveCheckpointOptions,
  type LoadCheckpointOptions,
  type LoadedCheckpoint,
} from './checkpoint';
export { saveModel, loadModel, type ModelFormat, type LoadedModel } from './model-io';
export {
  checkSizes,
  checkExactTensors,
  headerValues,
  type SizeCheck,
  type HeaderTensor,
  type TensorHeader,
} from './header-check';
