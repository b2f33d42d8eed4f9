/**
 * The webgpu backend on any platform: adapter summaries and the start-up on a given
 * `navigator.gpu`. What only Node needs (Dawn from the `webgpu` package, the GPU device-node
 * check, clearer sync-read errors) is in `webgpu-node.ts`, so browser builds leave it out.
 */
import { tf } from '../tf';

/** The WebGPU adapter a backend runs on, as the adapter reports itself. */
export interface GpuAdapterSummary {
  /** e.g. `nvidia`, `amd`, `mesa` (lavapipe), `google` (SwiftShader). */
  vendor: string;
  /** e.g. `ampere`, `rdna-3`, `software`, `swiftshader`. */
  architecture: string;
  /** e.g. `llvmpipe (LLVM 19.1.7, 256 bits)`; may be empty in browsers. */
  device: string;
  /** A software / fallback adapter (lavapipe, SwiftShader): correct, but slower than wasm. */
  fallback: boolean;
}

/** The parts of a WebGPU adapter read here (the DOM typings may lack `info`). */
interface AdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}

/** The part of `navigator.gpu` used here. */
export interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'low-power' | 'high-performance' }): Promise<unknown>;
}

const SOFTWARE_ARCHITECTURES = new Set(['software', 'swiftshader']);

/** `navigator.gpu` if this platform has one now. */
export function currentGpu(): GpuLike | undefined {
  const nav = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
  return nav?.gpu;
}

function summarise(adapter: AdapterLike): GpuAdapterSummary {
  const info = adapter.info ?? {};
  const architecture = info.architecture ?? '';
  return {
    vendor: info.vendor ?? '',
    architecture,
    device: info.device ?? '',
    fallback:
      info.isFallbackAdapter === true ||
      adapter.isFallbackAdapter === true ||
      SOFTWARE_ARCHITECTURES.has(architecture.toLowerCase()),
  };
}

/** The tfjs flag `WEBGPU_USE_LOW_POWER_GPU`, registered only once the webgpu backend is loaded. */
function lowPowerAsked(): boolean {
  try {
    return tf.env().getBool('WEBGPU_USE_LOW_POWER_GPU');
  } catch {
    return false;
  }
}

/** `nvidia ampere (NVIDIA A100)`, `mesa software (llvmpipe ...), fallback`. */
export function describeAdapter(a: GpuAdapterSummary): string {
  const name = [a.vendor, a.architecture].filter((s) => s !== '').join(' ') || 'unknown adapter';
  return `${name}${a.device ? ` (${a.device})` : ''}${a.fallback ? ', software fallback' : ''}`;
}

/**
 * Finds the adapter tfjs-backend-webgpu will take on `gpu` (same power preference) and describes
 * it, without creating a device. Throws when there is none.
 */
export async function probeAdapter(gpu: GpuLike): Promise<GpuAdapterSummary> {
  const powerPreference = lowPowerAsked() ? 'low-power' : 'high-performance';
  const adapter = (await gpu.requestAdapter({ powerPreference })) as AdapterLike | null;
  if (!adapter) throw new Error('no WebGPU adapter (is a Vulkan driver installed?)');
  return summarise(adapter);
}

/**
 * Starts tfjs-backend-webgpu on the first adapter of `gpu()` (`navigator.gpu`, made available by
 * `gpu` if needed). A software adapter (lavapipe, SwiftShader) is refused unless `allowFallback`
 * (the backend was asked for by name): it runs correctly but slower than wasm. Returns the
 * adapter in use.
 */
export async function startWebgpuOn(gpu: () => GpuLike, allowFallback: boolean): Promise<GpuAdapterSummary> {
  const adapter = await probeAdapter(gpu());
  if (adapter.fallback && !allowFallback) {
    throw new Error(
      `only a software adapter, ${describeAdapter(adapter)} (ask for "webgpu" by name to use it)`,
    );
  }
  // Registers the backend; it checks navigator.gpu when loaded, so only now. An import(), not a
  // require(): a bundle of ESM sources then takes the same (ESM) tfjs-core as the rest, not a copy.
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('tf.setBackend("webgpu") returned false');
  return adapter;
}
