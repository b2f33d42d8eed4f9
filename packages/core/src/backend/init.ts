import * as os from 'os';
import { tf } from '../tf';
import { registerWasmTrainingKernels } from './kernels';
import { registerWasmSpeedKernels } from './kernels/speed';
import { withoutAddedProcessListeners } from './process-listeners';
import { selectBackend, type BackendInfo, type BackendStarters, type InitBackendOptions } from './select';
import { patchWasmThreadsForNode, unrefWasmWorkers } from './wasm-threads';
import { startWebgpuNode } from './webgpu-node';

export {
  BACKEND_ORDER,
  backendInfo,
  describeBackend,
  parseBackendFlag,
  type BackendName,
  type BackendInfo,
  type InitBackendOptions,
} from './select';

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

/** How Node starts each backend. */
const NODE: BackendStarters = {
  envBackend: () => process.env.MOE_BACKEND,
  defaultThreads,
  tensorflow: async () => ({ provider: await tryTensorflow(), threads: os.cpus().length }),
  webgpu: startWebgpuNode,
  wasm: startWasm,
  cpu: async () => {
    if (!(await tf.setBackend('cpu'))) throw new Error('tf.setBackend("cpu") returned false');
  },
};

/**
 * Selects and initialises the fastest backend available: `tensorflow` (the optional
 * tfjs-node-gpu, then tfjs-node) -> `webgpu` (browsers' `navigator.gpu`, in Node the optional
 * `webgpu` package; only on a real GPU: a software adapter such as lavapipe or SwiftShader is
 * skipped unless asked for by name) -> `wasm` (SIMD, 2 threads in Node) -> `cpu`. `MOE_BACKEND`
 * or `options.backend` forces one, and then a failure is an error, not a fallback.
 * Idempotent: later calls return the first result unless a different backend is asked for.
 * (Browsers: the `browser` entry's `initBackend`, which also sets where the wasm files are.)
 *
 * @example
 * ```ts
 * import { initBackend } from '@moe-zoo/core';
 * const info = await initBackend();            // { name: 'wasm', threads: 2, ... }
 * console.log(`running on ${info.name} x${info.threads}`);
 * ```
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  return selectBackend(options, NODE);
}
