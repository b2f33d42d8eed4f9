/**
 * Restoration's inference path (`RestorationNet`, MoFME, `restoreImage`, PSNR) bundles for the
 * browser: esbuild `--platform=browser` on `@moe-zoo/restoration` and `@moe-zoo/core` by name, as a
 * bundler sees them (the `browser` condition: each package's dist/browser.js), reaches no Node
 * built-in and none of the sharp image I/O; the bundle then restores an image in a bare V8
 * context that has no `require`, `process` or `Buffer`.
 */
import { bundleForBrowser, runInBareContext } from '@moe-zoo/browser-test';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');

const ENTRY = `
import { initBackend, setSeed, tf } from '@moe-zoo/core';
import { createImage, psnr, restoreImage, RestorationNet } from '@moe-zoo/restoration';
export async function run() {
  const info = await initBackend({ backend: 'cpu' });
  setSeed(3);
  const net = new RestorationNet({ dim: 16, heads: 2, channels: 8, depth: 1, ffn: { kind: 'mofme', mofme: { numExperts: 4, topK: 2 } } });
  net.eval();
  const img = createImage(40, 36);
  for (let i = 0; i < img.data.length; i++) img.data[i] = (i % 97) / 97;
  const out = restoreImage(net, img);
  const [a, b] = [tf.tensor(out.data, [36, 40, 3]), tf.tensor(img.data, [36, 40, 3])];
  const [score] = await psnr(a, b);
  tf.dispose([a, b]);
  net.dispose();
  return { backend: info.name, width: out.width, height: out.height, values: out.data.length, finite: out.data.every(Number.isFinite), score };
}
`;

let inputs: string[] = [];
let builtins: string[] = [];
let code = '';

beforeAll(async () => {
  ({ inputs, builtins, code } = await bundleForBrowser(
    { source: ENTRY, resolveDir: ROOT },
    { globalName: 'restoration' },
  ));
}, 60_000);

describe("restoration's inference path in a browser bundle", () => {
  it('resolves every package to its browser entry and reaches no Node built-in or sharp', () => {
    expect(builtins).toEqual([]);
    for (const pkg of ['core', 'data', 'restoration']) {
      const dist = pkg === 'restoration' ? 'dist/' : `../${pkg}/dist/`;
      expect(inputs).toContain(`${dist}browser.js`);
      expect(inputs).not.toContain(`${dist}index.js`);
    }
    expect(inputs).not.toContain('dist/image-io.js');
    expect(inputs.filter((f) => /node_modules\/(sharp|@img|cli-progress|commander)\//.test(f))).toEqual([]);
  });

  it('restores an image in a context without require, process or Buffer', async () => {
    const { run } = runInBareContext<{ run(): Promise<Record<string, unknown>> }>(code, 'restoration');
    const r = await run();
    expect(r).toMatchObject({ backend: 'cpu', width: 40, height: 36, values: 40 * 36 * 3, finite: true });
    expect(typeof r.score).toBe('number');
  }, 60_000);
});
