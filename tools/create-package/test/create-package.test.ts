/**
 * Generates a package into a temporary copy of the minimum workspace (root configs, apps/bench,
 * node_modules linked to the real ones), then type-checks it and runs its tests there.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import { runCaptured } from '@moe-zoo/core';
import { createNewPackageCli, createPackage, namesOf, registerSuite, validateName } from '../src';
import { bin, REPO, scratchWorkspace } from './workspace';

const run = promisify(execFile);

const cli = (argv: string[]) => runCaptured(createNewPackageCli, argv);
const NAME = 'toy-moe';

let root: string;
beforeAll(() => {
  if (!fs.existsSync(path.join(REPO, 'packages', 'core', 'dist', 'index.d.ts'))) {
    throw new Error('packages/core/dist is missing: build core first (npx nx run @moe-zoo/core:build)');
  }
  root = scratchWorkspace();
});
afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

describe('names', () => {
  it('derives Pascal and camel case', () => {
    expect(namesOf('speech-moe-2')).toEqual({
      name: 'speech-moe-2',
      pascal: 'SpeechMoe2',
      camel: 'speechMoe2',
    });
  });

  it.each([
    ['Speech', 'not a valid package name'],
    ['speech_moe', 'not a valid package name'],
    ['-x', 'not a valid package name'],
    ['2d', 'not a valid package name'],
    ['a--b', 'not a valid package name'],
    ['@moe-zoo/x', 'not a valid package name'],
    ['x'.repeat(41), 'too long'],
    ['core', 'packages/core already exists'],
    ['bench', '@moe-zoo/bench already exists (apps/bench)'],
    ['perf', 'apps/bench/src/suites/perf'],
  ])('rejects "%s" with a clear error', (name, message) => {
    expect(() => validateName(name, REPO)).toThrow(message);
  });
});

describe('registerSuite', () => {
  it('adds the import and the SUITES entry', () => {
    const index = [
      "import type { Suite } from '../types';",
      "import { aSuite } from './a';",
      "import { bSuite } from './b';",
      '',
      'export const SUITES: Suite[] = [aSuite, bSuite];',
      '',
    ].join('\n');
    expect(registerSuite(index, namesOf('new-one'))).toBe(
      [
        "import type { Suite } from '../types';",
        "import { aSuite } from './a';",
        "import { bSuite } from './b';",
        "import { newOneSuite } from './new-one';",
        '',
        'export const SUITES: Suite[] = [aSuite, bSuite, newOneSuite];',
        '',
      ].join('\n'),
    );
  });

  it('fails clearly without a SUITES array', () => {
    expect(() => registerSuite('export const X = 1;\n', namesOf('n'))).toThrow(
      'found no "export const SUITES',
    );
  });
});

describe('npm run new-package', () => {
  it('refuses a bad name without writing anything', async () => {
    const r = await cli(['Bad_Name', '--root', root]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^new-package: "Bad_Name" is not a valid package name.*\(CreatePackageError\)\n$/,
    );
    expect(fs.readdirSync(path.join(root, 'packages'))).toEqual([]);
  });

  it('scaffolds a package whose type check and tests pass, and a registered bench suite', async () => {
    const r = await cli([NAME, '--root', root]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('created @moe-zoo/toy-moe');
    const pkg = path.join(root, 'packages', NAME);
    for (const f of ['package.json', 'README.md', 'tsconfig.json', 'tsconfig.lib.json', 'jest.config.js']) {
      expect(fs.existsSync(path.join(pkg, f))).toBe(true);
    }
    const manifest = JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({
      name: '@moe-zoo/toy-moe',
      main: 'dist/index.js',
      types: 'dist/index.d.ts',
      files: ['dist', 'README.md', 'LICENSE'],
      dependencies: { '@moe-zoo/core': '^0.1.0' },
      peerDependencies: { '@tensorflow/tfjs': '^4.22.0', '@tensorflow/tfjs-backend-wasm': '^4.22.0' },
    });
    expect(fs.readFileSync(path.join(pkg, 'LICENSE'), 'utf8')).toBe(
      fs.readFileSync(path.join(REPO, 'LICENSE'), 'utf8'),
    );
    expect(fs.readFileSync(path.join(pkg, 'README.md'), 'utf8')).toContain(
      'main().catch((e) => {\n  console.error(e);\n  process.exit(1);\n});\n```',
    );
    const bench = path.join(root, 'apps', 'bench');
    const index = fs.readFileSync(path.join(bench, 'src', 'suites', 'index.ts'), 'utf8');
    expect(index).toContain("import { toyMoeSuite } from './toy-moe';");
    expect(index).toMatch(/^export const SUITES: Suite\[\] = \[[^\]]*\btoyMoeSuite,?\s*\];$/m); // Prettier may wrap it
    expect(index.match(/toyMoeSuite/g)).toHaveLength(2); // the import and the entry, not the doc example
    expect(JSON.parse(fs.readFileSync(path.join(bench, 'package.json'), 'utf8')).dependencies).toHaveProperty(
      '@moe-zoo/toy-moe',
      '^0.1.0',
    );

    // A second run with the same name is refused: the package exists now.
    await expect(createPackage({ name: NAME, root })).rejects.toThrow('packages/toy-moe already exists');

    // Formatted like the repository (prettier --check passes).
    const generated = [
      ...[
        'src/data.ts',
        'src/model.ts',
        'src/train.ts',
        'src/index.ts',
        'test/model.test.ts',
        'test/readme.test.ts',
        'package.json',
      ].map((f) => path.join(pkg, f)),
      path.join(bench, 'src', 'suites', NAME, 'index.ts'),
      path.join(bench, 'src', 'suites', NAME, 'claims.ts'),
      path.join(bench, 'test', 'suites', `${NAME}-claims.test.ts`),
      path.join(bench, 'src', 'suites', 'index.ts'),
    ];
    await run(bin('prettier'), ['--check', ...generated], { cwd: root });
    // ... and lint-clean under the repository's ESLint config.
    await run(
      bin('eslint'),
      [...generated.filter((f) => f.endsWith('.ts')), path.join(pkg, 'jest.config.js')],
      {
        cwd: root,
      },
    ).catch((e: { stdout?: string; message: string }) => {
      throw new Error(`eslint failed on the generated files:\n${e.stdout ?? e.message}`);
    });

    // Link it like `npm install` would, then type-check, build and test the package.
    fs.symlinkSync(pkg, path.join(root, 'node_modules', '@moe-zoo', NAME));
    await run(bin('tsc'), ['-p', 'tsconfig.json'], { cwd: pkg });
    await run(bin('tsc'), ['-p', 'tsconfig.lib.json'], { cwd: pkg });
    expect(fs.existsSync(path.join(pkg, 'dist', 'index.d.ts'))).toBe(true);

    // The bench suite type-checks against the bench sources and the built package, and its claim
    // logic passes its test.
    const suiteCheck = path.join(bench, 'tsconfig.suite-check.json');
    fs.writeFileSync(
      suiteCheck,
      JSON.stringify({
        extends: '../../tsconfig.base.json',
        compilerOptions: { noEmit: true, types: ['node', 'jest'] },
        files: [`src/suites/${NAME}/index.ts`, `test/suites/${NAME}-claims.test.ts`],
      }),
    );
    await run(bin('tsc'), ['-p', suiteCheck], { cwd: bench });
    await run(bin('jest'), ['--ci', `test/suites/${NAME}-claims.test.ts`], {
      cwd: bench,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
    });

    const { stdout, stderr } = await run(bin('jest'), ['--ci'], {
      cwd: pkg,
      // plain output even under nx, which forces colours
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', MOE_THREADS: process.env.MOE_THREADS ?? '1' },
    }).catch((e: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`generated package tests failed:\n${e.stderr ?? ''}\n${e.stdout ?? e.message}`);
    });
    const ansi = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
    const report = `${stdout}\n${stderr}`.replace(ansi, '');
    expect(report).toMatch(/Tests:\s+\d+ passed, \d+ total/);
    expect(report).not.toMatch(/failed/);
  });
});
