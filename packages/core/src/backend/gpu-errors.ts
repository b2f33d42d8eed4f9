import { tf } from '../tf';

/** Validation errors a GPU device reported since {@link watchGpuErrors}; `check` throws on any. */
export interface GpuErrorWatch {
  /** Messages collected so far. */
  readonly errors: readonly string[];
  /** Throws a {@link GpuValidationError} listing the errors collected so far, if any. */
  check(): void;
  /** Stops listening. */
  stop(): void;
}

/** A WebGPU device reported errors (e.g. a shader that does not compile) that tfjs swallowed. */
export class GpuValidationError extends Error {
  constructor(readonly messages: readonly string[]) {
    super(`the GPU device reported ${messages.length} error(s): ${messages.slice(0, 3).join(' | ')}`);
    this.name = 'GpuValidationError';
  }
}

interface UncapturedErrorEvent {
  error?: { message?: string };
}

interface DeviceLike {
  addEventListener(type: 'uncapturederror', listener: (e: UncapturedErrorEvent) => void): void;
  removeEventListener(type: 'uncapturederror', listener: (e: UncapturedErrorEvent) => void): void;
}

/**
 * Listens for the active WebGPU device's uncaptured errors. tfjs-backend-webgpu does not turn
 * them into exceptions: a kernel whose WGSL fails to compile leaves its output unwritten and
 * the result is silently wrong. On other backends the watch never reports anything.
 *
 * @example
 * ```ts
 * const watch = watchGpuErrors();
 * await model.forward(x).data();
 * watch.check(); // throws GpuValidationError naming the first errors
 * ```
 */
export function watchGpuErrors(): GpuErrorWatch {
  const errors: string[] = [];
  const device = (tf.backend() as unknown as { device?: Partial<DeviceLike> }).device;
  const listener = (e: UncapturedErrorEvent) => errors.push(e.error?.message ?? String(e));
  const listening = typeof device?.addEventListener === 'function';
  if (listening) (device as DeviceLike).addEventListener('uncapturederror', listener);
  return {
    errors,
    check() {
      if (errors.length > 0) throw new GpuValidationError([...errors]);
    },
    stop() {
      if (listening) (device as DeviceLike).removeEventListener('uncapturederror', listener);
    },
  };
}
