/**
 * `manifest.json`, the file that describes (and, renamed into place last, commits) a checkpoint
 * directory. It names the tensor files of its generation: `model.safetensors` and
 * `<name>.safetensors` when it has no `generation`, `model.<g>.safetensors` and
 * `<name>.<g>.safetensors` for `generation: g` (see `generation.ts`).
 */
import { z } from 'zod';
import { issuePaths } from '../config/parse';
import { CheckpointError, type CheckpointErrorCode } from './errors';

export const CHECKPOINT_FORMAT = 'moe-zoo-checkpoint';
export const CHECKPOINT_FORMAT_VERSION = 1;
/** The version of @moe-zoo/core; a test keeps it equal to package.json's. */
export const LIBRARY_VERSION = '0.1.0';
export const MANIFEST_FILE = 'manifest.json';
export const MODEL_FILE = 'model.safetensors';

const SHA256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a lowercase hex sha256');
/**
 * Extra tensor file names: plain names only, so a manifest cannot point outside its directory, and
 * not ending in `.<digits>`, so that `opt.1.safetensors` cannot be both the file of `opt.1` and
 * generation 1 of `opt`.
 */
const FILE_NAME = /^(?![A-Za-z0-9_.-]*\.[0-9]+$)[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** The manifest's schema; `files` maps extra tensor file names (without `.safetensors`) to sha256. */
export const manifestSchema = z.object({
  format: z.string(),
  formatVersion: z.number().int().positive(),
  model: z.string().min(1),
  libraryVersion: z.string(),
  createdAt: z.iso.datetime(),
  sha256: SHA256,
  /** Absent: plain file names; `g`: every tensor file of the checkpoint is `<name>.<g>.safetensors`. */
  generation: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  files: z.record(z.string().regex(FILE_NAME, 'invalid file name'), SHA256).optional(),
  config: z.unknown(),
  extra: z.record(z.string(), z.unknown()).optional(),
});

/** A parsed `manifest.json`. */
export type Manifest = z.infer<typeof manifestSchema>;

/** `a.b.0` for a zod issue path under `prefix`. */
function issueField(prefix: string, path: readonly PropertyKey[]): string {
  return [prefix, ...path.map(String)].filter((s) => s !== '').join('.');
}

function zodFailure(code: CheckpointErrorCode, error: z.ZodError, prefix: string, source?: string) {
  const [first, ...others] = issuePaths(error);
  const rest = others.map((i) => `${issueField(prefix, i.path) || '(root)'}: ${i.message}`);
  const message = [first?.message ?? 'invalid', ...rest].join('; ');
  return new CheckpointError(code, message, {
    source,
    field: issueField(prefix, first?.path ?? []) || prefix,
  });
}

/**
 * Checks that `name` can be an extra tensor file of a checkpoint and returns its file name, of
 * generation `generation` if given.
 *
 * @example
 * ```ts
 * tensorFileName('optimizer'); // 'optimizer.safetensors'
 * tensorFileName('optimizer', 3); // 'optimizer.3.safetensors'
 * ```
 */
export function tensorFileName(name: string, generation?: number): string {
  if (!FILE_NAME.test(name) || name === 'model' || name === 'manifest') {
    throw new CheckpointError(
      'MANIFEST',
      'invalid or reserved file name (letters, digits, "_", "-", "." only, not ending in ".<digits>")',
      { field: `files.${name}` },
    );
  }
  return generationFileName(name, generation);
}

/** `<name>.safetensors`, or `<name>.<generation>.safetensors`; `name` is already checked. */
export function generationFileName(name: string, generation?: number): string {
  return generation === undefined ? `${name}.safetensors` : `${name}.${generation}.safetensors`;
}

/** The tensor files a manifest commits, the model's first: `[key, file name, sha256]`, key `undefined` for the model. */
export function manifestFiles(m: Manifest): [key: string | undefined, file: string, sha256: string][] {
  return [
    [undefined, generationFileName('model', m.generation), m.sha256],
    ...Object.entries(m.files ?? {}).map(([name, sha]): [string, string, string] => [
      name,
      tensorFileName(name, m.generation),
      sha,
    ]),
  ];
}

/**
 * Validates `config` against `schema`; a failure is a `CONFIG` {@link CheckpointError} whose
 * field is the zod issue path, e.g. `config.hidden`.
 *
 * @example
 * ```ts
 * validateConfig({ hidden: 0 }, z.object({ hidden: z.number().positive() }), 'ckpt/manifest.json');
 * ```
 */
export function validateConfig(config: unknown, schema: z.ZodType, source?: string): void {
  let result: ReturnType<z.ZodType['safeParse']>;
  try {
    result = schema.safeParse(config);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new CheckpointError('CONFIG', `schema threw: ${why}`, { source, field: 'config', cause: e });
  }
  if (!result.success) throw zodFailure('CONFIG', result.error, 'config', source);
}

/**
 * Parses and checks a manifest's text: JSON (never evaluated), the schema, the format name and
 * a supported format version. Failures are `MANIFEST` errors naming `source` and the field.
 *
 * @example
 * ```ts
 * const m = parseManifest(await fs.readFile(p, 'utf8'), p);
 * ```
 */
export function parseManifest(text: string, source?: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new CheckpointError('MANIFEST', `not valid JSON (${why})`, { source, cause: e });
  }
  const result = manifestSchema.safeParse(json);
  if (!result.success) throw zodFailure('MANIFEST', result.error, '', source);
  const m = result.data;
  if (m.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError('MANIFEST', `is "${m.format}", expected "${CHECKPOINT_FORMAT}"`, {
      source,
      field: 'format',
    });
  }
  if (m.formatVersion !== CHECKPOINT_FORMAT_VERSION) {
    throw new CheckpointError(
      'MANIFEST',
      `${m.formatVersion} is not supported by @moe-zoo/core ${LIBRARY_VERSION} (reads ${CHECKPOINT_FORMAT_VERSION})`,
      { source, field: 'formatVersion' },
    );
  }
  return m;
}
