import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import sharp, {
  type FlattenOptions,
  type JpegOptions,
  type OutputInfo,
  type PngOptions,
  type ResizeOptions,
  type Sharp,
  type SharpOptions,
  type WebpOptions,
} from 'sharp';

/** One sharp method call of a pipeline, as plain data (so it can be sent to a worker thread). */
export type SharpStep =
  | ['autoOrient']
  | ['resize', number | undefined, number | undefined, ResizeOptions]
  | ['flatten', FlattenOptions]
  | ['ensureAlpha']
  | ['toColourspace', 'srgb' | 'b-w']
  | ['raw']
  | ['png', PngOptions]
  | ['jpeg', JpegOptions]
  | ['webp', WebpOptions];

/** Work for sharp: read the header, or run `steps` and return the output buffer. */
export type SharpTask =
  | { kind: 'metadata'; input: Uint8Array; options: SharpOptions }
  | { kind: 'pipeline'; input: Uint8Array; options: SharpOptions; steps: SharpStep[] };

/** The answer to a `metadata` task (sizes as stored, before EXIF orientation). */
export interface SharpHeader {
  width: number;
  height: number;
}

/** The answer to a `pipeline` task. */
export interface SharpOutput {
  data: Buffer;
  info: OutputInfo;
}

function applyStep(p: Sharp, step: SharpStep): Sharp {
  switch (step[0]) {
    case 'autoOrient':
      return p.autoOrient();
    case 'resize':
      return p.resize(step[1], step[2], step[3]);
    case 'flatten':
      return p.flatten(step[1]);
    case 'ensureAlpha':
      return p.ensureAlpha();
    case 'toColourspace':
      return p.toColourspace(step[1]);
    case 'raw':
      return p.raw();
    case 'png':
      return p.png(step[1]);
    case 'jpeg':
      return p.jpeg(step[1]);
    case 'webp':
      return p.webp(step[1]);
  }
}

/** Runs a task with sharp on this thread. */
export async function runSharp(task: SharpTask): Promise<SharpHeader | SharpOutput> {
  const input = Buffer.from(task.input.buffer, task.input.byteOffset, task.input.byteLength);
  let p = sharp(input, task.options);
  if (task.kind === 'metadata') {
    const m = await p.metadata();
    return { width: m.width ?? 0, height: m.height ?? 0 };
  }
  for (const step of task.steps) p = applyStep(p, step);
  return p.toBuffer({ resolveWithObject: true });
}

// The worker applies the steps generically (`p[name](...args)`); `applyStep` above is the typed
// twin, so both threads run the same sharp calls.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const sharp = require(workerData.sharpPath);
const port = workerData.port;
parentPort.on('message', async ({ task, flag }) => {
  let reply;
  try {
    const input = Buffer.from(task.input.buffer, task.input.byteOffset, task.input.byteLength);
    let p = sharp(input, task.options);
    if (task.kind === 'metadata') {
      const m = await p.metadata();
      reply = { value: { width: m.width || 0, height: m.height || 0 } };
    } else {
      for (const [name, ...args] of task.steps) p = p[name](...args);
      reply = { value: await p.toBuffer({ resolveWithObject: true }) };
    }
  } catch (e) {
    reply = { error: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(reply);
  const f = new Int32Array(flag);
  Atomics.store(f, 0, 1);
  Atomics.notify(f, 0);
});
`;

/** How long a synchronous call waits for the worker before giving up. */
const SYNC_TIMEOUT_MS = 120_000;

let bridge: { worker: Worker; port: MessagePort; flag: Int32Array } | undefined;

function syncBridge(): NonNullable<typeof bridge> {
  if (bridge) return bridge;
  const { port1, port2 } = new MessageChannel();
  // sharp is already loaded on this thread (see the import above), as sharp requires on glibc
  // Linux before worker threads load it.
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { sharpPath: require.resolve('sharp'), port: port2 },
    transferList: [port2],
  });
  worker.unref();
  port1.unref();
  worker.on('exit', () => {
    if (bridge?.worker === worker) bridge = undefined;
  });
  bridge = { worker, port: port1, flag: new Int32Array(new SharedArrayBuffer(4)) };
  return bridge;
}

/**
 * Runs a task with sharp on a helper worker thread and blocks until it answers: sharp only has
 * an asynchronous API, and some pipelines (cached data generation) are synchronous.
 */
export function runSharpSync(task: SharpTask): SharpHeader | SharpOutput {
  const b = syncBridge();
  Atomics.store(b.flag, 0, 0);
  b.worker.postMessage({ task, flag: b.flag.buffer });
  if (Atomics.wait(b.flag, 0, 0, SYNC_TIMEOUT_MS) === 'timed-out') {
    bridge = undefined;
    void b.worker.terminate();
    throw new Error(`the sharp worker did not answer within ${SYNC_TIMEOUT_MS / 1000} s`);
  }
  const received = receiveMessageOnPort(b.port);
  const reply = received?.message as
    | { value: SharpHeader | { data: Uint8Array; info: OutputInfo }; error?: undefined }
    | { error: string }
    | undefined;
  if (!reply) throw new Error('the sharp worker answered without a result');
  if (reply.error !== undefined) throw new Error(reply.error);
  const value = reply.value;
  if ('data' in value) {
    return {
      data: Buffer.from(value.data.buffer, value.data.byteOffset, value.data.byteLength),
      info: value.info,
    };
  }
  return value;
}
