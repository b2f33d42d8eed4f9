/**
 * Backend selection shared by Node (`init.ts`) and browsers (`init-browser.ts`): the order, the
 * record of what runs and the loop that tries each candidate. How a backend starts on a platform
 * is a {@link BackendStarters} given by the entry; this file imports nothing platform-specific.
 */
import { cacheVariablesOnHost } from './readback';
import { describeAdapter, type GpuAdapterSummary } from './webgpu';

/** Backends moe-zoo can run on, in the order {@link selectBackend} tries them. */
export const BACKEND_ORDER = ['tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_ORDER)[number];

/** What `initBackend` selected. */
export interface BackendInfo {
  /** The tfjs backend name now active. */
  name: BackendName;
  /** Threads the backend computes with (wasm: pthread pool size; cpu: 1). */
  threads: number;
  /** The npm package that provides the backend. */
  provider: string;
  /** Why earlier candidates were skipped, for the log. */
  skipped: string[];
  /** The GPU adapter (webgpu only): vendor, architecture, device, and whether it is software. */
  adapter?: GpuAdapterSummary;
}

export interface InitBackendOptions {
  /** Force one backend; defaults to `MOE_BACKEND` (Node) or `auto`. */
  backend?: BackendName | 'auto';
  /** wasm threads; defaults to `MOE_THREADS` or min(2, cores) in Node, the browser's choice in browsers. */
  threads?: number;
}

/** How one platform starts each backend; every starter throws with a one-line reason when it cannot. */
export interface BackendStarters {
  /** The backend asked for by the environment (`MOE_BACKEND` in Node), if any. */
  envBackend(): string | undefined;
  /** The wasm thread count when none is given. */
  defaultThreads(): number;
  /** Starts `tensorflow`; returns its npm package and thread count. */
  tensorflow(): Promise<{ provider: string; threads: number }>;
  /** Starts `webgpu`; a software adapter only with `allowFallback`. Returns the adapter. */
  webgpu(allowFallback: boolean): Promise<GpuAdapterSummary>;
  /** Starts `wasm` with `threads` threads; returns the threads it runs with. */
  wasm(threads: number): Promise<number>;
  /** Starts `cpu`. */
  cpu(): Promise<void>;
}

let current: BackendInfo | undefined;

function parseBackend(value: string | undefined): BackendName | 'auto' {
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if ((BACKEND_ORDER as readonly string[]).includes(value)) return value as BackendName;
  throw new Error(
    `MOE_BACKEND/--backend: unknown backend "${value}"; expected one of auto, ${BACKEND_ORDER.join(', ')}`,
  );
}

/**
 * Tries the backend asked for, or each in {@link BACKEND_ORDER}, with `starters`. A backend asked
 * for by name fails with an error, not a fallback. Idempotent: later calls return the first
 * result unless a different backend is asked for. Before switching from a running backend without
 * synchronous reads (webgpu), every variable is read back ({@link cacheVariablesOnHost}), so that
 * models can move to the new backend.
 */
export async function selectBackend(
  options: InitBackendOptions,
  starters: BackendStarters,
): Promise<BackendInfo> {
  const wanted = parseBackend(options.backend ?? starters.envBackend());
  if (current && (wanted === 'auto' || wanted === current.name)) return current;
  // Switching: variables on a backend without synchronous reads must be read back to move.
  if (current) await cacheVariablesOnHost();
  const threads = options.threads ?? starters.defaultThreads();
  const candidates = wanted === 'auto' ? BACKEND_ORDER : [wanted];
  const skipped: string[] = [];
  for (const name of candidates) {
    try {
      if (name === 'tensorflow') {
        const started = await starters.tensorflow();
        current = { name, threads: started.threads, provider: started.provider, skipped };
      } else if (name === 'webgpu') {
        const adapter = await starters.webgpu(wanted === 'webgpu');
        current = { name, threads: 1, provider: '@tensorflow/tfjs-backend-webgpu', skipped, adapter };
      } else if (name === 'wasm') {
        const n = await starters.wasm(threads);
        current = { name, threads: n, provider: '@tensorflow/tfjs-backend-wasm', skipped };
      } else {
        await starters.cpu();
        current = { name, threads: 1, provider: '@tensorflow/tfjs-backend-cpu', skipped };
      }
      return current;
    } catch (err) {
      const reason = `${name}: ${(err as Error).message.split('\n')[0]}`;
      if (wanted !== 'auto') throw new Error(`backend ${reason}`, { cause: err });
      skipped.push(reason);
    }
  }
  throw new Error(`no backend could start (${skipped.join('; ')})`);
}

/** The backend chosen by the last `initBackend`, or undefined before it ran. */
export function backendInfo(): BackendInfo | undefined {
  return current;
}

/**
 * One line naming what runs: `wasm, 2 threads (@tensorflow/tfjs-backend-wasm)` or
 * `webgpu on nvidia ampere (NVIDIA A100) (@tensorflow/tfjs-backend-webgpu)`.
 */
export function describeBackend(info: BackendInfo): string {
  const on = info.adapter
    ? ` on ${describeAdapter(info.adapter)}`
    : `, ${info.threads} thread${info.threads === 1 ? '' : 's'}`;
  return `${info.name}${on} (${info.provider})`;
}

/** Parses a `--backend` value, naming the flag in the error. */
export function parseBackendFlag(value: string): BackendName | 'auto' {
  return parseBackend(value);
}
