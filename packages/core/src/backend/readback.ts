import { tf } from '../tf';
import { backendCapabilities } from './capabilities';

/**
 * A host-side step that needs a synchronous read of device values (`dataSync()`) was asked for on
 * a backend without cheap synchronous reads (`backendCapabilities().syncReadback` false: webgpu,
 * where Node has none at all and a browser stalls the GPU queue). Names what needed the read,
 * the backend and what to do instead.
 */
export class SyncReadbackError extends Error {
  constructor(
    /** What needed the read, e.g. `balanced router (BASE layers) in training`. */
    readonly component: string,
    /** The backend tfjs was running on. */
    readonly backend: string,
    /** What works instead. */
    readonly remedy: string,
  ) {
    super(
      `${component} needs a synchronous read of device values (backendCapabilities().syncReadback), ` +
        `which the ${backend} backend does not offer: ${remedy}`,
    );
    this.name = 'SyncReadbackError';
  }
}

/**
 * Throws a {@link SyncReadbackError} for `component` when the active backend has no cheap
 * synchronous reads; does nothing where it has (wasm, cpu, tensorflow).
 *
 * @example
 * ```ts
 * requireSyncReadback('hash router with tensor token ids', 'pass the ids as an Int32Array');
 * const ids = tokenIds.dataSync();
 * ```
 */
export function requireSyncReadback(component: string, remedy: string): void {
  if (!backendCapabilities().syncReadback) throw new SyncReadbackError(component, tf.getBackend(), remedy);
}

/**
 * On a backend without synchronous reads, reads every variable back with `await` so that its value
 * is cached on the host; elsewhere nothing. tfjs moves a tensor to another backend (after
 * `setBackend`) by a synchronous read of the backend holding it, which webgpu in Node cannot do,
 * except for values already read: `initBackend` calls this before it switches backends, so models
 * (their parameters and buffers are variables) move. A plain tensor kept across the switch still
 * cannot move: read it (`await t.data()`) first, or make it again on the new backend.
 */
export async function cacheVariablesOnHost(): Promise<void> {
  if (backendCapabilities().syncReadback) return;
  const variables = Object.values(tf.engine().state.registeredVariables);
  await Promise.all(variables.filter((v) => !v.isDisposed).map((v) => v.data()));
}
