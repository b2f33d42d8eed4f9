/**
 * The fuzz run's child process: loads one checkpoint folder with its package's `loadPretrained`
 * on wasm and prints one report line. A crash, a hang or runaway memory is seen by the parent.
 */
import { initBackend } from '@moe-zoo/core';

/** Prefix of the report line on stdout (tfjs may print warnings before it). */
export const REPORT_PREFIX = 'FUZZ-REPORT ';

/** What the child reports. */
export interface ChildReport {
  outcome: 'loaded' | 'error';
  /** The error's class name and code, e.g. `CheckpointError` / `SHAPE`. */
  name?: string;
  code?: string;
  /** The error message, cut to 300 characters. */
  message?: string;
  /** Milliseconds of the load, backend start excluded. */
  ms: number;
  /** Peak resident memory of the child, in KiB. */
  maxRssKb: number;
}

interface Loadable {
  loadPretrained(nameOrDir: string): Promise<{ model: { dispose(): void } }>;
}

async function load(
  pkg: string,
  dir: string,
): Promise<Pick<ChildReport, 'outcome' | 'name' | 'code' | 'message'>> {
  try {
    const { loadPretrained } = (await import(pkg)) as Loadable;
    const { model } = await loadPretrained(dir);
    model.dispose();
    return { outcome: 'loaded' };
  } catch (e) {
    const err = (e ?? {}) as { name?: unknown; code?: unknown; message?: unknown };
    return {
      outcome: 'error',
      name: typeof err.name === 'string' ? err.name : typeof e,
      code: typeof err.code === 'string' ? err.code : undefined,
      message: String(err.message ?? e).slice(0, 300),
    };
  }
}

async function main(pkg: string, dir: string): Promise<void> {
  await initBackend({ backend: 'wasm' });
  const start = Date.now();
  const report: ChildReport = {
    ...(await load(pkg, dir)),
    ms: Date.now() - start,
    maxRssKb: process.resourceUsage().maxRSS,
  };
  process.stdout.write(`${REPORT_PREFIX}${JSON.stringify(report)}\n`);
  process.exit(0);
}

if (require.main === module) void main(process.argv[2], process.argv[3]);
