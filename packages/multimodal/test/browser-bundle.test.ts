/**
 * Multimodal's inference path bundles for the browser: esbuild `--platform=browser` on
 * `@moe-zoo/multimodal`, `@moe-zoo/audio` and `@moe-zoo/core` by name, as a bundler sees them
 * (the `browser` condition: each package's dist/browser.js), reaches no Node built-in, sharp or
 * data set; in a bare V8 context that has no `require`, `process` or `Buffer` the bundle loads the
 * shipped `moiie-digit-vqa` from its checkpoint bytes and answers as the Node entry does.
 */
import { bundleForBrowser, runInBareContext } from '@moe-zoo/browser-test';
import { initBackend } from '@moe-zoo/core';
import { readImage } from '@moe-zoo/data';
import { promises as fsp } from 'fs';
import * as path from 'path';
import { answerQuestion, loadPretrained, type VqaAnswerResult } from '../src';

const ROOT = path.resolve(__dirname, '..');
const MODEL_DIR = path.join(ROOT, 'models', 'moiie-digit-vqa');
const QUESTIONS = ['what is the digit ?', 'is the digit odd ?', 'more ink : top or bottom ?'];

const ENTRY = `
import { initBackend, loadStateFromBytes, parseManifest } from '@moe-zoo/core';
import { answerQuestionPixels, DigitVqaConfigSchema, DigitVqaModel } from '@moe-zoo/multimodal';
export async function run(manifest, model, pixels, questions) {
  const info = await initBackend({ backend: 'cpu' });
  const config = DigitVqaConfigSchema.parse(parseManifest(manifest, 'manifest.json').config);
  const vqa = new DigitVqaModel(config);
  await loadStateFromBytes(vqa, { manifest, model }, { expectModel: 'moe-zoo/digit-vqa', configSchema: DigitVqaConfigSchema });
  const answers = [];
  for (const q of questions) answers.push(await answerQuestionPixels(vqa, pixels, q));
  let unknownWord = '';
  try { await answerQuestionPixels(vqa, pixels, 'what colour is it ?'); } catch (e) { unknownWord = String(e.message); }
  vqa.dispose();
  return { backend: info.name, answers, unknownWord };
}
`;

let inputs: string[] = [];
let builtins: string[] = [];
let code = '';

beforeAll(async () => {
  ({ inputs, builtins, code } = await bundleForBrowser(
    { source: ENTRY, resolveDir: ROOT },
    { globalName: 'multimodal' },
  ));
}, 60_000);

describe("multimodal's inference path in a browser bundle", () => {
  it('resolves every package to its browser entry and reaches no Node built-in, sharp or data set', () => {
    expect(builtins).toEqual([]);
    for (const [pkg, dist] of [
      ['multimodal', 'dist/'],
      ['audio', '../audio/dist/'],
      ['core', '../core/dist/'],
    ]) {
      expect({ pkg, browser: inputs.includes(`${dist}browser.js`) }).toEqual({ pkg, browser: true });
      expect({ pkg, node: inputs.includes(`${dist}index.js`) }).toEqual({ pkg, node: false });
    }
    const nodeOnly = [
      'digit-image',
      'mnist',
      'model-files',
      'pretrained',
      'vqa/answer-question',
      'avdigits/data',
    ];
    expect(nodeOnly.filter((m) => inputs.includes(`dist/${m}.js`))).toEqual([]);
    expect(
      inputs.filter((f) => /node_modules\/(sharp|@img|cli-progress|commander|mespeak)\//.test(f)),
    ).toEqual([]);
  });

  it('answers like the Node entry with the shipped model, in a context without require, process or Buffer', async () => {
    await initBackend({ backend: 'cpu' });
    const { model } = await loadPretrained('moiie-digit-vqa');
    const pixels = (
      await readImage(path.join(MODEL_DIR, 'example-7.png'), { width: 28, height: 28, channels: 1 })
    ).data;
    const node: VqaAnswerResult[] = [];
    for (const q of QUESTIONS) node.push(await answerQuestion(model, pixels, q));
    model.dispose();

    const { run } = runInBareContext<{
      run(
        manifest: string,
        model: Uint8Array,
        pixels: number[],
        questions: string[],
      ): Promise<{ backend: string; answers: typeof node; unknownWord: string }>;
    }>(code, 'multimodal');
    const r = await run(
      await fsp.readFile(path.join(MODEL_DIR, 'manifest.json'), 'utf8'),
      new Uint8Array(await fsp.readFile(path.join(MODEL_DIR, 'model.safetensors'))),
      Array.from(pixels),
      QUESTIONS,
    );
    expect(r.backend).toBe('cpu');
    expect(r.answers.map((a) => a.answer)).toEqual(node.map((a) => a.answer));
    expect(r.answers[0].answer).toBe('seven');
    r.answers.forEach((a, i) => {
      for (const [answer, p] of Object.entries(node[i].probs))
        expect(a.probs[answer as keyof typeof a.probs]).toBeCloseTo(p, 6);
    });
    expect(r.unknownWord).toMatch(/unknown words "colour", "it"/);
  }, 120_000);
});
