import { tf } from '../tf';

/** A NaN or ±Inf appeared in a loss, gradient or parameter during training. */
export class NonFiniteError extends Error {
  constructor(
    /** The training step (1-based) at which it was detected. */
    readonly step: number,
    /** Name of the offending tensor: `loss`, `aux:<term>`, `grad:<parameter>`, ... */
    readonly tensor: string,
  ) {
    super(`step ${step}: non-finite value (NaN or Inf) in "${tensor}"`);
    this.name = 'NonFiniteError';
  }
}

/** The number of live tensors grew between training steps. */
export class TensorLeakError extends Error {
  constructor(
    /** The training step (1-based) after which the growth was seen. */
    readonly step: number,
    /** Live tensors above the baseline. */
    readonly growth: number,
    /** Live tensors recorded after the warm-up. */
    readonly baseline: number,
    /** What grew: tfjs tensors, or the backend's data buffers (a kernel that leaks memory). */
    readonly what: 'tensors' | 'backend buffers' = 'tensors',
  ) {
    super(
      `step ${step}: tensor leak, ${growth} more live ${what} than after warm-up (${baseline} -> ${baseline + growth}); ` +
        (what === 'tensors'
          ? 'something in the step (loss function, callback, model) creates tensors outside tf.tidy and does not dispose them'
          : 'a backend kernel keeps buffers it no longer references'),
    );
    this.name = 'TensorLeakError';
  }
}

/**
 * Throws {@link NonFiniteError} naming the step and the first tensor (in insertion order) that
 * holds a NaN or ±Inf. One fused check and a single readback for all float tensors; integer
 * and boolean tensors are skipped.
 *
 * @example
 * ```ts
 * assertFinite(step, { loss, 'grad:fc.w': gw }); // throws NonFiniteError(step, 'loss') on NaN loss
 * ```
 */
export function assertFinite(step: number, tensors: Record<string, tf.Tensor>): void {
  const check = finiteFlags(tensors);
  if (!check) return;
  try {
    throwIfNonFinite(step, check.names, check.flags.dataSync());
  } finally {
    check.flags.dispose();
  }
}

/**
 * The fused check behind {@link assertFinite}, for callers that read back asynchronously (webgpu
 * has no synchronous reads): the float tensors' names and one flag per tensor (1 = all finite),
 * or `undefined` when none is float. Read the flags and pass them to {@link throwIfNonFinite}.
 */
export function finiteFlags(
  tensors: Record<string, tf.Tensor>,
): { names: string[]; flags: tf.Tensor1D } | undefined {
  const entries = Object.entries(tensors).filter(([, t]) => t.dtype === 'float32');
  if (entries.length === 0) return undefined;
  const flags = tf.tidy(() => tf.stack(entries.map(([, t]) => tf.all(tf.isFinite(t)))) as tf.Tensor1D);
  return { names: entries.map(([n]) => n), flags };
}

/** Throws a {@link NonFiniteError} naming the first tensor whose flag from {@link finiteFlags} is 0. */
export function throwIfNonFinite(step: number, names: readonly string[], flags: ArrayLike<number>): void {
  for (let i = 0; i < names.length; i++) if (!flags[i]) throw new NonFiniteError(step, names[i]);
}

/** Options of {@link TensorLeakGuard}. */
export interface LeakGuardOptions {
  /** Live tensors the count may grow by after the warm-up before it is an error (default 0). */
  tolerance?: number;
  /** Steps whose allocations may persist (lazy caches, first-call state) (default 1). */
  warmupSteps?: number;
}

/**
 * Watches `tf.memory().numTensors` between steps: the count after the last warm-up step is the
 * baseline, and any later step that ends more than `tolerance` above it throws
 * {@link TensorLeakError}.
 *
 * @example
 * ```ts
 * const guard = new TensorLeakGuard();
 * for (let step = 1; step <= n; step++) {
 *   trainStep();
 *   guard.check(step);
 * }
 * ```
 */
export class TensorLeakGuard {
  readonly tolerance: number;
  readonly warmupSteps: number;
  private seen = 0;
  private base: number | undefined;
  private baseBuffers = 0;

  constructor({ tolerance = 0, warmupSteps = 1 }: LeakGuardOptions = {}) {
    if (!Number.isInteger(tolerance) || tolerance < 0) {
      throw new Error(`TensorLeakGuard: tolerance must be an integer >= 0, got ${tolerance}`);
    }
    if (!Number.isInteger(warmupSteps) || warmupSteps < 1) {
      throw new Error(`TensorLeakGuard: warmupSteps must be an integer >= 1, got ${warmupSteps}`);
    }
    this.tolerance = tolerance;
    this.warmupSteps = warmupSteps;
  }

  /** Live tensors recorded after the warm-up, once it is over. */
  get baseline(): number | undefined {
    return this.base;
  }

  /** Call once at the end of every step, after everything the step created is disposed. */
  check(step: number): void {
    const now = tf.memory().numTensors;
    // Buffers the backend holds; a kernel can leak these while every tensor is disposed.
    const buffers = tf.engine().backend.numDataIds();
    this.seen++;
    if (this.seen <= this.warmupSteps) {
      this.base = this.seen === this.warmupSteps ? now : undefined;
      this.baseBuffers = buffers;
      return;
    }
    const growth = now - (this.base as number);
    if (growth > this.tolerance) throw new TensorLeakError(step, growth, this.base as number);
    const bufferGrowth = buffers - this.baseBuffers;
    if (bufferGrowth > this.tolerance) {
      throw new TensorLeakError(step, bufferGrowth, this.baseBuffers, 'backend buffers');
    }
  }

  /** Starts a new warm-up (e.g. after loading a checkpoint). */
  reset(): void {
    this.seen = 0;
    this.base = undefined;
  }
}
