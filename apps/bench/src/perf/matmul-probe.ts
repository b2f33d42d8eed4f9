import { initBackend, tf } from '@moe-zoo/core';
import { mergeTiming, timeMedian, type TimingInfo } from './timing';

/**
 * Measures square matMul GFLOP/s on the backend with a given thread count. The wasm thread pool
 * is fixed when the backend starts, so the perf suite runs this once per thread count in a
 * child process: `node matmul-probe.js <threads> <size,size,...> <reps>`; prints one JSON line:
 * per size the fastest run (`ms`, the roofline the GFLOP/s come from) and the median (`medianMs`),
 * plus whether the machine was idle while timing (the idle rule of `timing.ts`, with this
 * process's thread count).
 */
async function main(): Promise<void> {
  const [threadsArg, sizesArg, repsArg] = process.argv.slice(2);
  const info = await initBackend({ threads: Number(threadsArg) });
  const sizes = sizesArg.split(',').map(Number);
  const out: { size: number; ms: number; medianMs: number; gflops: number }[] = [];
  const timings: TimingInfo[] = [];
  for (const n of sizes) {
    const a = tf.randomNormal([n, n]);
    const b = tf.randomNormal([n, n]);
    const mm = timeMedian(
      () =>
        tf.tidy(() => {
          tf.matMul(a, b).dataSync();
        }),
      { reps: Number(repsArg), threads: info.threads },
    );
    timings.push(mm);
    const best = mm.minMs; // the roofline: the fastest run
    out.push({ size: n, ms: best, medianMs: mm.medianMs, gflops: (2 * n ** 3) / best / 1e6 });
    tf.dispose([a, b]);
  }
  process.stdout.write(
    JSON.stringify({
      backend: info.name,
      threads: info.threads,
      results: out,
      timing: mergeTiming(timings),
    }) + '\n',
  );
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`matmul-probe: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
