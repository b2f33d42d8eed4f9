/**
 * Checks a checkpoint's config against its tensor file before a model is built from it: the size
 * fields a format declares ({@link SizeCheck}) must be what the tensors' shapes say, so a manifest
 * edited to a larger `dim`, `numExperts` or `depth` is refused in milliseconds, naming the field,
 * instead of allocating what the edit asks for.
 */
import { CheckpointError } from './errors';

/** A tensor as a checkpoint's header describes it. */
export interface HeaderTensor {
  readonly dtype: string;
  readonly shape: readonly number[];
}

/** A tensor file's header: tensor name -> dtype and shape. */
export type TensorHeader = Readonly<Record<string, HeaderTensor>>;

/**
 * One size field of a config and where the weights show it:
 * - `{ field, value, tensor, axis }`: `value` is the length of axis `axis` of tensor `tensor`
 *   (e.g. `dim` is axis 1 of `embed.weight`);
 * - `{ field, value, blocks }`: `value` is the number of numbered children `<blocks>.0.`,
 *   `<blocks>.1.`, ... (e.g. `depth` and `blocks`).
 *
 * `field` is the dotted path in the config (`ffn.moe.numExperts`).
 */
export type SizeCheck =
  | { readonly field: string; readonly value: number; readonly tensor: string; readonly axis: number }
  | { readonly field: string; readonly value: number; readonly blocks: string };

/** The number of values a header holds, i.e. what a model of the right config registers. */
export function headerValues(header: TensorHeader): number {
  return Object.values(header).reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0);
}

function countBlocks(header: TensorHeader, prefix: string): number {
  const indices = new Set<number>();
  const head = `${prefix}.`;
  for (const name of Object.keys(header)) {
    if (!name.startsWith(head)) continue;
    const m = /^(\d+)\./.exec(name.slice(head.length));
    if (m) indices.add(Number(m[1]));
  }
  return indices.size;
}

/**
 * Throws a `CONFIG` {@link CheckpointError} (source `manifestFile`, field `config.<field>`) for the
 * first size field that disagrees with `header`, the tensor file being `tensorFile`.
 *
 * @example
 * ```ts
 * checkSizes([{ field: 'dim', value: cfg.dim, tensor: 'embed.weight', axis: 1 }], header, 'ckpt/manifest.json', 'model.safetensors');
 * ```
 */
export function checkSizes(
  checks: readonly SizeCheck[],
  header: TensorHeader,
  manifestFile: string,
  tensorFile: string,
): void {
  for (const c of checks) {
    const field = `config.${c.field}`;
    if ('blocks' in c) {
      const n = countBlocks(header, c.blocks);
      if (n !== c.value) {
        throw new CheckpointError(
          'CONFIG',
          `is ${c.value} but ${tensorFile} holds ${n} "${c.blocks}.N" blocks`,
          { source: manifestFile, field },
        );
      }
      continue;
    }
    const t = Object.prototype.hasOwnProperty.call(header, c.tensor) ? header[c.tensor] : undefined;
    if (t === undefined) {
      throw new CheckpointError('CONFIG', `implies a tensor "${c.tensor}" that ${tensorFile} does not hold`, {
        source: manifestFile,
        field,
      });
    }
    if (t.shape[c.axis] !== c.value) {
      throw new CheckpointError(
        'CONFIG',
        `is ${c.value} but "${c.tensor}" in ${tensorFile} has shape [${t.shape.join(', ')}] (axis ${c.axis})`,
        { source: manifestFile, field },
      );
    }
  }
}

/** Names shown in an error: the first few, then how many more (a hostile file can hold 200k). */
function listSome(names: readonly string[], shown = 8): string {
  const head = names.slice(0, shown).join(', ');
  return names.length > shown ? `${head}, ... ${names.length - shown} more` : head;
}

/**
 * Throws a `SHAPE` {@link CheckpointError} naming `tensorFile` unless `header` holds exactly the
 * tensors of `expected` (names, dtypes and shapes); `what` names the model (`a vit of this
 * config`). The message lists a bounded number of names.
 */
export function checkExactTensors(
  expected: TensorHeader,
  header: TensorHeader,
  tensorFile: string,
  what: string,
): void {
  const has = (h: TensorHeader, k: string): boolean => Object.prototype.hasOwnProperty.call(h, k);
  const missing = Object.keys(expected).filter((k) => !has(header, k));
  const extra = Object.keys(header).filter((k) => !has(expected, k));
  if (missing.length > 0 || extra.length > 0) {
    throw new CheckpointError(
      'SHAPE',
      `does not fit ${what}: missing [${listSome(missing)}], unexpected [${listSome(extra)}]`,
      { source: tensorFile },
    );
  }
  for (const [name, want] of Object.entries(expected)) {
    const got = header[name];
    const same = got.shape.length === want.shape.length && got.shape.every((d, i) => d === want.shape[i]);
    if (!same || got.dtype !== want.dtype) {
      throw new CheckpointError(
        'SHAPE',
        `does not fit ${what}: "${name}" is ${got.dtype} [${got.shape.join(', ')}], expected ${want.dtype} [${want.shape.join(', ')}]`,
        { source: tensorFile, field: `tensor "${name}"` },
      );
    }
  }
}
