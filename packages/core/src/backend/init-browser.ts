/**
 * Backend start-up in browsers: `webgpu` on `navigator.gpu` (a real GPU first; a software adapter
 * such as SwiftShader only when asked for by name) -> `wasm` (its `.wasm` files served from where
 * `wasmPaths` says) -> `cpu`. No Node built-in, no `process`: the browser entry's `initBackend`.
 */
import { tf } from '../tf';
import { registerWasmTrainingKernels } from './kernels';
import { registerWasmSpeedKernels } from './kernels/speed';
import { selectBackend, type BackendInfo, type BackendStarters, type InitBackendOptions } from './select';
import { currentGpu, startWebgpuOn } from './webgpu';

/** The file names of tfjs-backend-wasm's binaries, keys of a `wasmPaths` map. */
export type WasmBinaryName =
  'tfjs-backend-wasm.wasm' | 'tfjs-backend-wasm-simd.wasm' | 'tfjs-backend-wasm-threaded-simd.wasm';

/** Options of the browser `initBackend`. */
export interface BrowserBackendOptions extends InitBackendOptions {
  /**
   * Where tfjs-backend-wasm's `.wasm` files are: a URL prefix ending in `/` (the folder serving
   * `node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm`) or a map from file name to URL.
   * Without it tfjs looks beside the page's script. Threads need a cross-origin isolated page
   * (COOP `same-origin`, COEP `require-corp`).
   */
  wasmPaths?: string | Partial<Record<WasmBinaryName, string>>;
}

/** The browser's logical cores, halved as tfjs's own pool is (at least 1); tfjs decides unless `threads` is given. */
function defaultThreads(): number {
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator
    ?.hardwareConcurrency;
  return Math.max(1, Math.floor((cores ?? 2) / 2));
}

function starters({ wasmPaths, threads: asked }: BrowserBackendOptions): BackendStarters {
  return {
    envBackend: () => undefined,
    defaultThreads,
    tensorflow: () => Promise.reject(new Error('tfjs-node is not available in browsers')),
    webgpu: (allowFallback) =>
      startWebgpuOn(() => {
        const gpu = currentGpu();
        if (!gpu) throw new Error('this browser has no navigator.gpu');
        return gpu;
      }, allowFallback),
    wasm: async () => {
      // Importing the wasm backend registers it at top priority; load it only when chosen. An
      // import(), not a require(): bundlers then resolve it to the same tfjs-core as the rest.
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      if (wasmPaths !== undefined) wasm.setWasmPaths(wasmPaths);
      // Threads run only on a cross-origin isolated page; otherwise tfjs runs one, whatever is set.
      if (asked !== undefined) wasm.setThreadsCount(asked);
      if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") returned false');
      registerWasmTrainingKernels();
      registerWasmSpeedKernels();
      return wasm.getThreadsCount();
    },
    cpu: async () => {
      if (!(await tf.setBackend('cpu'))) throw new Error('tf.setBackend("cpu") returned false');
    },
  };
}

/**
 * Selects and initialises the fastest backend the browser offers: `webgpu` (`navigator.gpu`,
 * only on a real GPU unless asked for by name) -> `wasm` -> `cpu`. `options.backend` forces one,
 * and then a failure is an error, not a fallback. Idempotent like the Node `initBackend`.
 *
 * @example
 * ```ts
 * import { initBackend } from '@moe-zoo/core/browser';
 * const info = await initBackend({ wasmPaths: '/wasm/' }); // { name: 'wasm', threads: 1, ... }
 * ```
 */
export async function initBrowserBackend(options: BrowserBackendOptions = {}): Promise<BackendInfo> {
  return selectBackend(options, starters(options));
}
