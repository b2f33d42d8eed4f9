/**
 * The core's browser entry bundles with esbuild `--platform=browser` (both from source and as
 * bundlers see the package: `@moe-zoo/core` under the `browser` condition, i.e. dist/browser.js)
 * with no Node built-in reached from our code, none of the Node-only modules, and one tfjs-core.
 */
import { bundleForBrowser, type BrowserBundle, type BundleEntry } from '@moe-zoo/browser-test';
import * as path from 'path';

const CORE = path.resolve(__dirname, '..');

/** Core modules that need Node (files, processes, terminals): never in a browser bundle. */
const NODE_ONLY = [
  'backend/init',
  'backend/wasm-threads',
  'backend/webgpu-node',
  'backend/process-listeners',
  'io/atomic',
  'io/checkpoint',
  'io/generation',
  'io/model-io',
  'io/read',
  'io/stale',
  'utils/cache-dir',
  'train/trainer',
  'train/progress',
  'train/fit',
  'cli/',
  'zoo/',
];

/** Bundles an ES module for the browser from a file or from source resolved in the core's folder. */
function bundle(entry: { file: string } | { source: string }): Promise<BrowserBundle> {
  const from: BundleEntry = 'file' in entry ? entry : { source: entry.source, resolveDir: CORE };
  return bundleForBrowser(from, { format: 'esm' });
}

function expectBrowserSafe(b: BrowserBundle, root: string): void {
  expect(b.builtins).toEqual([]);
  const ours = b.inputs.filter((f) => f.startsWith(root));
  expect(ours.length).toBeGreaterThan(50);
  for (const mod of NODE_ONLY) {
    const hit = (f: string) =>
      mod.endsWith('/') ? f.includes(`/${mod}`) : /\.(ts|js)$/.test(f) && f.slice(0, -3).endsWith(`/${mod}`);
    expect({ mod, found: ours.filter(hit) }).toEqual({ mod, found: [] });
  }
  for (const pkg of ['cli-progress', 'commander', 'webgpu/']) {
    expect({ pkg, found: b.inputs.filter((f) => f.includes(`node_modules/${pkg}`)) }).toEqual({
      pkg,
      found: [],
    });
  }
  // One tfjs-core (one engine, one kernel and gradient registry), whichever build of it.
  const cores = b.inputs.filter((f) =>
    /@tensorflow\/tfjs-core\/dist\/(tf-core\.node\.js|index\.js)$/.test(f),
  );
  expect(cores).toHaveLength(1);
  // Nothing left to a run-time require(): esbuild then defines its `__require` shim (a third-party
  // built-in is switched off by its package's `browser` field instead, or the build fails).
  expect(b.code).not.toMatch(/var __require =/);
  expect(b.warnings).toEqual([]);
}

describe('the browser entry bundles for the browser', () => {
  it('src/browser.ts: no Node built-in, no Node-only module, one tfjs-core', async () => {
    const b = await bundle({ file: path.join(CORE, 'src', 'browser.ts') });
    expectBrowserSafe(b, 'src/');
    expect(b.inputs).toContain('src/io/from-bytes.ts');
    expect(b.inputs).toContain('src/backend/init-browser.ts');
  }, 60_000);

  it('@moe-zoo/core under the browser condition resolves to dist/browser.js and is browser-safe', async () => {
    const b = await bundle({ source: "export * from '@moe-zoo/core';" });
    expect(b.inputs).toContain('dist/browser.js');
    expect(b.inputs).not.toContain('dist/index.js');
    expectBrowserSafe(b, 'dist/');
  }, 60_000);
});
