/**
 * Every ts example of every README of the workspace, verbatim: type-checked (strict) against the
 * workspace packages, then run with node in a fresh temporary folder; it must exit with 0.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { scratchWorkspace } from '@moe-zoo/create-package';
import { ensureSpokenDigits } from '@moe-zoo/spoken-digits-tool';
import {
  compileExamples,
  endingProblem,
  exampleName,
  readmeExamples,
  runExample,
  workspaceReadmes,
  type CompiledExamples,
  type ReadmeExample,
} from '../src';

const ROOT = path.resolve(__dirname, '..', '..', '..');

const examples: ReadmeExample[] = workspaceReadmes(ROOT).flatMap((readme) =>
  readmeExamples(readme, fs.readFileSync(path.join(ROOT, readme), 'utf8')),
);

/** The spoken-digit WAVs the audio examples read from `.cache/spoken-digits/v1-0` of their folder. */
function linkSpokenDigits(cwd: string): void {
  const cache = ensureSpokenDigits({ seed: 0 });
  fs.mkdirSync(path.join(cwd, '.cache', 'spoken-digits'), { recursive: true });
  fs.symlinkSync(cache, path.join(cwd, '.cache', 'spoken-digits', 'v1-0'));
}

/**
 * The folder an example runs in: a fresh empty one, prepared with what the README says the reader
 * has (generated data; for the generator of packages, a workspace to generate into).
 */
const SETUP: Record<string, () => string> = {
  'packages/audio/README.md': () => withTemp(linkSpokenDigits),
  'packages/multimodal/README.md': () => withTemp(linkSpokenDigits),
  'tools/create-package/README.md': () => scratchWorkspace(),
};

/** The losses an example prints as `loss <x>`, in order. */
function losses(stdout: string): number[] {
  return [...stdout.matchAll(/loss (\d+\.\d+)/g)].map((m) => Number(m[1]));
}

/**
 * What an example's output must show where its README says so, keyed `<readme>#<block>` (the
 * block's position among the README's ts blocks); only robust facts, no measured values.
 */
const OUTPUT: Record<string, (stdout: string) => void> = {
  // "An MoE layer in a few lines" trains: the printed loss falls.
  'README.md#1': (out) => expect(losses(out).at(-1)).toBeLessThan(losses(out)[0] * 0.3),
  'packages/core/README.md#1': (out) => expect(losses(out).at(-1)).toBeLessThan(losses(out)[0] * 0.3),
  // Compressing: the pruned and the quantized layers store fewer bytes, compressed experts use fewer parameters.
  'packages/core/README.md#2': (out) => {
    const [float, pruned, mixed] = (/bytes: float (\d+), pruned (\d+), mixed (\d+)/.exec(out) ?? [])
      .slice(1)
      .map(Number);
    expect(pruned).toBeLessThan(float);
    expect(mixed).toBeLessThan(float);
    const [full, compact] = (/active params: float (\d+), compressed experts (\d+)/.exec(out) ?? [])
      .slice(1)
      .map(Number);
    expect(compact).toBeLessThan(full);
  },
  'packages/core/README.md#4': (out) => expect(out).toMatch(/^notes\.txt on \w+\n$/),
  'packages/data/README.md#1': (out) =>
    expect(out.split('\n')).toEqual(['mnist 8000 630 28 28 0', 'image 56 56 1', 'webp 784', '']),
  // The shipped examples: the clip is "seven", the restored photo is closer to the clean one.
  'packages/audio/README.md#1': (out) => expect(out).toMatch(/^seven \(7\) p=/),
  'packages/restoration/README.md#1': (out) => {
    const [before, after] = (/PSNR ([\d.]+) -> ([\d.]+) dB/.exec(out) ?? []).slice(1).map(Number);
    expect(after).toBeGreaterThan(before + 1);
  },
  'packages/multimodal/README.md#3': (out) =>
    expect(out).toMatch(/^named: seven \(p = [\d.]+\)\ndrew "three" as codes( \d+){16}\n$/),
  'packages/multimodal/README.md#2': (out) => expect(out).toMatch(/^a8v2: 7 \(p = [\d.]+\), a1v1: 7$/m),
  'packages/multimodal/README.md#4': (out) => expect(out.replace(/\s+/g, '')).toBe('[2,6,7,8,10,9,0,0]'),
  // The saved and reloaded MoIIE model scores exactly the same ("// true").
  'packages/multimodal/README.md#5': (out) => expect(out).toContain('\ntrue\n'),
  'packages/multimodal/README.md#1': (out) => expect(out).toMatch(/^what is the digit \? seven \(p = /m),
  'packages/vision/README.md#1': (out) => expect(out).toMatch(/^sneaker p=/),
  // MoVA at the README's sizes routes: some experts per sample, not the base alone.
  'packages/vision/README.md#2': (out) =>
    expect(out).toMatch(/^how many bars does the chart show: \d+ \(experts /),
  'packages/vision/README.md#3': (out) => {
    expect(out).toContain('image 32 32 1\n');
    expect(Number(/experts\/sample ([\d.]+)/.exec(out)?.[1])).toBeGreaterThan(1);
  },
};

function withTemp(prepare: (dir: string) => void = () => undefined): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-example-'));
  prepare(dir);
  return dir;
}

describe('README examples', () => {
  let compiled: CompiledExamples;
  let outDir: string;

  beforeAll(() => {
    // Inside the workspace (so that @moe-zoo/* resolves as for a user), one folder per run.
    fs.mkdirSync(path.join(__dirname, '..', 'dist'), { recursive: true });
    outDir = fs.mkdtempSync(path.join(__dirname, '..', 'dist', 'examples-'));
    compiled = compileExamples(examples, outDir);
  });

  afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

  it('finds the examples of every README that has them', () => {
    const readmes = new Set(examples.map((e) => e.readme));
    for (const readme of ['README.md', 'packages/core/README.md', 'packages/multimodal/README.md']) {
      expect(readmes).toContain(readme);
    }
    expect(examples.length).toBeGreaterThanOrEqual(15);
  });

  it('has an example for every output check', () => {
    const keys = new Set(examples.map((e) => `${e.readme}#${e.index}`));
    expect(Object.keys(OUTPUT).filter((k) => !keys.has(k))).toEqual([]);
  });

  it('type-check (strict) against the workspace packages', () => {
    expect(compiled.diagnostics).toEqual([]);
  });

  it.each(examples.map((e) => [`${e.readme}:${e.line}`, e] as const))(
    '%s ends as a program should',
    (_, e) => {
      expect(endingProblem(e.code)).toBeUndefined();
    },
  );

  const runnable = examples.filter((e) => e.directive?.kind !== 'no-run');
  it.each(runnable.map((e) => [`${e.readme}:${e.line}`, e] as const))(
    '%s runs and exits with 0',
    async (_, e) => {
      const file = compiled.files.get(exampleName(e));
      expect(file && fs.existsSync(file)).toBe(true);
      const cwd = (SETUP[e.readme] ?? withTemp)();
      try {
        const run = await runExample(
          file as string,
          cwd,
          e.directive?.kind === 'args' ? e.directive.args : [],
        );
        console.log(`${e.readme}:${e.line} ${run.seconds.toFixed(1)} s\n${run.stdout}`);
        expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
        OUTPUT[`${e.readme}#${e.index}`]?.(run.stdout);
      } finally {
        fs.rmSync(cwd, { recursive: true, force: true });
      }
    },
  );
});
