/**
 * `manifest.json`, the file that describes (and, written last, commits) a checkpoint directory.
 */
import { z } from 'zod';
import { CheckpointError, type CheckpointErrorCode } from './errors';

export const CHECKPOINT_FORMAT = 'moe-zoo-checkpoint';
export const CHECKPOINT_FORMAT_VERSION = 1;
/** The version of @moe-zoo/core; a test keeps it equal to package.json's. */
export const LIBRARY_VERSION = '0.1.0';
export const MANIFEST_FILE = 'manifest.json';
export const MODEL_FILE = 'model.safetensors';

const SHA256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a lowercase hex sha256');
/** Extra tensor file names: plain names only, so a manifest cannot point outside its directory. */
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** The manifest's schema; `files` maps extra tensor file names (without `.safetensors`) to sha256. */
export const manifestSchema = z.object({
  format: z.string(),
  formatVersion: z.number().int().positive(),
  model: z.string().min(1),
  libraryVersion: z.string(),
  createdAt: z.iso.datetime(),
  sha256: SHA256,
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
  const [first, ...others] = error.issues;
  const rest = others.map((i) => `${issueField(prefix, i.path) || '(root)'}: ${i.message}`);
  const message = [first?.message ?? 'invalid', ...rest].join('; ');
  return new CheckpointError(code, message, {
    source,
    field: issueField(prefix, first?.path ?? []) || prefix,
  });
}

/**
 * Checks that `name` can be an extra tensor file of a checkpoint and returns its file name.
 *
 * @example
 * ```ts
 * tensorFileName('optimizer'); // 'optimizer.safetensors'
 * ```
 */
export function tensorFileName(name: string): string {
  if (!FILE_NAME.test(name) || name === 'model' || name === 'manifest') {
    throw new CheckpointError(
      'MANIFEST',
      'invalid or reserved file name (letters, digits, "_", "-", "." only)',
      {
        field: `files.${name}`,
      },
    );
  }
  return `${name}.safetensors`;
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
