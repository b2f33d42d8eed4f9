import { spawnSync } from 'child_process';
import * as path from 'path';

/**
 * Core's correctness checks on the webgpu backend (and, as a control, on wasm). Jest cannot load
 * the ESM-only `webgpu` package, so a plain Node process runs them on the built dist
 * (test/webgpu/driver.js) with `WEBGPU_CPU_FORWARD` off and GPU validation errors turned into
 * failures. Without a Vulkan adapter (no Mesa lavapipe, no GPU) the webgpu run is skipped with
 * the reason; `.ci/run` installs lavapipe so that it runs in CI.
 */

const DRIVER = path.join(__dirname, 'webgpu', 'driver.js');

interface CheckResult {
  name: string;
  ok: boolean;
  ms: number;
  detail?: string;
  error?: string;
}

interface DriverReport {
  backend: string;
  unavailable?: string;
  description?: string;
  checks?: CheckResult[];
  ms?: number;
}

function runDriver(backend: string, filter = ''): DriverReport {
  const r = spawnSync(process.execPath, [DRIVER, backend, filter], {
    encoding: 'utf8',
    timeout: 170_000,
    maxBuffer: 64 << 20,
  });
  const last = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (r.status !== 0 || last === undefined) {
    throw new Error(
      `driver on ${backend} exited ${r.status} (${r.signal ?? 'no signal'}):\n${r.stderr.slice(-4000)}`,
    );
  }
  return JSON.parse(last) as DriverReport;
}

function expectAllPass(report: DriverReport): void {
  expect(report.checks?.length ?? 0).toBeGreaterThanOrEqual(7);
  const failed = (report.checks ?? []).filter((c) => !c.ok).map((c) => `${c.name}: ${c.error}`);
  expect(failed).toEqual([]);
}

// A cheap probe (no checks): is there a WebGPU adapter on this machine?
const probe = runDriver('webgpu', 'no check has this name');
const onGpu = probe.unavailable === undefined ? it : it.skip;
if (probe.unavailable !== undefined) {
  console.warn(
    `webgpu-backend.test: SKIPPED the webgpu checks, no WebGPU adapter (${probe.unavailable}). ` +
      'Install Mesa lavapipe from bookworm-backports as .ci/run does.',
  );
}

describe('core correctness checks in a child Node process', () => {
  it('pass on wasm (the control run of the same driver)', () => {
    expectAllPass(runDriver('wasm'));
  }, 120_000);

  onGpu(
    'pass on webgpu with small ops on the GPU and no GPU validation error',
    () => {
      const report = runDriver('webgpu');
      expect(report.backend).toBe('webgpu');
      expect(report.description).toMatch(/^webgpu on /);
      expectAllPass(report);
      expect(report.checks?.map((c) => c.name)).toEqual(
        expect.arrayContaining(['GPU validation errors surface', 'synchronous reads explain themselves']),
      );
    },
    180_000,
  );
});
