/**
 * Audio's inference path (WAV decoding, log-mel tokens, `AudioTransformer`, `classifySignal`)
 * bundles for the browser: esbuild `--platform=browser` on `@moe-zoo/audio` and `@moe-zoo/core` by
 * name, as a bundler sees them (the `browser` condition: each package's dist/browser.js), reaches no
 * Node built-in; the bundle then classifies a WAV in a bare V8 context that has no `require`,
 * `process` or `Buffer`.
 */
import { bundleForBrowser, runInBareContext } from '@moe-zoo/browser-test';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');

const ENTRY = `
import { initBackend, setSeed } from '@moe-zoo/core';
import { AudioTransformer, classifySignal, decodeWav, encodeWav } from '@moe-zoo/audio';
export async function run() {
  const info = await initBackend({ backend: 'cpu' });
  setSeed(3);
  const model = new AudioTransformer({ dim: 16, heads: 2, depth: 1, ffn: { kind: 'moe', moe: { hidden: 16, numExperts: 4, topK: 2 } } });
  const samples = new Float32Array(16000);
  for (let i = 0; i < samples.length; i++) samples[i] = Math.sin(i / 9) * Math.exp(-(((i - 8000) / 3000) ** 2));
  const signal = decodeWav(encodeWav({ samples, sampleRate: 16000 }));
  const c = classifySignal(model, signal);
  model.dispose();
  return { backend: info.name, samples: signal.samples.length, classes: c.probs.length, sum: c.probs.reduce((a, b) => a + b, 0), digit: c.digit };
}
`;

let inputs: string[] = [];
let builtins: string[] = [];
let code = '';

beforeAll(async () => {
  ({ inputs, builtins, code } = await bundleForBrowser(
    { source: ENTRY, resolveDir: ROOT },
    { globalName: 'audio' },
  ));
}, 60_000);

describe("audio's inference path in a browser bundle", () => {
  it('resolves every package to its browser entry and reaches no Node built-in', () => {
    expect(builtins).toEqual([]);
    expect(inputs).toContain('dist/browser.js');
    expect(inputs).not.toContain('dist/index.js');
    expect(inputs).toContain('../core/dist/browser.js');
    expect(inputs).not.toContain('../core/dist/index.js');
    for (const nodeOnly of ['wav', 'classify', 'pretrained', 'data/spoken-digits', 'model/train-audio']) {
      expect(inputs).not.toContain(`dist/${nodeOnly}.js`);
    }
    expect(inputs.filter((f) => /node_modules\/(cli-progress|commander|mespeak)\//.test(f))).toEqual([]);
  });

  it('decodes a WAV and classifies it in a context without require, process or Buffer', async () => {
    const { run } = runInBareContext<{ run(): Promise<Record<string, unknown>> }>(code, 'audio');
    const r = await run();
    expect(r).toMatchObject({ backend: 'cpu', samples: 16000, classes: 10 });
    expect(r.sum as number).toBeCloseTo(1, 5);
  }, 60_000);
});
