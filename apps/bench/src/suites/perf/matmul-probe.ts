import * as readline from 'readline';
import { initBackend, tf } from '@moe-zoo/core';
import { timeMedian, timeMedianAsync } from '../../perf/timing';
import { layerArms, type LayerArms } from './arms';
import type { LayerShape } from './plan';

/** The probe's first line: the backend it started and its thread count. */
export interface ProbeReady {
  ready: true;
  backend: string;
  threads: number;
}

/** The probe's answer to one request: one timed matmul and the idle reading around it. */
export interface ProbeSample {
  size: number;
  ms: number;
  idle: boolean;
  loadavg: number;
}

function send(message: ProbeReady | ProbeSample): void {
  process.stdout.write(JSON.stringify(message) + '\n');
}

/**
 * Serves square matMul timings on the wasm backend with a given thread count. The wasm thread pool
 * is fixed when the backend starts, so the perf suite keeps one of these child processes per
 * thread count and interleaves single matmuls across them in rounds (`run-matmul.ts`):
 * `node matmul-probe.js <threads> <size,size,...> <idleThreads>` prints a {@link ProbeReady} line,
 * then answers each stdin line `<size>` with a {@link ProbeSample} line: one `size` x `size` matMul
 * timed by `perf/timing.ts`, whose idle rule uses `idleThreads` (the most threads any probe of the
 * comparison computes with). Between requests it waits on stdin without computing.
 *
 * A line `layer <tokens> <dim> <hidden> <experts> <topK>` instead times one sorted-dispatch MoE
 * forward + backward of that layer on wasm (the wasm reference of the GPU targets; the layer is
 * built on the first request and kept). `<threads>` 0 means the backend's default thread count.
 */
async function main(): Promise<void> {
  const [threadsArg, sizesArg, idleThreadsArg] = process.argv.slice(2);
  const threads = Number(threadsArg);
  const info = await initBackend({ threads: threads > 0 ? threads : undefined });
  const idleThreads = Number(idleThreadsArg) > 0 ? Number(idleThreadsArg) : info.threads;
  const inputs = new Map(
    sizesArg
      .split(',')
      .filter((n) => n !== '')
      .map(Number)
      .map((n) => [n, [tf.randomNormal([n, n]), tf.randomNormal([n, n])]] as const),
  );
  send({ ready: true, backend: info.name, threads: info.threads });
  const layers = new Map<string, LayerArms>();
  for await (const line of readline.createInterface({ input: process.stdin })) {
    if (line.startsWith('layer ')) {
      const [tokens, dim, hidden, experts, topK] = line.split(' ').slice(1).map(Number);
      const shape: LayerShape = { dim, hidden, experts, topK };
      const key = `${tokens} ${dim} ${hidden} ${experts} ${topK}`;
      const built = layers.get(key) ?? layerArms(shape, tokens, false);
      layers.set(key, built);
      const arm = built.arms.find((a) => a.name === 'sorted/fwdbwd');
      if (!arm) throw new Error('no sorted/fwdbwd layer arm');
      const t = await timeMedianAsync(arm.run, { reps: 1, warmup: 0, threads: idleThreads });
      send({ size: tokens, ms: t.samplesMs[0], idle: t.idle, loadavg: t.loadavg });
      continue;
    }
    const size = Number(line);
    const pair = inputs.get(size);
    if (!pair) throw new Error(`no matmul of size "${line}" (sizes ${sizesArg})`);
    const [a, b] = pair;
    const t = timeMedian(
      () =>
        tf.tidy(() => {
          tf.matMul(a, b).dataSync();
        }),
      { reps: 1, warmup: 0, threads: idleThreads },
    );
    send({ size, ms: t.samplesMs[0], idle: t.idle, loadavg: t.loadavg });
  }
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`matmul-probe: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
