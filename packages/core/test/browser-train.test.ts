/**
 * The core's browser entry in headless Chromium (Debian's `chromium`, installed by .ci/run): the
 * page, bundled by esbuild `--platform=browser` and served from 127.0.0.1 with the wasm files
 * (COOP / COEP, so wasm may use threads), trains a small MoE layer for a few dozen steps with
 * falling loss and no tensor growth, on wasm and on webgpu where `navigator.gpu` gives an adapter
 * (SwiftShader with `--enable-unsafe-webgpu`; skipped with the reason otherwise), and loads a
 * checkpoint saved here by Node from its bytes, giving Node's outputs.
 */
import { execFile } from 'child_process';
import { findChromium } from '@moe-zoo/browser-test';
import { build } from 'esbuild';
import * as fs from 'fs';
import { promises as fsp } from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { initBackend, MoELayer, saveCheckpoint, setSeed, tf } from '../src';
import { LAYER, MODEL_NAME, referenceInput } from './browser/fixture';
import type { PageResult } from './browser/page';

const run = promisify(execFile);
const STEPS = 30;

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

/** A static server for `root` on 127.0.0.1, cross-origin isolated (wasm threads need it). */
async function serve(root: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = path.join(root, pathname.endsWith('/') ? `${pathname}index.html` : pathname);
    if (!file.startsWith(root) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
    });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface PageRun {
  results: Record<string, PageResult & { crossOriginIsolated: boolean; adapter: unknown }>;
  skipped: Record<string, string>;
  failed: Record<string, { error: string; adapter: unknown }>;
  errors: string[];
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

let dir: string;
let expected: number[];
let page: PageRun;

beforeAll(async () => {
  const chromium = findChromium("this test runs the core's browser bundle in it");
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'moe-browser-'));
  // Node's side: a layer's checkpoint and its outputs on the reference input.
  await initBackend();
  setSeed(5);
  const layer = new MoELayer(LAYER).eval();
  await saveCheckpoint(path.join(dir, 'ckpt'), {
    model: MODEL_NAME,
    state: layer.stateDict(),
    config: LAYER,
  });
  const input = referenceInput();
  expected = Array.from(await tf.tidy(() => layer.forward(input).y).data());
  tf.dispose(input);
  layer.dispose();

  // The page: the bundle, the html and tfjs-backend-wasm's binaries.
  await build({
    entryPoints: [path.join(__dirname, 'browser', 'page.ts')],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    outfile: path.join(dir, 'page.js'),
    logLevel: 'silent',
  });
  await fsp.writeFile(
    path.join(dir, 'index.html'),
    '<!doctype html><title>moe</title><link rel="icon" href="data:,"><script src="page.js"></script>\n',
  );
  const wasmDist = path.join(
    path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')),
    'dist',
  );
  await fsp.mkdir(path.join(dir, 'wasm'));
  for (const f of (await fsp.readdir(wasmDist)).filter((n) => n.endsWith('.wasm'))) {
    await fsp.copyFile(path.join(wasmDist, f), path.join(dir, 'wasm', f));
  }

  const server = await serve(dir);
  try {
    const script = path.join(__dirname, 'browser', 'run-page.js');
    const { stdout } = await run(
      process.execPath,
      [script, chromium, server.url, String(STEPS), 'wasm', 'webgpu'],
      {
        timeout: 120_000,
      },
    );
    page = JSON.parse(stdout) as PageRun;
  } finally {
    await server.close();
  }
}, 180_000);

afterAll(async () => {
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});

/** One line for the log: what ran, how fast, how far the loss fell. */
function summary(name: string): string {
  const r = page.results[name];
  const [first, last] = [mean(r.losses.slice(0, 5)), mean(r.losses.slice(-5))];
  return `browser ${name}: ${r.described}, ${STEPS} steps in ${r.trainMs.toFixed(0)} ms, loss ${first.toFixed(4)} -> ${last.toFixed(4)}`;
}

function checkBackend(name: string, tolerance: number): void {
  const r = page.results[name];
  expect(r.backend).toBe(name);
  expect(r.losses).toHaveLength(STEPS);
  expect(r.losses.every(Number.isFinite)).toBe(true);
  expect(mean(r.losses.slice(-5))).toBeLessThan(0.7 * mean(r.losses.slice(0, 5)));
  expect(r.leakedTensors).toBe(0);
  // The checkpoint loaded from bytes gives Node's outputs.
  expect(r.output).toHaveLength(expected.length);
  const worst = Math.max(...r.output.map((v, i) => Math.abs(v - expected[i])));
  expect(worst).toBeLessThan(tolerance);
  // Re-encoded in the page, the state is byte for byte the file Node wrote.
  expect(r.encodedSha).toBe(r.manifestSha);
  expect(r.encodedShaPlain).toBe(r.manifestSha);
}

describe("the core's browser bundle in headless Chromium", () => {
  it('runs the page without errors', () => {
    expect(page.errors).toEqual([]);
  });

  it('wasm: trains a small MoE layer (loss falls, no tensor growth) and loads a checkpoint from bytes', () => {
    expect(page.failed.wasm).toBeUndefined();
    console.log(summary('wasm'));
    expect(page.results.wasm.crossOriginIsolated).toBe(true);
    checkBackend('wasm', 1e-4);
  });

  it('webgpu: the same where navigator.gpu gives an adapter', () => {
    if (page.skipped.webgpu !== undefined) {
      console.warn(`browser webgpu skipped: ${page.skipped.webgpu}`);
      expect(page.results.webgpu).toBeUndefined();
      return;
    }
    expect(page.failed.webgpu).toBeUndefined();
    console.log(summary('webgpu'));
    checkBackend('webgpu', 1e-3);
  });
});
