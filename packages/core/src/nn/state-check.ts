/**
 * The checks `Module.loadStateDict` makes before it assigns anything: names, shapes and dtypes.
 * Failures are {@link CheckpointError}s naming the file the state came from, and short however
 * many tensors a (hostile) file holds.
 */
import { CheckpointError } from '../io/errors';
import type { tf } from '../tf';

/** How many names an error lists before it only counts the rest. */
const SHOWN_NAMES = 8;

/** Names shown in an error: the first few, then how many more (a hostile file can hold 200k). */
export function listSome(names: readonly string[], shown = SHOWN_NAMES): string {
  const clipped = names.slice(0, shown).map((n) => (n.length > 100 ? `${n.slice(0, 100)}...` : n));
  const head = clipped.join(', ');
  return names.length > shown ? `${head}, ... ${names.length - shown} more` : head;
}

/**
 * Whether a tensor loaded with dtype `stored` may fill a parameter of dtype `param`. The one
 * place that decides it: a stored dtype other than the parameter's is refused, because a cast
 * would silently turn relabelled bytes (F32 data declared I32) into a different model. A storage
 * dtype that widens losslessly (F16 into float32) is to be allowed here.
 */
export function dtypeFits(stored: tf.DataType, param: tf.DataType): boolean {
  return stored === param;
}

/** A tensor of a state dict: what {@link checkStateDict} reads of it. */
type Described = Pick<tf.Tensor, 'dtype' | 'shape'>;

/** Options of {@link checkStateDict}. */
export interface StateCheckOptions {
  /** Missing or unexpected names are errors (otherwise only the names present are checked). */
  strict: boolean;
  /** The file the state was read from, named in errors. */
  source?: string;
}

/**
 * Checks `state` against a module's own tensors `own`: with `strict`, the same names; for every
 * name present in both, the same shape and a dtype that {@link dtypeFits}. Throws a
 * {@link CheckpointError}: `SHAPE` for names and shapes, `DTYPE` for dtypes.
 */
export function checkStateDict(
  own: Readonly<Record<string, Described>>,
  state: Readonly<Record<string, Described>>,
  { strict, source }: StateCheckOptions,
): void {
  const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
  if (strict) {
    const missing = Object.keys(own).filter((k) => !has(state, k));
    const unexpected = Object.keys(state).filter((k) => !has(own, k));
    if (missing.length || unexpected.length) {
      throw new CheckpointError(
        'SHAPE',
        `loadStateDict: missing [${listSome(missing)}], unexpected [${listSome(unexpected)}]`,
        { source },
      );
    }
  }
  for (const [name, v] of Object.entries(own)) {
    if (!has(state, name)) continue;
    const t = state[name];
    const field = `tensor ${JSON.stringify(name)}`;
    if (t.shape.length !== v.shape.length || t.shape.some((d, i) => d !== v.shape[i])) {
      const shown = t.shape.length > 8 ? `${t.shape.slice(0, 8).join(',')},...` : t.shape.join(',');
      throw new CheckpointError('SHAPE', `loadStateDict: has shape [${shown}], expected [${v.shape}]`, {
        source,
        field,
      });
    }
    if (!dtypeFits(t.dtype, v.dtype)) {
      throw new CheckpointError('DTYPE', `loadStateDict: is ${t.dtype}, the parameter is ${v.dtype}`, {
        source,
        field,
      });
    }
  }
}
