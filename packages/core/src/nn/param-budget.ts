/**
 * A bound on what building a model may allocate. `loadModel` builds a checkpoint's model inside
 * {@link withParamBudget}, the budget being the number of values `model.safetensors` holds: the
 * parameters and buffers a config registers must equal the file's, so a config edited to be larger
 * than its weights stops at the first tensor past the budget, before it is allocated. Building is
 * synchronous, so one budget at a time is in force.
 */
import { tf } from '../tf';

/** Thrown when building registers more values than the budget allows. */
export class ParamBudgetError extends Error {
  override readonly name = 'ParamBudgetError';
  constructor(
    /** The budget, in values. */
    readonly budget: number,
    /** What the build had registered, plus the tensor that did not fit. */
    readonly wanted: number,
  ) {
    super(
      `the config implies more than the ${budget} parameter values the weights hold (${wanted} at least)`,
    );
  }
}

interface Budget {
  remaining: number;
  readonly limit: number;
  readonly created: tf.Variable[];
}

let current: Budget | undefined;

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Refuses (with {@link ParamBudgetError}) a tensor of `shape` that would not fit in the budget in
 * force, before it is allocated; called by the initialisers and by `Module.param` / `buffer`.
 * Without a budget it does nothing.
 */
export function checkParamBudget(shape: readonly number[]): void {
  if (current === undefined) return;
  const n = sizeOf(shape);
  if (!(n <= current.remaining)) {
    throw new ParamBudgetError(current.limit, current.limit - current.remaining + n);
  }
}

/** Charges a registered variable to the budget in force (and remembers it, to free on failure). */
export function chargeParamBudget(v: tf.Variable): void {
  if (current === undefined) return;
  checkParamBudget(v.shape);
  current.remaining -= v.size;
  current.created.push(v);
}

/**
 * Runs `build` with at most `values` parameter and buffer values registered; when the budget is
 * exceeded (or `build` throws) the variables it registered are freed and the error rethrown.
 *
 * @example
 * ```ts
 * const model = withParamBudget(headerValues, () => format.build(config));
 * ```
 */
export function withParamBudget<T>(values: number, build: () => T): T {
  if (current !== undefined) throw new Error('withParamBudget: budgets do not nest');
  const budget: Budget = { remaining: values, limit: values, created: [] };
  current = budget;
  try {
    return build();
  } catch (e) {
    for (const v of budget.created) if (!v.isDisposed) v.dispose();
    throw e;
  } finally {
    current = undefined;
  }
}
