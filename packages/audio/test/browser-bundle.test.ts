/**
 * Audio's inference path (WAV decoding, log-mel tokens, `AudioTransformer`, `classifySignal`)
 * bundles for the browser: esbuild `--platform=browser` on `@moe-zoo/audio` and `@moe-zoo/core` by
 * name, as a bundler sees them (the `browser` condition: each package's dist/browser.js), reaches no
 * Node built-in; the bundle then classifies a WAV in a bare V8 context that has no `require`,
 * `process` or `Buffer`.
 */
import { build, type Plugin } from 'esbuild';
import { builtinModules } from 'module';
import * as path from 'path';
import * as vm from 'vm';

const ROOT = path.resolve(__dirname, '..');
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

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
const builtins: string[] = [];
let code = '';

beforeAll(async () => {
  const record: Plugin = {
    name: 'record-builtins',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        const ours = !args.importer.includes(`${path.sep}node_modules${path.sep}`);
        if (ours && BUILTINS.has(args.path.split('/')[0])) builtins.push(`${args.path} <- ${args.importer}`);
        return undefined;
      });
    },
  };
  const result = await build({
    stdin: { contents: ENTRY, resolveDir: ROOT, loader: 'ts' },
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'audio',
    write: false,
    metafile: true,
    logLevel: 'silent',
    outfile: path.join(ROOT, 'audio-bundle.js'),
    plugins: [record],
  });
  inputs = Object.keys(result.metafile.inputs).map((f) => f.split(path.sep).join('/'));
  code = result.outputFiles[0].text;
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
    const sandbox = {
      console,
      setTimeout,
      clearTimeout,
      queueMicrotask,
      performance,
      TextEncoder,
      TextDecoder,
      URL,
      fetch,
    } as Record<string, unknown>;
    const context = vm.createContext(sandbox);
    expect(vm.runInContext('typeof require + typeof process + typeof Buffer', context)).toBe(
      'undefinedundefinedundefined',
    );
    // A web worker's globals: tfjs finds its global object through `self`.
    vm.runInContext('globalThis.self = globalThis; globalThis.WorkerGlobalScope = function () {};', context);
    vm.runInContext(code, context);
    const run = vm.runInContext('audio.run', context) as () => Promise<Record<string, unknown>>;
    const r = await run();
    expect(r).toMatchObject({ backend: 'cpu', samples: 16000, classes: 10 });
    expect(r.sum as number).toBeCloseTo(1, 5);
  }, 60_000);
});
