/** The parent side of `matmul-probe.ts`: one long-lived child process per wasm thread count. */
import { spawn } from 'child_process';
import * as readline from 'readline';
import type { ProbeReady, ProbeSample } from './matmul-probe';
import type { LayerShape } from './plan';

/** A running matmul probe with its own wasm thread pool. */
export interface MatmulProbe {
  /** Threads the probe's wasm backend actually started with. */
  threads: number;
  /** Times one `size` x `size` matmul in the probe (it must be one of the probe's sizes). */
  time(size: number): Promise<ProbeSample>;
  /** Times one sorted-dispatch MoE forward + backward of `shape` over `tokens` tokens in the probe. */
  timeLayer(tokens: number, shape: LayerShape): Promise<ProbeSample>;
  /** Ends the probe (closes its stdin) and waits for it to exit. */
  close(): Promise<void>;
}

/**
 * Starts `matmul-probe.js` with `threads` wasm threads (0: the backend's default) and square inputs
 * of `sizes`; `idleThreads` is the thread count its idle rule compares the load average with (0:
 * the probe's own threads). Rejects when the probe fails
 * to start; a probe that dies later rejects the pending and every later request with its stderr.
 */
export async function startProbe(
  threads: number,
  sizes: readonly number[],
  idleThreads: number,
): Promise<MatmulProbe> {
  const script = require.resolve('./matmul-probe');
  const child = spawn(process.execPath, [script, String(threads), sizes.join(','), String(idleThreads)], {
    env: { ...process.env, MOE_BACKEND: 'wasm' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // A write to a probe that died fails with EPIPE; its exit (below) reports why.
  child.stdin.on('error', () => undefined);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const lines: string[] = [];
  const waiting: { resolve: (line: string) => void; reject: (err: Error) => void }[] = [];
  let ended: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    const end = (err: Error) => {
      ended ??= err;
      for (const w of waiting.splice(0)) w.reject(ended);
      resolve();
    };
    child.on('error', end);
    child.on('close', (code, signal) =>
      end(new Error(`matmul probe (${threads} threads) exited (${code ?? signal}): ${stderr.trim()}`)),
    );
  });
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    // The probe's messages are JSON lines; anything else a library prints to stdout is not one.
    if (!line.startsWith('{')) return;
    const w = waiting.shift();
    if (w) w.resolve(line);
    else lines.push(line);
  });
  const next = (): Promise<string> => {
    const line = lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (ended) return Promise.reject(ended);
    return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  };
  const close = async (): Promise<void> => {
    child.stdin.end();
    await exited;
  };
  let ready: ProbeReady;
  try {
    ready = JSON.parse(await next()) as ProbeReady;
  } catch (err) {
    await close();
    throw err;
  }
  return {
    threads: ready.threads,
    async time(size) {
      if (ended) throw ended;
      child.stdin.write(`${size}\n`);
      return JSON.parse(await next()) as ProbeSample;
    },
    async timeLayer(tokens, { dim, hidden, experts, topK }) {
      if (ended) throw ended;
      child.stdin.write(`layer ${tokens} ${dim} ${hidden} ${experts} ${topK}\n`);
      return JSON.parse(await next()) as ProbeSample;
    },
    close,
  };
}
