/**
 * The repository's ESLint configuration rejects imports against the direction of dependencies
 * and imports reaching into another workspace's files (docs/architecture.md section 2).
 */
import * as path from 'path';
import { ESLint, type Linter } from 'eslint';

const ROOT = path.resolve(__dirname, '../../..');
const RULE = 'moe-zoo/package-boundaries';

let eslint: ESLint;
beforeAll(() => {
  // The repository's eslint.config.js, passed in: ESLint would load it with import(), which jest's
  // CommonJS sandbox does not support.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const config = require(path.join(ROOT, 'eslint.config.js')) as Linter.Config[];
  eslint = new ESLint({ cwd: ROOT, overrideConfigFile: true, overrideConfig: config });
});

/** The boundary messages (message ids) ESLint reports for `code` as the file `filePath`. */
async function boundaryErrors(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, filePath) });
  expect(result.messages.filter((m) => m.fatal)).toEqual([]);
  return result.messages.filter((m) => m.ruleId === RULE).map((m) => m.messageId ?? m.message);
}

const imports = (spec: string): string => `import '${spec}';\n`;

describe('package boundaries', () => {
  it.each([
    // core imports no other package of ours; its tests may use data (which does not depend on core)
    ['packages/core/src/x.ts', '@moe-zoo/vision'],
    ['packages/core/src/x.ts', '@moe-zoo/data'],
    ['packages/core/src/x.ts', '@moe-zoo/bench'],
    ['packages/core/src/x.ts', '@moe-zoo/spoken-digits-tool'],
    ['packages/core/test/x.test.ts', '@moe-zoo/vision'],
    // core's tests may use only tools that depend on no workspace (pack-test installs the packages)
    ['packages/core/test/x.test.ts', '@moe-zoo/pack-test'],
    ['packages/core/src/x.ts', '@moe-zoo/browser-test'],
    // data is a leaf
    ['packages/data/src/x.ts', '@moe-zoo/core'],
    ['packages/data/test/x.test.ts', '@moe-zoo/core'],
    // model packages: nothing beside or above them
    ['packages/vision/src/x.ts', '@moe-zoo/bench'],
    ['packages/audio/test/x.test.ts', '@moe-zoo/bench'],
    ['packages/restoration/src/x.ts', '@moe-zoo/multimodal'],
    ['packages/vision/src/x.ts', '@moe-zoo/audio'],
    ['packages/multimodal/src/x.ts', '@moe-zoo/bench'],
    // tools: only in tests of model packages (the GPL data generator must not reach their src)
    ['packages/audio/src/x.ts', '@moe-zoo/spoken-digits-tool'],
    // tools build on packages, not on apps
    ['tools/spoken-digits/src/x.ts', '@moe-zoo/bench'],
  ])('%s may not import %s', async (file, spec) => {
    expect(await boundaryErrors(imports(spec), file)).toEqual(['upward']);
  });

  it.each([
    ['packages/core/src/x.ts', './nn'],
    ['packages/core/test/x.test.ts', '../src'],
    ['packages/core/test/x.test.ts', '@moe-zoo/data'],
    ['packages/core/test/x.test.ts', '@moe-zoo/browser-test'],
    ['packages/vision/src/x.ts', '@moe-zoo/core'],
    ['packages/vision/src/x.ts', '@moe-zoo/data'],
    ['packages/audio/test/x.test.ts', '@moe-zoo/spoken-digits-tool'],
    ['packages/multimodal/src/x.ts', '@moe-zoo/audio'],
    ['packages/multimodal/test/x.test.ts', '@moe-zoo/vision'],
    ['apps/bench/src/x.ts', '@moe-zoo/multimodal'],
    ['apps/bench/src/x.ts', '@moe-zoo/spoken-digits-tool'],
    ['tools/create-package/src/x.ts', '@moe-zoo/core'],
    ['tools/pack-test/test/x.test.ts', '@moe-zoo/spoken-digits-tool'],
    ['packages/vision/test/x.test.ts', '../src/encoders'],
    ['packages/vision/src/x.ts', 'zod'],
  ])('%s may import %s', async (file, spec) => {
    expect(await boundaryErrors(imports(spec), file)).toEqual([]);
  });

  it.each([
    ['packages/vision/src/x.ts', '@moe-zoo/core/src/nn', 'deep'],
    ['apps/bench/src/x.ts', '@moe-zoo/core/src', 'deep'],
    ['apps/bench/src/x.ts', '@moe-zoo/vision/dist/index', 'deep'],
    ['packages/vision/src/x.ts', '../../core/src/nn', 'relative'],
    ['packages/vision/test/x.test.ts', '../../core/src', 'relative'],
    ['apps/bench/src/suites/x.ts', '../../../../packages/vision/src/mova', 'relative'],
    ['tools/pack-test/src/x.ts', '../../../packages/core/dist', 'relative'],
  ])('%s may not reach into %s', async (file, spec, messageId) => {
    expect(await boundaryErrors(imports(spec), file)).toEqual([messageId]);
  });

  it('reports an upward import into src/ twice, once for each check', async () => {
    expect(await boundaryErrors(imports('@moe-zoo/bench/src/types'), 'packages/vision/src/x.ts')).toEqual([
      'upward',
      'deep',
    ]);
  });

  it('checks every import form: type imports, re-exports, import(), require, import = require', async () => {
    const code = [
      "import type { Suite } from '@moe-zoo/bench';",
      "export { runSuites } from '@moe-zoo/bench';",
      "export * from '@moe-zoo/multimodal';",
      "export async function load(): Promise<unknown> { return import('@moe-zoo/bench'); }",
      "import bench = require('@moe-zoo/bench');",
      'export type S = Suite;',
      'export const b = bench;',
      '',
    ].join('\n');
    expect(await boundaryErrors(code, 'packages/vision/src/x.ts')).toEqual(Array(5).fill('upward'));
    expect(
      await boundaryErrors("module.exports = require('@moe-zoo/vision');\n", 'packages/core/x.js'),
    ).toEqual(['upward']);
  });

  it('names the rule in its message', async () => {
    const [result] = await eslint.lintText(imports('@moe-zoo/bench'), {
      filePath: path.join(ROOT, 'packages/core/src/x.ts'),
    });
    expect(result.errorCount).toBe(1);
    expect(result.messages[0].message).toMatch(
      /^packages\/core may not import @moe-zoo\/bench: dependencies point down/,
    );
  });
});
