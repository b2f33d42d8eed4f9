import * as path from 'path';
import { runFuzz } from '../src/fuzz/run-fuzz';
import { renderFuzzReport } from '../src/fuzz/report';

// The checkpoint fuzz run on the smallest shipped model: every header, byte and special-file
// case and 6 sampled config edits, each loaded in a child process. `moe-bench fuzz` runs all
// models and writes reports/fuzz.md.
const MODEL = {
  name: 'mome-av-digits',
  packageName: '@moe-zoo/multimodal',
  dir: path.join(__dirname, '..', '..', '..', 'packages', 'multimodal', 'models', 'mome-av-digits'),
};

describe('moe-bench fuzz', () => {
  it('refuses every mutated checkpoint with a typed error: no crash, hang, runaway memory or untyped error', async () => {
    const report = await runFuzz({
      targets: [MODEL],
      seed: 1,
      configCases: 6,
      timeoutMs: 60000,
      memoryLimitMb: 1024,
    });
    expect(report.failures).toEqual([]);
    const kinds = Object.keys(report.byKind).sort();
    expect(kinds).toEqual(['bytes', 'config', 'header', 'special']);
    expect(report.totals.typed).toBeGreaterThanOrEqual(report.results.length - 1 - report.totals.loaded);
    expect(report.byKind.special.typed).toBe(8);
    const [model] = report.models;
    // A mutated checkpoint never costs more than a few file sizes beyond the genuine load.
    expect((model.maxPeakMb - model.genuinePeakMb) * 2 ** 20).toBeLessThan(
      4 * model.fileBytes + 32 * 2 ** 20,
    );
    expect(renderFuzzReport(report)).toContain('None: every mutated checkpoint loaded or was refused');
  }, 300_000);
});
