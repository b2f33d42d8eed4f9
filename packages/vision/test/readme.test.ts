import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import * as core from '@moe-zoo/core';
import * as vision from '../src';
import { encodeImage, writeImage } from '../src';

/** The first ```ts block of README.md, compiled to CommonJS, with `main()` awaited. */
function readmeExample(): string {
  const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('README.md has no ts example');
  const source = block[1].replace(/^main\(\);$/m, 'module.exports.done = main();');
  return ts.transpileModule(source, {
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
    },
  }).outputText;
}

describe('README example', () => {
  it('runs end to end: trains MoVA, answers from images, reads an image file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vision-readme-'));
    const saved = { cwd: process.cwd(), cache: process.env.MOE_ZOO_CACHE };
    process.chdir(dir);
    process.env.MOE_ZOO_CACHE = dir;
    try {
      await writeImage('digit.png', {
        width: 28,
        height: 28,
        channels: 1,
        data: new Float32Array(784).fill(0.5),
      });
      expect(
        (await encodeImage({ width: 1, height: 1, channels: 1, data: new Float32Array([1]) }, 'png')).length,
      ).toBeGreaterThan(0);
      const logs: unknown[][] = [];
      const warnings: unknown[][] = [];
      const mod = { exports: {} as { done?: Promise<void> } };
      const modules: Record<string, unknown> = {
        '@moe-zoo/vision': vision,
        '@moe-zoo/core': core,
      };
      const run = new Function('require', 'module', 'exports', 'console', readmeExample());
      run(
        (name: string) => {
          if (!(name in modules)) throw new Error(`README example requires unexpected module ${name}`);
          return modules[name];
        },
        mod,
        mod.exports,
        {
          log: (...args: unknown[]) => logs.push(args),
          warn: (...args: unknown[]) => warnings.push(args),
        },
      );
      await mod.exports.done;
      const accuracy = logs.find((l) => l[0] === 'accuracy');
      expect(accuracy).toBeDefined();
      const [, acc, , perType, , experts] = accuracy as [string, number, string, number[], string, number];
      expect(acc).toBeGreaterThan(0);
      expect(perType).toHaveLength(4);
      expect(experts).toBeGreaterThanOrEqual(0);
      expect(experts).toBeLessThanOrEqual(3);
      // Routing nothing at all must not go unnoticed.
      expect(warnings.some((w) => /router selected 0 experts for all \d+ samples/.test(String(w[1])))).toBe(
        experts === 0,
      );
      expect(logs.find((l) => l[0] === 'image')).toEqual(['image', 32, 32, 1]);
    } finally {
      process.chdir(saved.cwd);
      if (saved.cache === undefined) delete process.env.MOE_ZOO_CACHE;
      else process.env.MOE_ZOO_CACHE = saved.cache;
    }
  });
});
