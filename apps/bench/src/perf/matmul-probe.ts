import { initBackend, tf } from '@moe-zoo/core';
import { timeInterleaved } from './timing';

/**
 * Measures square matMul GFLOP/s on the backend with a given thread count. The wasm thread pool
 * is fixed when the backend starts, so the perf suite runs this once per thread count in a
 * child process: `node matmul-probe.js <threads> <size,size,...> <reps>`; prints one JSON line.
 */
async function main(): Promise<void> {
  const [threadsArg, sizesArg, repsArg] = process.argv.slice(2);
  const info = await initBackend({ threads: Number(threadsArg) });
  const sizes = sizesArg.split(',').map(Number);
  const out: { size: number; ms: number; gflops: number }[] = [];
  for (const n of sizes) {
    const a = tf.randomNormal([n, n]);
    const b = tf.randomNormal([n, n]);
    const { mm } = timeInterleaved(
      {
        mm: () =>
          tf.tidy(() => {
            tf.matMul(a, b).dataSync();
          }),
      },
      Number(repsArg),
    );
    const best = Math.min(...mm.samples); // the roofline: the fastest run
    out.push({ size: n, ms: best, gflops: (2 * n ** 3) / best / 1e6 });
    tf.dispose([a, b]);
  }
  process.stdout.write(JSON.stringify({ backend: info.name, threads: info.threads, results: out }) + '\n');
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`matmul-probe: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
