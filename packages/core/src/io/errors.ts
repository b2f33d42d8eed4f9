/**
 * What went wrong with a checkpoint or safetensors file:
 * - `TRUNCATED`: the file ends before its header or data does;
 * - `HEADER`: the header length or JSON is invalid (also metadata and tensor names);
 * - `DTYPE`: an unknown or unsupported dtype, or a stored dtype other than the parameter's;
 * - `SHAPE`: a shape that is not a list of non-negative integers or does not match its bytes,
 *   or a state dict whose names or shapes do not fit the module it is loaded into;
 * - `OFFSETS`: data offsets that are not integers, overlap, leave holes or extra bytes;
 * - `CHECKSUM`: a tensor file whose sha256 differs from the manifest's;
 * - `CONFIG`: a config that fails its schema or cannot be stored as JSON;
 * - `MANIFEST`: a manifest that is not valid JSON, has the wrong shape, format or version;
 * - `MODEL`: a checkpoint of another model than the one expected;
 * - `MISSING`: a file of the checkpoint does not exist;
 * - `IO`: any other file system failure.
 */
export type CheckpointErrorCode =
  | 'TRUNCATED'
  | 'HEADER'
  | 'DTYPE'
  | 'SHAPE'
  | 'OFFSETS'
  | 'CHECKSUM'
  | 'CONFIG'
  | 'MANIFEST'
  | 'MODEL'
  | 'MISSING'
  | 'IO';

/** Where a {@link CheckpointError} happened. */
export interface CheckpointErrorContext {
  /** The file (or a label for an in-memory buffer). */
  source?: string;
  /** The tensor or field at fault, e.g. `tensor "w1"` or `config.hidden`. */
  field?: string;
  cause?: unknown;
}

/**
 * The one error type checkpoint loading and saving throws. Its message starts with the file and
 * the tensor or field at fault.
 *
 * @example
 * ```ts
 * try { decodeSafetensors(buf, 'model.safetensors'); }
 * catch (e) { if (e instanceof CheckpointError && e.code === 'TRUNCATED') redownload(); }
 * ```
 */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
  readonly code: CheckpointErrorCode;
  readonly source?: string;
  readonly field?: string;

  constructor(code: CheckpointErrorCode, message: string, context: CheckpointErrorContext = {}) {
    const where = [context.source, context.field].filter((s) => s !== undefined && s !== '');
    super([...where, message].join(': '), context.cause === undefined ? undefined : { cause: context.cause });
    this.code = code;
    this.source = context.source;
    this.field = context.field;
  }
}
