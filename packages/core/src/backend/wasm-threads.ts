import * as fs from 'fs';
import os from 'os';
import * as path from 'path';
import { tf } from '../tf';

/**
 * tfjs 4.22 turns wasm threads off under Node (its pthread worker is a blob: URL that
 * node:worker_threads cannot load) and the C++ side caps the pool at half the logical cores.
 * This writes the worker to a real file, points `URL.createObjectURL` at it, and reports enough
 * cores while the backend starts. Returns a function that undoes the global patches.
 */
export function patchWasmThreadsForNode(setThreadsCount: (n: number) => void, threads: number): () => void {
  const mainJs = require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
  const workerModule = path.join(path.dirname(mainJs), 'tfjs-backend-wasm-threaded-simd.worker.js');
  // The worker source ships as a CommonJS module exporting a string.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { wasmWorkerContents } = require(workerModule) as { wasmWorkerContents: string };
  const needle =
    'var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)';
  if (!wasmWorkerContents.includes(needle)) {
    throw new Error(`wasm thread patch: unexpected worker source in ${workerModule}`);
  }
  const source = wasmWorkerContents.replace(needle, `importScripts(${JSON.stringify(mainJs)})`);
  const workerFile = path.join(os.tmpdir(), `moe-zoo-wasm-worker-${process.pid}.js`);
  fs.writeFileSync(workerFile, source.replace(/\n/g, '\\n'));
  process.once('exit', () => fs.rmSync(workerFile, { force: true }));

  const createObjectURL = URL.createObjectURL;
  URL.createObjectURL = (blob: Blob) =>
    blob && blob.type === 'application/javascript' ? workerFile : createObjectURL(blob);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(threads);
  const cpus = os.cpus;
  os.cpus = () => {
    const list = cpus();
    while (list.length > 0 && list.length < 2 * threads) list.push(list[0]);
    return list;
  };
  return () => {
    os.cpus = cpus;
    URL.createObjectURL = createObjectURL;
  };
}

interface PThreadPool {
  unusedWorkers?: { unref?: () => void }[];
  runningWorkers?: { unref?: () => void }[];
}

/** Lets Node exit while the wasm pthread pool is alive. */
export function unrefWasmWorkers(): void {
  const backend = tf.backend() as unknown as { wasm?: { PThread?: PThreadPool } };
  const pool = backend.wasm?.PThread;
  for (const w of [...(pool?.unusedWorkers ?? []), ...(pool?.runningWorkers ?? [])]) w.unref?.();
}
