import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import * as data from '../src';

/** The first ```ts block of README.md, compiled to CommonJS, with `main()` awaited. */
function readmeExample(): string {
  const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('README.md has no ts example');
  const source = block[1].replace(/^main\(\);$/m, 'module.exports.done = main();');
  expect(source).toContain('module.exports.done = main();');
  return ts.transpileModule(source, {
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
    },
  }).outputText;
}

describe('README example', () => {
  it('runs as written', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'data-readme-'));
    const cwd = process.cwd();
    process.chdir(dir);
    const printed: string[] = [];
    try {
      const mod = { exports: {} as { done?: Promise<void> } };
      const requireStub = (name: string) => {
        if (name !== '@moe-zoo/data') throw new Error(`README example requires unexpected module ${name}`);
        return data;
      };
      const log = (...args: unknown[]) => printed.push(args.join(' '));
      new Function('require', 'module', 'exports', 'console', readmeExample())(
        requireStub,
        mod,
        mod.exports,
        {
          log,
        },
      );
      await mod.exports.done;
    } finally {
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    }
    expect(printed).toEqual(['mnist 8000 630 28 28 0', 'image 56 56 1', 'webp 784']);
  });
});
