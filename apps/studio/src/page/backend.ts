/**
 * The page's backend: WebGPU where the browser has a (real) GPU adapter, wasm otherwise; cpu as
 * the last resort. `?backend=webgpu|wasm|cpu` forces one (a software WebGPU adapter only so).
 */
import { describeBackend, initBackend, parseBackendFlag, type BackendInfo } from '@moe-zoo/core/browser';

/** Where the build puts tfjs-backend-wasm's binaries, relative to the page. */
const WASM_PATHS = 'wasm/';

/** Starts the backend the page's URL asks for (default: the fastest available). */
export async function startPageBackend(): Promise<{ info: BackendInfo; described: string }> {
  const asked = new URLSearchParams(location.search).get('backend');
  const backend = asked ? parseBackendFlag(asked) : undefined;
  const info = await initBackend({ wasmPaths: WASM_PATHS, ...(backend ? { backend } : {}) });
  return { info, described: describeBackend(info) };
}
