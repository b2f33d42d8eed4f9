/**
 * `moe-bench perf --backend webgpu --tiny` end to end, and one model suite (`run audio`: training
 * through core's Trainer, evaluation with awaited reads, latency), in a child Node process (Jest
 * cannot load the ESM-only `webgpu` package), on the built dist. Without a WebGPU adapter (no Mesa
 * lavapipe, no GPU) they are skipped with the reason; `.ci/run` installs lavapipe so that they run
 * in CI. No timing is asserted: the machine is shared and lavapipe is a software rasteriser.
 */
import { spawnSync, type SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { SuiteReport } from '../src/types';

const BENCH = path.resolve(__dirname, '..');
const BIN = path.join(BENCH, 'bin', 'moe-bench.js');

/** Reasons that mean "this machine has no usable WebGPU adapter", not a failure of ours. */
const NO_ADAPTER = /no WebGPU adapter|cannot be loaded|libvulkan|Couldn't load Vulkan|navigator\.gpu/i;

/** Starts the webgpu backend in a child process: undefined when it starts, else why not. */
function webgpuUnavailable(): string | undefined {
  const script =
    "require('@moe-zoo/core').initBackend({ backend: 'webgpu' }).then(" +
    '() => { console.log("{}"); process.exit(0); }, ' +
    '(e) => { console.log(JSON.stringify({ unavailable: String(e && e.message) })); process.exit(0); });';
  const r = spawnSync(process.execPath, ['-e', script], { cwd: BENCH, encoding: 'utf8', timeout: 60_000 });
  const last = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (r.status !== 0 || last === undefined) {
    throw new Error(
      `webgpu probe exited ${r.status} (${r.signal ?? 'no signal'}):\n${r.stderr.slice(-2000)}`,
    );
  }
  const { unavailable } = JSON.parse(last) as { unavailable?: string };
  if (unavailable !== undefined && !NO_ADAPTER.test(unavailable)) {
    throw new Error(`the webgpu backend failed to start: ${unavailable}`);
  }
  return unavailable;
}

const unavailable = webgpuUnavailable();
const onGpu = unavailable === undefined ? it : it.skip;
if (unavailable !== undefined) {
  console.warn(
    `perf-webgpu.test: SKIPPED, no WebGPU adapter (${unavailable}). ` +
      'Install Mesa lavapipe from bookworm-backports as .ci/run does.',
  );
}

/** Runs `moe-bench <args> --backend webgpu --tiny --out <out>` and fails with its stderr when it exits non-zero. */
function benchOnWebgpu(args: string[], out: string): SpawnSyncReturns<string> {
  const r = spawnSync(process.execPath, [BIN, ...args, '--backend', 'webgpu', '--tiny', '--out', out], {
    cwd: BENCH,
    encoding: 'utf8',
    env: { ...process.env, MOE_BACKEND: '' },
    timeout: 300_000,
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0)
    throw new Error(`moe-bench exited ${r.status} (${r.signal}):\n${r.stderr.slice(-4000)}`);
  return r;
}

describe('moe-bench perf on webgpu', () => {
  onGpu(
    'runs at tiny sizes, names the adapter and leaves the GPU targets "not measured" on a software adapter',
    () => {
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'moe-bench-perf-webgpu-'));
      try {
        const r = benchOnWebgpu(['perf'], out);
        expect(r.stdout).toMatch(/^backend: webgpu on /m);
        const report = JSON.parse(fs.readFileSync(path.join(out, 'perf.json'), 'utf8')) as SuiteReport;
        expect(report.backend).toBe('webgpu');
        expect(report.adapter).toEqual(expect.any(String));
        const tasks = (variant: string) =>
          report.rows.filter((x) => x.variant === variant).map((x) => x.task);
        expect(tasks('webgpu').length).toBeGreaterThan(0); // matmul rows
        for (const dispatch of ['sorted', 'capacity', 'dense']) {
          expect(tasks(dispatch)).toEqual(['fwd', 'fwdbwd', 'fwd-T1024', 'fwdbwd-T1024']);
        }
        for (const row of report.rows) expect(row.metrics.gflops).toBeGreaterThan(0);
        const gpuClaims = report.claims.filter((c) => c.id.startsWith('gpu-'));
        expect(gpuClaims.map((c) => c.id)).toEqual(['gpu-fwdbwd-vs-wasm', 'gpu-sorted-vs-dense-ffn']);
        // --tiny never measures the GPU targets, whatever the adapter.
        for (const c of gpuClaims) expect(c.evidence).toMatch(/^not measured/);
        expect(report.notes?.join('\n')).toMatch(/GPU targets .*not measured/);
      } finally {
        fs.rmSync(out, { recursive: true, force: true });
      }
    },
    320_000,
  );
});

describe('moe-bench run audio on webgpu', () => {
  onGpu(
    'trains and evaluates both arms at tiny sizes with no synchronous read',
    () => {
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'moe-bench-audio-webgpu-'));
      try {
        benchOnWebgpu(['run', 'audio'], out);
        const report = JSON.parse(fs.readFileSync(path.join(out, 'audio.json'), 'utf8')) as SuiteReport;
        expect(report.backend).toBe('webgpu');
        expect(report.rows.map((x) => x.variant).sort()).toEqual(['dense-96', 'moe-8x48-top2']);
        for (const row of report.rows) {
          expect(row.metrics.accuracy).toBeGreaterThanOrEqual(0);
          expect(row.metrics.accuracy).toBeLessThanOrEqual(1);
          expect(row.latencyMsPerBatch).toBeGreaterThan(0);
        }
        const moe = report.rows.find((x) => x.variant === 'moe-8x48-top2');
        expect(Number.isFinite(moe?.metrics.tvDigit)).toBe(true); // the routing was read back
        expect(report.notes?.[0]).toMatch(/^Tiny sizes \(--tiny/);
      } finally {
        fs.rmSync(out, { recursive: true, force: true });
      }
    },
    320_000,
  );
});
