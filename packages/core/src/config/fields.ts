/**
 * Zod fields for options objects that hold more than JSON (training entry points take a model, a
 * data set, callbacks): so that their schemas can be strict like every config's.
 */
import { z } from 'zod';

/**
 * A function-valued option (a schedule, a predicate, a callback); anything else is an issue
 * naming the field, `expected <what> (a function)`.
 */
export function functionField<F extends (...args: never[]) => unknown>(what: string) {
  return z.custom<F>((v) => typeof v === 'function', { message: `expected ${what} (a function)` });
}

/** An option that must be an instance of `cls` (a model, a tokenizer), passed through as is. */
export function instanceField<T>(cls: abstract new (...args: never[]) => T, what = cls.name) {
  return z.custom<T>((v) => v instanceof cls, { message: `expected a ${what}` });
}

/** An option that must be a non-null object (a data set, a checkpoint spec), passed through as is. */
export function objectField<T extends object>(what: string) {
  return z.custom<T>((v) => typeof v === 'object' && v !== null, { message: `expected ${what} (an object)` });
}
