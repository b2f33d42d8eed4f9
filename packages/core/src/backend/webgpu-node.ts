/**
 * The webgpu backend's Node-only parts: Dawn (the optional `webgpu` package) as `navigator.gpu`,
 * the GPU device-node check that spares loading it on GPU-less Linux machines, and an error that
 * explains the missing synchronous reads. Imported by the Node entry only.
 */
import * as fs from 'fs';
import { tf } from '../tf';
import { currentGpu, probeAdapter, startWebgpuOn, type GpuAdapterSummary, type GpuLike } from './webgpu';

/** What the `webgpu` npm package (Dawn for Node) exports. */
interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

function isNode(): boolean {
  return typeof process !== 'undefined' && !!process.versions?.node;
}

/**
 * Whether Linux exposes a GPU: a DRM render node (AMD, Intel, NVIDIA open) or an NVIDIA device.
 * Without one only a software Vulkan driver can answer, which the automatic order skips anyway;
 * checking first spares loading Dawn (and its start-up warnings) on GPU-less machines.
 */
function hasGpuDeviceNode(): boolean {
  const list = (dir: string) => {
    try {
      return fs.readdirSync(dir);
    } catch {
      return [];
    }
  };
  return (
    list('/dev/dri').some((f) => f.startsWith('renderD')) || list('/dev').some((f) => /^nvidia\d+$/.test(f))
  );
}

function installed(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes `navigator.gpu` available: browsers have it; in Node it comes from the optional `webgpu`
 * package (Dawn, which drives Vulkan on Linux), whose WebGPU globals are installed once.
 */
function ensureNavigatorGpu(): GpuLike {
  const existing = currentGpu();
  if (existing) return existing;
  if (!isNode()) throw new Error('this browser has no navigator.gpu');
  let dawn: DawnModule;
  try {
    // Optional package, loaded only when webgpu is tried, so no static import.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    dawn = require('webgpu') as DawnModule;
  } catch (err) {
    throw new Error(
      `the optional package "webgpu" cannot be loaded (${(err as Error).message.split('\n')[0]})`,
      {
        cause: err,
      },
    );
  }
  const gpu = dawn.create([]);
  const g = globalThis as { navigator?: object };
  for (const [name, value] of Object.entries(dawn.globals)) {
    if (!(name in globalThis)) (globalThis as Record<string, unknown>)[name] = value;
  }
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  else g.navigator = { gpu, userAgent: 'node' };
  return gpu;
}

/**
 * Finds the adapter tfjs-backend-webgpu will take (same power preference) and describes it,
 * without creating a device. Throws when there is none.
 */
export async function probeWebgpuAdapter(): Promise<GpuAdapterSummary> {
  return probeAdapter(ensureNavigatorGpu());
}

/**
 * Starts tfjs-backend-webgpu on the first adapter (Dawn in Node). A software adapter (lavapipe,
 * SwiftShader) is refused unless `allowFallback` (the backend was asked for by name): it runs
 * correctly but slower than wasm. Returns the adapter in use.
 */
export async function startWebgpuNode(allowFallback: boolean): Promise<GpuAdapterSummary> {
  if (!allowFallback && isNode() && process.platform === 'linux' && !hasGpuDeviceNode()) {
    throw new Error('no GPU device node (/dev/dri/renderD*, /dev/nvidia*), so no GPU adapter to use');
  }
  if (isNode() && !installed('@tensorflow/tfjs-backend-webgpu')) {
    throw new Error('the optional peer @tensorflow/tfjs-backend-webgpu is not installed (npm install it)');
  }
  const adapter = await startWebgpuOn(ensureNavigatorGpu, allowFallback);
  if (isNode()) explainSyncReads();
  return adapter;
}

/**
 * In Node, tfjs-backend-webgpu's synchronous read fails with "OffscreenCanvas is not defined";
 * this makes it say what to do instead.
 */
function explainSyncReads(): void {
  const backend = tf.backend() as unknown as { readSync: (dataId: object) => unknown };
  const readSync = backend.readSync.bind(backend);
  backend.readSync = (dataId: object) => {
    try {
      return readSync(dataId);
    } catch (e) {
      if (!(e instanceof ReferenceError) || !e.message.includes('OffscreenCanvas')) throw e;
      throw new Error(
        'webgpu in Node has no synchronous reads (dataSync, arraySync, bufferSync): use `await tensor.data()`',
        { cause: e },
      );
    }
  };
}
