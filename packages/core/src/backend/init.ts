import * as os from 'os';
import { tf } from '../tf';
import { registerWasmTrainingKernels } from './kernels';
import { registerWasmSpeedKernels } from './kernels/speed';
import { withoutAddedProcessListeners } from './process-listeners';
import { patchWasmThreadsForNode, unrefWasmWorkers } from './wasm-threads';

/** Backends moe-zoo can run on, in the order {@link initBackend} tries them. */
export const BACKEND_ORDER = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_ORDER)[number];

/** What {@link initBackend} selected. */
export interface BackendInfo {
  /** The tfjs backend name now active. */
  name: BackendName;
  /** Threads the backend computes with (wasm: pthread pool size; cpu: 1). */
  threads: number;
  /** The npm package that provides the backend. */
  provider: string;
  /** Why earlier candidates were skipped, for the log. */
  skipped: string[];
}

export interface InitBackendOptions {
  /** Force one backend; defaults to `MOE_BACKEND` or `auto`. */
  backend?: BackendName | 'auto';
  /** wasm threads; defaults to `MOE_THREADS` or min(2, cores). */
  threads?: number;
}

let current: BackendInfo | undefined;

function parseBackend(value: string | undefined): BackendName | 'auto' {
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if ((BACKEND_ORDER as readonly string[]).includes(value)) return value as BackendName;
  throw new Error(
    `MOE_BACKEND/--backend: unknown backend "${value}"; expected one of auto, ${BACKEND_ORDER.join(', ')}`,
  );
}

function defaultThreads(): number {
  const fromEnv = process.env.MOE_THREADS;
  if (fromEnv !== undefined && fromEnv !== '') {
    const n = Number(fromEnv);
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`MOE_THREADS must be a positive integer, got "${fromEnv}"`);
    return n;
  }
  return Math.max(1, Math.min(2, os.cpus().length));
}

async function tryTensorflow(): Promise<string> {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      // Optional packages: loaded only when present, so no static import.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(pkg);
    } catch {
      continue;
    }
    if (await tf.setBackend('tensorflow')) return pkg;
  }
  throw new Error('neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed');
}

async function startWasm(threads: number): Promise<number> {
  // Importing the wasm backend registers it at top priority; load it only when chosen.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  const restore = isNode && threads > 1 ? patchWasmThreadsForNode(wasm.setThreadsCount, threads) : undefined;
  try {
    await withoutAddedProcessListeners(async () => {
      if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") returned false');
    });
  } finally {
    restore?.();
  }
  unrefWasmWorkers();
  registerWasmTrainingKernels();
  registerWasmSpeedKernels();
  return wasm.getThreadsCount();
}

/**
 * Selects and initialises the fastest backend available: `tensorflow` (the optional
 * tfjs-node-gpu, then tfjs-node) -> `wasm` (SIMD, 2 threads in Node) -> `cpu`. `MOE_BACKEND`
 * or `options.backend` forces one, and then a failure is an error, not a fallback.
 * Idempotent: later calls return the first result unless a different backend is asked for.
 *
 * @example
 * ```ts
 * import { initBackend } from '@moe-zoo/core';
 * const info = await initBackend();            // { name: 'wasm', threads: 2, ... }
 * console.log(`running on ${info.name} x${info.threads}`);
 * ```
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const wanted = parseBackend(options.backend ?? process.env.MOE_BACKEND);
  if (current && (wanted === 'auto' || wanted === current.name)) return current;
  const threads = options.threads ?? defaultThreads();
  const candidates = wanted === 'auto' ? BACKEND_ORDER : [wanted];
  const skipped: string[] = [];
  for (const name of candidates) {
    try {
      if (name === 'tensorflow') {
        const provider = await tryTensorflow();
        current = { name, threads: os.cpus().length, provider, skipped };
      } else if (name === 'wasm') {
        const n = await startWasm(threads);
        current = { name, threads: n, provider: '@tensorflow/tfjs-backend-wasm', skipped };
      } else {
        if (!(await tf.setBackend('cpu'))) throw new Error('tf.setBackend("cpu") returned false');
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

/** The backend chosen by the last {@link initBackend}, or undefined before it ran. */
export function backendInfo(): BackendInfo | undefined {
  return current;
}

/** Parses a `--backend` value, naming the flag in the error. */
export function parseBackendFlag(value: string): BackendName | 'auto' {
  return parseBackend(value);
}
